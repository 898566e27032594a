#pragma once
// Invariant assertions that stay on in release builds (TigerBeetle's rule:
// a state the code cannot handle is a bug, and running on past it does
// more harm than stopping). For conditions that "cannot happen"; never for
// bad input, which gets an answer instead.
namespace matchgate::util {

[[noreturn]] void assertion_failed(const char* condition, const char* message, const char* file,
                                   int line) noexcept;

}  // namespace matchgate::util

#define MATCHGATE_ASSERT(condition, message)                                          \
  do {                                                                                \
    if (!(condition)) [[unlikely]] {                                                  \
      ::matchgate::util::assertion_failed(#condition, (message), __FILE__, __LINE__); \
    }                                                                                 \
  } while (false)
