#include "matchgate/records/control.hpp"

#include <algorithm>
#include <cstring>

#include "matchgate/wal/format.hpp"

namespace matchgate::records {

const char* to_string(ControlAction a) noexcept {
  switch (a) {
    case ControlAction::Kill:
      return "kill";
    case ControlAction::Release:
      return "release";
    case ControlAction::Halt:
      return "halt";
    case ControlAction::Resume:
      return "resume";
    case ControlAction::Stop:
      return "stop";
    case ControlAction::ResumeAll:
      return "resume-all";
    case ControlAction::MassCancel:
      return "mass-cancel";
    case ControlAction::SetLimit:
      return "set-limit";
    case ControlAction::Phase:
      return "session";
    case ControlAction::BustTrade:
      return "bust";
    case ControlAction::CorrectTrade:
      return "correct";
  }
  return "unknown";
}

const char* to_string(ControlOrigin o) noexcept {
  return o == ControlOrigin::Schedule ? "schedule" : "operator";
}

std::size_t encode_control(const ControlRecord& r, std::byte* out) noexcept {
  const std::size_t id_len = std::min(r.identity.size(), kMaxIdentityLength);
  out[0] = static_cast<std::byte>(r.action);
  out[1] = static_cast<std::byte>(r.origin);
  wal::put_u32(out + 2, r.member);
  wal::put_u32(out + 6, r.instrument);
  out[10] = static_cast<std::byte>(r.limit_key);
  wal::put_u64(out + 11, static_cast<std::uint64_t>(r.value));
  wal::put_u32(out + 19, static_cast<std::uint32_t>(r.business_date));
  out[23] = static_cast<std::byte>(r.phase);
  wal::put_u16(out + 24, static_cast<std::uint16_t>(id_len));
  out[26] = out[27] = out[28] = std::byte{0};  // reserved
  // An empty identity may have no storage at all (memcpy from null is
  // undefined even for 0 bytes).
  if (id_len > 0) std::memcpy(out + kControlFixedSize, r.identity.data(), id_len);
  return kControlFixedSize + id_len;
}

std::optional<ControlRecord> decode_control(std::span<const std::byte> payload) noexcept {
  if (payload.size() < kControlFixedSize) return std::nullopt;
  const std::byte* p = payload.data();
  ControlRecord r;
  const auto action = static_cast<std::uint8_t>(p[0]);
  const auto origin = static_cast<std::uint8_t>(p[1]);
  if (action < 1 || action > static_cast<std::uint8_t>(ControlAction::CorrectTrade) || origin > 1) {
    return std::nullopt;
  }
  r.action = static_cast<ControlAction>(action);
  r.origin = static_cast<ControlOrigin>(origin);
  r.member = wal::get_u32(p + 2);
  r.instrument = wal::get_u32(p + 6);
  r.limit_key = static_cast<std::uint8_t>(p[10]);
  r.value = static_cast<std::int64_t>(wal::get_u64(p + 11));
  r.business_date = static_cast<std::int32_t>(wal::get_u32(p + 19));
  r.phase = static_cast<std::uint8_t>(p[23]);
  const std::size_t id_len = wal::get_u16(p + 24);
  if (payload.size() != kControlFixedSize + id_len || id_len > kMaxIdentityLength) {
    return std::nullopt;
  }
  r.identity = std::string_view(reinterpret_cast<const char*>(p + kControlFixedSize), id_len);
  return r;
}

}  // namespace matchgate::records
