#include "matchgate/app/startup_check.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "matchgate/crypto/sm2.hpp"
#include "matchgate/util/decimal.hpp"

namespace matchgate::app {

namespace {

namespace fs = std::filesystem;

[[noreturn]] void refuse(const Config& config, const char* key, const std::string& problem) {
  throw ConfigError(config.source.string(), 0, 0, key, problem);
}

// Empty when this process may do `mode` (access(2) bits) on `path`; else why not.
std::string access_problem(const fs::path& path, int mode) {
  if (::access(path.c_str(), mode) == 0) return {};
  return std::strerror(errno);
}

// The nearest ancestor of a missing `path` that exists (or cannot be
// examined): where creating `path` and its missing parents starts.
fs::path existing_ancestor(const fs::path& path) {
  fs::path p = path.parent_path();
  while (!p.empty()) {
    std::error_code ec;
    if (fs::status(p, ec).type() != fs::file_type::not_found) return p;
    const fs::path up = p.parent_path();
    if (up == p) break;
    p = up;
  }
  return p.empty() ? fs::path(".") : p;
}

// Empty when the missing `path` could be created together with its missing
// parent directories, as create_directories() and spdlog's file sink do.
std::string creation_problem(const fs::path& path) {
  const fs::path ancestor = existing_ancestor(path);
  std::error_code ec;
  const fs::file_status status = fs::status(ancestor, ec);
  if (fs::exists(status) && !fs::is_directory(status))
    return ancestor.string() + " is not a directory";
  if (std::string problem = access_problem(ancestor, W_OK | X_OK); !problem.empty())
    return "no write access to directory " + ancestor.string() + ": " + problem;
  return {};
}

std::string log_file_problem(const fs::path& file) {
  std::error_code ec;
  const fs::file_status status = fs::status(file, ec);
  if (status.type() == fs::file_type::not_found) {
    const std::string problem = creation_problem(file);
    return problem.empty() ? problem : "cannot create " + file.string() + ": " + problem;
  }
  if (ec) return "cannot examine " + file.string() + ": " + ec.message();
  if (fs::is_directory(status)) return file.string() + " is a directory";
  if (std::string problem = access_problem(file, W_OK); !problem.empty())
    return "cannot open " + file.string() + " for writing: " + problem;
  return {};
}

// The writer creates segment files in the directory and recovery lists it.
std::string wal_dir_problem(const fs::path& dir) {
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (status.type() == fs::file_type::not_found) {
    const std::string problem = creation_problem(dir);
    return problem.empty() ? problem : "cannot create directory " + dir.string() + ": " + problem;
  }
  if (ec) return "cannot examine " + dir.string() + ": " + ec.message();
  if (!fs::is_directory(status)) return dir.string() + " exists and is not a directory";
  if (std::string problem = access_problem(dir, R_OK | W_OK | X_OK); !problem.empty())
    return "cannot read and write in directory " + dir.string() + ": " + problem;
  return {};
}

void check_sign_key(const Config& config) {
  constexpr const char* kKey = "wal.sign_key";
  if (config.gateway.sign_key.empty()) {
    refuse(config, kKey,
           "missing: the write-ahead log is sealed with an SM2 private key; create one with "
           "`matchgate-wal keygen --private KEY.pem --public KEY.pub.pem` and name it here");
  }
  try {
    // Loaded and dropped: the gateway loads it again, so what is checked is
    // everything the start checks (file, mode, PEM, curve).
    (void)crypto::Sm2PrivateKey::load_pem(config.gateway.sign_key);
  } catch (const crypto::CryptoError& e) {
    refuse(config, kKey, e.what());
  }
}

}  // namespace

void check_startable(const Config& config) {
  if (config.log.file) {
    if (std::string problem = log_file_problem(*config.log.file); !problem.empty())
      refuse(config, "log.file", problem);
  }
  if (std::string problem = wal_dir_problem(config.gateway.wal.dir); !problem.empty())
    refuse(config, "wal.dir", problem);
  check_sign_key(config);
}

}  // namespace matchgate::app
