#include "matchgate/records/outbound.hpp"

#include <cstring>

#include "matchgate/wal/format.hpp"

namespace matchgate::records {

// Layout: 0 member, 4 admin (1/0), 5-7 zero, 8 seq, 16 next_in, 24 cause, 32 message.
void encode_outbound_head(const OutboundRecordHead& h, std::byte* out) noexcept {
  std::memset(out, 0, kOutboundHeadSize);
  wal::put_u32(out, h.member);
  out[4] = std::byte{h.admin ? std::uint8_t{1} : std::uint8_t{0}};
  wal::put_u64(out + 8, h.seq);
  wal::put_u64(out + 16, h.next_in);
  wal::put_u64(out + 24, h.cause);
}

std::optional<std::pair<OutboundRecordHead, std::string_view>> decode_outbound(
    std::span<const std::byte> p) noexcept {
  if (p.size() < kOutboundHeadSize) return std::nullopt;
  OutboundRecordHead h;
  h.member = wal::get_u32(p.data());
  h.admin = p[4] != std::byte{0};
  h.seq = wal::get_u64(p.data() + 8);
  h.next_in = wal::get_u64(p.data() + 16);
  h.cause = wal::get_u64(p.data() + 24);
  return std::pair{h, std::string_view(reinterpret_cast<const char*>(p.data() + kOutboundHeadSize),
                                       p.size() - kOutboundHeadSize)};
}

}  // namespace matchgate::records
