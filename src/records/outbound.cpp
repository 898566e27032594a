#include "matchgate/records/outbound.hpp"

#include <cstring>

#include "matchgate/wal/format.hpp"

namespace matchgate::records {

// Layout: 0 member, 4 admin (1/0), 5 form, 6-7 zero, 8 seq, 16 next_in,
// 24 cause; then the message (verbatim) or 32 its CRC-32C (regenerated).
void encode_outbound_head(const OutboundRecordHead& h, std::byte* out) noexcept {
  std::memset(out, 0, kOutboundHeadSize);
  wal::put_u32(out, h.member);
  out[4] = std::byte{h.admin ? std::uint8_t{1} : std::uint8_t{0}};
  out[5] = static_cast<std::byte>(form_for(h.cause));
  wal::put_u64(out + 8, h.seq);
  wal::put_u64(out + 16, h.next_in);
  wal::put_u64(out + 24, h.cause);
}

void encode_outbound_regenerated(const OutboundRecordHead& h, std::uint32_t message_crc,
                                 std::byte* out) noexcept {
  encode_outbound_head(h, out);
  wal::put_u32(out + kOutboundHeadSize, message_crc);
}

std::optional<OutboundRecord> decode_outbound(std::span<const std::byte> p) noexcept {
  if (p.size() < kOutboundHeadSize) return std::nullopt;
  const std::byte* b = p.data();
  const auto admin = static_cast<std::uint8_t>(b[4]);
  const auto form = static_cast<std::uint8_t>(b[5]);
  if (admin > 1 || form > 1 || b[6] != std::byte{0} || b[7] != std::byte{0}) return std::nullopt;
  OutboundRecord r;
  r.head.member = wal::get_u32(b);
  r.head.admin = admin != 0;
  r.head.seq = wal::get_u64(b + 8);
  r.head.next_in = wal::get_u64(b + 16);
  r.head.cause = wal::get_u64(b + 24);
  r.form = static_cast<OutboundForm>(form);
  if (r.form != form_for(r.head.cause)) return std::nullopt;
  if (r.form == OutboundForm::Regenerated) {
    if (p.size() != kOutboundRegeneratedSize) return std::nullopt;
    r.message_crc = wal::get_u32(b + kOutboundHeadSize);
    return r;
  }
  if (p.size() == kOutboundHeadSize) return std::nullopt;  // a message is never empty
  r.message = std::string_view(reinterpret_cast<const char*>(b + kOutboundHeadSize),
                               p.size() - kOutboundHeadSize);
  return r;
}

}  // namespace matchgate::records
