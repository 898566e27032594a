#pragma once
// matchgate-clearing load: follows the write-ahead log into PostgreSQL
// (docs/CLEARING.md, "PostgreSQL store").
#include <CLI/CLI.hpp>

namespace matchgate::clearing_load {

// Adds the `load` subcommand to `app`; when it runs, it sets `exit_code`
// (0 done, 1 the log, the database or the config failed, 2 usage).
void add_load_command(CLI::App& app, int& exit_code);

}  // namespace matchgate::clearing_load
