#include "matchgate/records/snapshot_point.hpp"

#include "matchgate/wal/format.hpp"

namespace matchgate::records {

void encode_snapshot_point(std::uint64_t number, std::byte* out) noexcept {
  wal::put_u64(out, number);
}

std::optional<std::uint64_t> decode_snapshot_point(std::span<const std::byte> payload) noexcept {
  if (payload.size() != kSnapshotPointSize) return std::nullopt;
  return wal::get_u64(payload.data());
}

}  // namespace matchgate::records
