#pragma once
// CRC-32C (Castagnoli; reflected polynomial 0x82F63B78, init ~0, final xor ~0),
// the checksum of iSCSI, ext4 and SCTP. It guards write-ahead-log records
// against torn and corrupted writes; tamper evidence comes from the SM3 chain.
#include <cstddef>
#include <cstdint>

namespace matchgate::util {

// Extends `crc` (0 to start) over `data`:
//   crc32c(0, "123456789", 9) == 0xE3069283
//   crc32c(crc32c(0, a), b) == crc32c(0, a || b)
// Uses the SSE4.2 crc32 instruction when the CPU has it (probed once), a
// slicing-by-8 table otherwise. Both give identical results.
std::uint32_t crc32c(std::uint32_t crc, const void* data, std::size_t size) noexcept;

namespace detail {
// The two implementations behind crc32c(), exposed so tests and benchmarks
// can compare them. crc32c_hw must only be called when crc32c_hw_available().
std::uint32_t crc32c_sw(std::uint32_t crc, const void* data, std::size_t size) noexcept;
std::uint32_t crc32c_hw(std::uint32_t crc, const void* data, std::size_t size) noexcept;
bool crc32c_hw_available() noexcept;
}  // namespace detail

}  // namespace matchgate::util
