#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "matchgate/ops/counters.hpp"
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

TEST(Logging, FileSinkLevelAndCounter) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("matchgate_log_test_" + std::to_string(::getpid()) + ".log");
  std::filesystem::remove(path);
  {
    ops::LoggingScope scope(ops::LogOptions{spdlog::level::info, path});
    spdlog::debug("hidden line");
    spdlog::info("visible line {}", 42);

    ops::EventCounter rejects("rejects", std::chrono::hours(1));
    EXPECT_EQ(rejects.report_if_due(spdlog::level::warn), 0U);  // nothing counted yet
    rejects.add(3);
    EXPECT_EQ(rejects.report_if_due(spdlog::level::warn, "price off tick"), 3U);
    rejects.add_and_report(spdlog::level::warn);  // within the hour: counted, not logged
    EXPECT_EQ(rejects.report_if_due(spdlog::level::warn), 0U);
    EXPECT_EQ(rejects.total(), 4U);
  }
  const std::string text = read_all(path);
  EXPECT_NE(text.find("visible line 42"), std::string::npos) << text;
  EXPECT_EQ(text.find("hidden line"), std::string::npos) << text;
  EXPECT_NE(text.find("rejects: 3 since last report (3 total); last: price off tick"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("(4 total)"), std::string::npos) << text;
  std::filesystem::remove(path);
  spdlog::info("after shutdown: must not crash");
}

TEST(Logging, UnopenableFileThrows) {
  EXPECT_THROW(ops::init_logging(ops::LogOptions{spdlog::level::info, "/dev/null/x.log"}),
               std::runtime_error);
  ops::shutdown_logging();
}

TEST(EventCounter, ConcurrentAddsAndOneReporterPerInterval) {
  ops::EventCounter counter("test", std::chrono::milliseconds(20));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100'000; ++i) counter.add();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter.total(), 400'000U);
  EXPECT_EQ(counter.report_if_due(spdlog::level::off), 400'000U);
  counter.add(5);
  EXPECT_EQ(counter.report_if_due(spdlog::level::off), 0U);  // too soon
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(counter.report_if_due(spdlog::level::off), 5U);  // the count since the last report
}

}  // namespace
