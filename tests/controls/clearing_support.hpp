#pragma once
// Helpers shared by the clearing end-to-end tests (fees, positions, busts,
// settlement reports): the daemon's [clearing] lines, files the daemon
// wrote, and matchgate-clearing run as an operator runs it.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "controls/controls_support.hpp"

namespace matchgate::testing::controls {

// Taker 2 bp, maker a rebate of 0.5 bp, in cents.
inline DaemonOptions clearing_options() {
  DaemonOptions o = gw::small();
  o.clearing = "taker_fee_bps = \"2\"\nmaker_fee_bps = \"-0.5\"\nfee_decimals = 2\n";
  return o;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline CommandRun clearing_tool(const std::string& args) {
  return run_command("timeout 120 " + Daemon::binary("matchgate-clearing") + " " + args);
}

}  // namespace matchgate::testing::controls
