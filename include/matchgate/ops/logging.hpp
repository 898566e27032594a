#pragma once
// Process-wide logging: one spdlog async logger (single worker thread) that
// becomes spdlog's default logger, so any module can call spdlog::info(...).
// Formatting and I/O happen on the worker; the calling thread only enqueues.
// Hot paths must still not log per message: count with a metric
// (ops/metrics.hpp) and let the periodic log line report it.
#include <spdlog/common.h>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string_view>

namespace matchgate::ops {

struct LogOptions {
  spdlog::level::level_enum level = spdlog::level::info;
  std::optional<std::filesystem::path> file;  // absent: stderr
  std::size_t queue_size = 8192;              // messages buffered for the worker
};

// "trace", "debug", "info", "warn", "error", "critical", "off"; nullopt otherwise.
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name) noexcept;

// Installs the async logger. Throws std::runtime_error (e.g. the log file
// cannot be opened). Calling it again replaces the previous logger.
void init_logging(const LogOptions& options);

// Flushes and stops the worker. Later log calls still work: they go to
// stderr synchronously, at the same level. Safe to call twice.
void shutdown_logging() noexcept;

// init_logging() for a scope: the destructor flushes, so the last lines of a
// process that exits via return from main are not lost in the queue.
class LoggingScope {
 public:
  explicit LoggingScope(const LogOptions& options) { init_logging(options); }
  ~LoggingScope() { shutdown_logging(); }
  LoggingScope(const LoggingScope&) = delete;
  LoggingScope& operator=(const LoggingScope&) = delete;
};

}  // namespace matchgate::ops
