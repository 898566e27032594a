#pragma once
// Reading the daemon's log in recovery tests.
#include <regex>
#include <string>
#include <vector>

namespace matchgate::testing {

// The first capture group of every match of `pattern` in `log`, in order.
inline std::vector<std::string> matches(const std::string& log, const std::string& pattern) {
  std::vector<std::string> out;
  const std::regex re(pattern);
  for (auto it = std::sregex_iterator(log.begin(), log.end(), re); it != std::sregex_iterator();
       ++it) {
    out.push_back((*it)[1].str());
  }
  return out;
}

}  // namespace matchgate::testing
