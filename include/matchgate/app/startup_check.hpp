#pragma once
// What the daemon needs from its environment before it recovers the log.
// `matchgated --check-config` and the daemon's start both call
// check_startable(), so a config that passes the check is not refused at
// start for any of these reasons, and one that fails is refused with the same
// text. The log's content (integrity, seals, snapshots fitting the config) is
// recovery's business and `matchgate-wal verify`'s, not checked here.
#include <string>
#include <vector>

#include "matchgate/app/config.hpp"

namespace matchgate::app {

// Throws ConfigError (the config file, no line, the key, the problem) for
// the first of these that the start would refuse, in the order the start
// meets them:
//   log.file      a directory, not writable, or not creatable (the start
//                 creates missing parent directories)
//   wal.dir       not a directory, not readable and writable, or not
//                 creatable (the start creates it with its missing parents)
//   wal.sign_key  absent, or not a loadable SM2 private key: missing,
//                 unreadable, not a regular file, mode with any of 077, not
//                 a PEM private key, not SM2
// Reads only: it creates nothing, so a checked WAL directory that is missing
// is still missing afterwards.
void check_startable(const Config& config);

}  // namespace matchgate::app
