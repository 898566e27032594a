#pragma once
// The checks of a block's bytes that a scan, logged_chain_hash and the
// torn-tail rule share (docs/WAL.md section 5, step 3.7). Internal to the
// wal module.
#include <cstddef>
#include <cstdint>
#include <string>

#include "matchgate/wal/format.hpp"

namespace matchgate::wal {

bool all_zero(const std::byte* p, std::size_t n) noexcept;
// One past the last non-zero byte in [from, size), or `from` if none.
std::size_t last_non_zero(const std::byte* p, std::size_t from, std::size_t size) noexcept;

// Why the bytes at `off` do not frame the block starting with record
// `seq` (room for a header, length, CRC, first sequence number, reserved
// word, padding), or empty if they do. Neither the chain hash nor the
// records inside are checked.
std::string check_block_frame(const std::byte* base, std::size_t size, std::size_t off,
                              std::uint64_t seq);
// Why the records of a framed block do not fill it exactly, record_count
// of them, or empty if they do.
std::string check_block_records(const std::byte* block);
// Why a block at `off` is not the valid block starting with record `seq`
// after chain hash `prev`, or empty if it is. Without `chained` (before a
// scan's start point) the chain hash is not checked.
std::string check_block(const std::byte* base, std::size_t size, std::size_t off, std::uint64_t seq,
                        const Hash& prev, bool chained);
// Where the blocks of a mapped segment end: the end of the file, or the
// first block position whose length field is 0 (or with fewer than 64
// bytes left) and all zeros after it.
bool blocks_end_at(const std::byte* base, std::size_t size, std::size_t off) noexcept;
// Is there anything after `off` that frames and checksums like a block of
// this log? If so the damage at `off` is in the middle, not a torn tail.
bool valid_block_after(const std::byte* base, std::size_t size, std::size_t off, std::uint64_t seq);

}  // namespace matchgate::wal
