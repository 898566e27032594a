#pragma once
// Vocabulary shared by both dedup backends. The dedup module is a leaf: it
// knows nothing of FIX parsing or the engine, only (member, ClOrdID) keys and
// the two 64-bit values the gateway stores with them.
#include <cstddef>
#include <cstdint>

namespace matchgate::dedup {

// ClOrdIDs are stored inline in fixed-size records; FIX puts no limit on
// ClOrdID(11), the gateway does (the same limit as its order records).
inline constexpr std::size_t kMaxClOrdIdLength = 64;

// Where ClOrdID keys live (docs/DEDUP.md): an in-process store owned by
// the network thread, Redis (new orders' keys; cancel/replace keys stay in
// process), or nowhere (benchmarks only: the gateway's order records alone).
enum class Backend : std::uint8_t { Embedded, Redis, Off };
constexpr const char* to_string(Backend b) noexcept {
  switch (b) {
    case Backend::Embedded:
      return "embedded";
    case Backend::Redis:
      return "redis";
    case Backend::Off:
      return "off";
  }
  return "?";
}

// The member's number as the gateway knows it (engine::MemberId).
using MemberId = std::uint32_t;

// What is remembered under a key.
struct DedupEntry {
  std::uint64_t order_ref = 0;    // opaque to the store: the gateway's reference of the order
  std::uint64_t fingerprint = 0;  // request_fingerprint() of the request that created the key
  std::int64_t expires_ns = 0;    // the key counts as absent from this instant on
};

}  // namespace matchgate::dedup
