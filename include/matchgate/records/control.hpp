#pragma once
// Control record (type 19): a decision about who may trade what, taken by an
// operator (matchgate-admin) or by the trading-day schedule: kill or release
// a member, halt or resume an instrument, stop or resume the venue, a mass
// cancel ordered by an operator, a limit set at runtime, a trading-session
// phase change, an operator's trade bust or correction. Replay applies it at its place in the log,
// so the gateway's controls and limits come back exactly; the cancels and expiries an action causes
// follow it as OrderRequest records. Layout (docs/WAL.md):
//   u8 action, u8 origin, u32 member, u32 instrument (the config's
//   numbering), u8 limit key, i64 value, i32 business date (yyyymmdd),
//   u8 phase, u16 identity length, identity bytes (the operator).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace matchgate::records {

enum class ControlAction : std::uint8_t {
  Kill = 1,
  Release = 2,
  Halt = 3,
  Resume = 4,
  Stop = 5,
  ResumeAll = 6,
  MassCancel = 7,
  SetLimit = 8,
  Phase = 9,
  // An operator's bust / correction of trade `value` (instrument: the
  // trade's); the Trade records that do it follow.
  BustTrade = 10,
  CorrectTrade = 11,
};
const char* to_string(ControlAction a) noexcept;  // "kill", "release", ...

enum class ControlOrigin : std::uint8_t { Operator = 0, Schedule = 1 };
const char* to_string(ControlOrigin o) noexcept;

inline constexpr std::uint32_t kNoTarget = 0xffffffffU;
inline constexpr std::size_t kMaxIdentityLength = 255;

struct ControlRecord {
  ControlAction action = ControlAction::Kill;
  ControlOrigin origin = ControlOrigin::Operator;
  std::uint32_t member = kNoTarget;
  std::uint32_t instrument = kNoTarget;
  std::uint8_t limit_key = 0;
  std::int64_t value = 0;
  std::int32_t business_date = 0;
  std::uint8_t phase = 0;
  std::string_view identity;  // at most kMaxIdentityLength bytes
};

inline constexpr std::size_t kControlFixedSize = 29;
inline constexpr std::size_t kControlMaxSize = kControlFixedSize + kMaxIdentityLength;
// `out` holds kControlMaxSize bytes; returns the bytes written (the identity
// is cut at kMaxIdentityLength).
std::size_t encode_control(const ControlRecord& r, std::byte* out) noexcept;
std::optional<ControlRecord> decode_control(std::span<const std::byte> payload) noexcept;

}  // namespace matchgate::records
