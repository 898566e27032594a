// matchgate-clearing: settlement reports (report_commands.cpp).
#include <CLI/CLI.hpp>

#include "report_commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"matchgate-clearing: settlement reports of a matchgate log", "matchgate-clearing"};
  app.require_subcommand(1);
  app.footer("Exit status: 0 done, 1 not verified, different or failed, 2 usage error.");
  int exit_code = 0;
  matchgate::tools::add_report_commands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}
