#pragma once
// A directory of a test's own, made with mkdtemp under /tmp (or another
// base) and removed with everything in it when the object goes, unless
// MATCHGATE_KEEP_TEST_DIRS is set (to look at what a failed test left).
// Header only: the fuzz targets use it too, without the test support
// library.
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace matchgate::testing {

class TempDir {
 public:
  // `prefix` names the directory: /tmp/<prefix>-XXXXXX.
  explicit TempDir(const std::string& prefix,
                   const std::filesystem::path& base = std::filesystem::path("/tmp")) {
    std::string templ = (base / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(templ.data()) == nullptr) {
      throw std::runtime_error("mkdtemp " + templ + " failed");
    }
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ignored;
    if (std::getenv("MATCHGATE_KEEP_TEST_DIRS") == nullptr) {
      std::filesystem::remove_all(path_, ignored);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace matchgate::testing
