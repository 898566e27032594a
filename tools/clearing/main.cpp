// matchgate-clearing: clearing's tool for operators (docs/CLEARING.md).
//   matchgate-clearing report --config FILE [--date D] [--through SEQ] --out DIR [--compare DIR]
//   matchgate-clearing verify DIR --pubkey KEY.pub.pem
//   matchgate-clearing load --config FILE | --dir DIR --pubkey KEY.pub.pem [--sm2-id ID]
//                           --db CONNINFO [--follow] [--poll-ms N] [--batch N]
// Exit status: 0 done, 1 failed (not verified, different, log, database or
// config), 2 usage.
#include <CLI/CLI.hpp>

#include "load_command.hpp"
#include "report_commands.hpp"

int main(int argc, char** argv) {
  CLI::App app("matchgate-clearing: settlement reports and the PostgreSQL store of a matchgate log",
               "matchgate-clearing");
  app.require_subcommand(1);
  app.footer(
      "Exit status: 0 done, 1 not verified, different or failed (log, database or config), 2 "
      "usage error.");
  int exit_code = 0;
  matchgate::tools::add_report_commands(app, exit_code);
  matchgate::clearing_load::add_load_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}
