#include "matchgate/fix/framer.hpp"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace matchgate::fix {
namespace {

// Resynchronisation looks for this regardless of the configured BeginString:
// it is the prefix every FIX BeginString shares.
constexpr std::string_view kResyncMarker = "8=FIX";
constexpr std::string_view kTrailerTag = "10=";
constexpr std::size_t kTrailerSize = 7;  // "10=NNN<SOH>"

enum class Cmp { Match, Short, Mismatch };

// Compares what has arrived at `at` with `want`; a buffer that ends early but
// agrees so far is Short, so a message split anywhere still reads as NeedMore.
Cmp expect(std::string_view buf, std::size_t at, std::string_view want) noexcept {
  const std::size_t avail = at < buf.size() ? buf.size() - at : 0;
  const std::size_t k = std::min(avail, want.size());
  if (k != 0 && std::memcmp(buf.data() + at, want.data(), k) != 0) return Cmp::Mismatch;
  return k == want.size() ? Cmp::Match : Cmp::Short;
}

// Bytes to drop so that the buffer starts at the next "8=FIX" after offset 0,
// or at a tail that may still grow into one. Always at least 1.
std::size_t resync_skip(std::string_view buf) noexcept {
  std::size_t pos = 1;
  while (pos < buf.size()) {
    const void* hit = std::memchr(buf.data() + pos, kResyncMarker[0], buf.size() - pos);
    if (hit == nullptr) break;
    const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(hit) - buf.data());
    if (expect(buf, at, kResyncMarker) != Cmp::Mismatch) return at;
    pos = at + 1;
  }
  return std::max<std::size_t>(buf.size(), 1);
}

FrameResult garbled(std::string_view buf, GarbleReason reason) noexcept {
  return {FrameStatus::Garbled, reason, resync_skip(buf)};
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

}  // namespace

std::string_view to_string(GarbleReason reason) noexcept {
  switch (reason) {
    case GarbleReason::None:
      return "none";
    case GarbleReason::BadBeginString:
      return "bad BeginString";
    case GarbleReason::MissingBodyLength:
      return "BodyLength not second";
    case GarbleReason::BadBodyLength:
      return "bad BodyLength";
    case GarbleReason::BodyLengthTooLarge:
      return "BodyLength too large";
    case GarbleReason::TooLarge:
      return "message too large";
    case GarbleReason::BodyLengthMismatch:
      return "BodyLength does not reach CheckSum";
    case GarbleReason::BadChecksumField:
      return "bad CheckSum field";
    case GarbleReason::ChecksumMismatch:
      return "CheckSum mismatch";
  }
  return "unknown";
}

std::uint8_t checksum(std::string_view bytes) noexcept {
  const char* p = bytes.data();
  std::size_t n = bytes.size();
  unsigned sum = 0;
#if defined(__SSE2__)
  // psadbw against zero sums 16 bytes into two 64-bit lanes per step. Only
  // the total modulo 256 matters, so reading back just the low bits of each
  // lane is enough.
  __m128i acc = _mm_setzero_si128();
  const __m128i zero = _mm_setzero_si128();
  while (n >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    acc = _mm_add_epi64(acc, _mm_sad_epu8(v, zero));
    p += 16;
    n -= 16;
  }
  sum = static_cast<unsigned>(_mm_cvtsi128_si32(acc)) +
        static_cast<unsigned>(_mm_extract_epi16(acc, 4));
#else
  // Eight bytes at a time in four 16-bit lanes, each reduced modulo 256
  // after every step so that no lane carries into the next.
  constexpr std::uint64_t kLow = 0x00ff00ff00ff00ffULL;
  std::uint64_t lanes = 0;
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    lanes = (lanes + (w & kLow) + ((w >> 8) & kLow)) & kLow;
    p += 8;
    n -= 8;
  }
  sum = static_cast<unsigned>((lanes * 0x0001000100010001ULL) >> 48);
#endif
  for (; n != 0; --n, ++p) sum += static_cast<unsigned char>(*p);
  return static_cast<std::uint8_t>(sum);
}

FrameResult frame_message(std::string_view buf, const FrameConfig& config) noexcept {
  const std::size_t n = buf.size();
  const std::size_t max = config.max_message_bytes;
  // A message that has not completed within `max` bytes never will within
  // the limit, so waiting longer would only let a peer pin memory.
  auto need_more = [&]() noexcept {
    if (n >= max) return garbled(buf, GarbleReason::TooLarge);
    return FrameResult{FrameStatus::NeedMore, GarbleReason::None, 0};
  };

  std::size_t pos = 0;
  for (std::string_view part :
       {std::string_view("8="), config.begin_string, std::string_view("\x01")}) {
    switch (expect(buf, pos, part)) {
      case Cmp::Mismatch:
        return garbled(buf, GarbleReason::BadBeginString);
      case Cmp::Short:
        return need_more();
      case Cmp::Match:
        pos += part.size();
        break;
    }
  }
  switch (expect(buf, pos, "9=")) {
    case Cmp::Mismatch:
      return garbled(buf, GarbleReason::MissingBodyLength);
    case Cmp::Short:
      return need_more();
    case Cmp::Match:
      pos += 2;
      break;
  }

  const std::size_t digits_at = pos;
  std::size_t body_length = 0;
  while (pos < n && is_digit(buf[pos])) {
    body_length = body_length * 10 + static_cast<std::size_t>(buf[pos] - '0');
    // Checked per digit so the accumulator cannot overflow however many
    // digits arrive.
    if (body_length > max) return garbled(buf, GarbleReason::BodyLengthTooLarge);
    ++pos;
  }
  if (pos == n) return need_more();
  if (pos == digits_at || buf[pos] != kSoh) return garbled(buf, GarbleReason::BadBodyLength);
  const std::size_t body_start = pos + 1;

  const std::size_t trailer_at = body_start + body_length;
  const std::size_t total = trailer_at + kTrailerSize;
  if (total > max) return garbled(buf, GarbleReason::BodyLengthTooLarge);

  // The body must end with a field delimiter; otherwise "10=" would be part
  // of some value. Checked as soon as the bytes are there, so a wrong length
  // is reported without waiting for the whole announced size.
  if (trailer_at - 1 < n && buf[trailer_at - 1] != kSoh) {
    return garbled(buf, GarbleReason::BodyLengthMismatch);
  }
  if (expect(buf, trailer_at, kTrailerTag) == Cmp::Mismatch) {
    return garbled(buf, GarbleReason::BodyLengthMismatch);
  }
  const std::size_t value_at = trailer_at + kTrailerTag.size();
  for (std::size_t i = value_at; i < std::min(n, value_at + 3); ++i) {
    if (!is_digit(buf[i])) return garbled(buf, GarbleReason::BadChecksumField);
  }
  if (total - 1 < n && buf[total - 1] != kSoh) return garbled(buf, GarbleReason::BadChecksumField);
  if (n < total) return need_more();

  const unsigned announced = static_cast<unsigned>(buf[value_at] - '0') * 100 +
                             static_cast<unsigned>(buf[value_at + 1] - '0') * 10 +
                             static_cast<unsigned>(buf[value_at + 2] - '0');
  if (announced != checksum(buf.substr(0, trailer_at))) {
    return garbled(buf, GarbleReason::ChecksumMismatch);
  }
  return {FrameStatus::Complete, GarbleReason::None, total};
}

}  // namespace matchgate::fix
