#pragma once
// SnapshotPoint record (type 18): where a snapshot was taken. The state a
// snapshot holds is that of the log up to and including this record; there
// is nothing to replay. Payload: u64, the snapshot's number in this run
// (1, 2, ...).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace matchgate::records {

inline constexpr std::size_t kSnapshotPointSize = 8;
void encode_snapshot_point(std::uint64_t number, std::byte* out) noexcept;
std::optional<std::uint64_t> decode_snapshot_point(std::span<const std::byte> payload) noexcept;

}  // namespace matchgate::records
