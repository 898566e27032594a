#pragma once
// How a daemon under test ended: tests that stop it expect exit status 0 and
// no sanitizer report in its output (an ASan/UBSan or TSan build reports there, and
// a report after the last assertion would otherwise pass unnoticed).
// Header-only and C++14, for the QuickFIX tests too.
#include <string>

namespace matchgate::testing {

// "" when `exit_status` is 0 and `output` holds no sanitizer report;
// otherwise what is wrong, with the output.
inline std::string unclean_exit(int exit_status, const std::string& output) {
  static const char* const kReports[] = {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                                         "runtime error:", "WARNING: ThreadSanitizer"};
  std::string problems;
  if (exit_status != 0) problems += "exit status " + std::to_string(exit_status) + "; ";
  for (const char* report : kReports) {
    if (output.find(report) != std::string::npos) problems += std::string(report) + "; ";
  }
  if (problems.empty()) return problems;
  return problems + "the daemon's output:\n" + output;
}

}  // namespace matchgate::testing
