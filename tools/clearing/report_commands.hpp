#pragma once
// matchgate-clearing report | verify (docs/CLEARING.md "Settlement
// reports"): regenerate a business date's signed settlement report from the
// log, compare it with an existing one, verify one against the public key.
#include <CLI/CLI.hpp>

namespace matchgate::tools {

// Adds the two subcommands to `app`; each sets `exit_code` when it runs:
// 0 done (verified, byte-identical), 1 not verified / different / failed.
void add_report_commands(CLI::App& app, int& exit_code);

}  // namespace matchgate::tools
