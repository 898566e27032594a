// matchgate-clearing: clearing's tool for operators (docs/CLEARING.md).
//   matchgate-clearing load --config FILE | --dir DIR --pubkey KEY.pub.pem [--sm2-id ID]
//                           --db CONNINFO [--follow] [--poll-ms N] [--batch N]
// Exit status: 0 done, 1 failed (log, database or config), 2 usage.
#include <CLI/CLI.hpp>

#include "load_command.hpp"

int main(int argc, char** argv) {
  CLI::App app("matchgate-clearing: clearing's tool for operators");
  app.require_subcommand(1);
  int exit_code = 0;
  matchgate::clearing_load::add_load_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}
