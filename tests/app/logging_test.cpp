#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "matchgate/ops/logging.hpp"

namespace {

namespace ops = matchgate::ops;

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Logging, ParseLevel) {
  EXPECT_EQ(ops::parse_log_level("trace"), spdlog::level::trace);
  EXPECT_EQ(ops::parse_log_level("warn"), spdlog::level::warn);
  EXPECT_EQ(ops::parse_log_level("error"), spdlog::level::err);
  EXPECT_EQ(ops::parse_log_level("off"), spdlog::level::off);
  EXPECT_FALSE(ops::parse_log_level("warning").has_value());
  EXPECT_FALSE(ops::parse_log_level("INFO").has_value());
  EXPECT_FALSE(ops::parse_log_level("").has_value());
}

TEST(Logging, FileSinkLevel) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("matchgate_log_test_" + std::to_string(::getpid()) + ".log");
  std::filesystem::remove(path);
  {
    ops::LoggingScope scope(ops::LogOptions{spdlog::level::info, path});
    spdlog::debug("hidden line");
    spdlog::info("visible line {}", 42);
  }
  const std::string text = read_all(path);
  EXPECT_NE(text.find("visible line 42"), std::string::npos) << text;
  EXPECT_EQ(text.find("hidden line"), std::string::npos) << text;
  std::filesystem::remove(path);
  spdlog::info("after shutdown: must not crash");
}

TEST(Logging, UnopenableFileThrows) {
  EXPECT_THROW(ops::init_logging(ops::LogOptions{spdlog::level::info, "/dev/null/x.log"}),
               std::runtime_error);
  ops::shutdown_logging();
}

}  // namespace
