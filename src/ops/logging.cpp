#include "matchgate/ops/logging.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <memory>
#include <stdexcept>
#include <string>

namespace matchgate::ops {

namespace {
constexpr const char* kLoggerName = "matchgate";
}

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name) noexcept {
  // Spelled out rather than spdlog::level::from_str, which maps anything
  // unknown to "off" and accepts aliases ("warning", "err").
  static constexpr std::array<std::pair<std::string_view, spdlog::level::level_enum>, 7> kLevels{{
      {"trace", spdlog::level::trace},
      {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},
      {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},
      {"critical", spdlog::level::critical},
      {"off", spdlog::level::off},
  }};
  for (const auto& [text, level] : kLevels) {
    if (text == name) return level;
  }
  return std::nullopt;
}

void init_logging(const LogOptions& options) {
  shutdown_logging();
  spdlog::sink_ptr sink;
  try {
    if (options.file) {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file->string(), false);
    } else {
      sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    }
  } catch (const spdlog::spdlog_ex& e) {
    throw std::runtime_error(std::string("cannot open log sink: ") + e.what());
  }
  spdlog::init_thread_pool(options.queue_size, 1);
  // overrun_oldest: when the worker falls behind (slow disk), old lines are
  // dropped instead of blocking an engine or network thread.
  auto logger =
      std::make_shared<spdlog::async_logger>(kLoggerName, std::move(sink), spdlog::thread_pool(),
                                             spdlog::async_overflow_policy::overrun_oldest);
  logger->set_level(options.level);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%f%z %^%l%$ [%t] %v");
  // Warnings and worse reach the file promptly; the rest is flushed by the
  // periodic flusher or at shutdown.
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  spdlog::flush_every(std::chrono::seconds(1));
}

void shutdown_logging() noexcept {
  try {
    spdlog::level::level_enum level = spdlog::level::info;
    // Held until spdlog::shutdown() has joined the pool's worker, so that the
    // async logger and its sinks are destroyed here, after the join. Without
    // it the registry dropped the last reference before the join and the
    // sink was freed right after the worker's last flush of it, ordered only
    // by shared_ptr counts inside libspdlog, which ThreadSanitizer does not
    // see (it reported a race of that free with the flush's lock).
    const std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
    if (previous != nullptr) {
      level = previous->level();
      previous->flush();
    }
    spdlog::shutdown();
    // spdlog::shutdown() leaves no default logger, and spdlog::info() would
    // then dereference null: late lines (e.g. from a destructor) go to
    // stderr synchronously instead.
    auto fallback = std::make_shared<spdlog::logger>(
        kLoggerName, std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    fallback->set_level(level);
    spdlog::set_default_logger(std::move(fallback));
  } catch (...) {
    // Nothing sensible to do when logging itself fails at exit.
  }
}

}  // namespace matchgate::ops
