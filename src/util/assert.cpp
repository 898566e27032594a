#include "matchgate/util/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace matchgate::util {

void assertion_failed(const char* condition, const char* message, const char* file,
                      int line) noexcept {
  // stderr, unbuffered: the log's own buffers may never be flushed.
  std::fprintf(stderr, "matchgate: assertion failed at %s:%d: %s (%s)\n", file, line, message,
               condition);
  std::abort();
}

}  // namespace matchgate::util
