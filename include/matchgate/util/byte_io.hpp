#pragma once
// Little-endian encoding into a growing byte buffer and decoding from a byte
// span, for snapshots. Decoding checks every read against the end of the
// input and throws std::runtime_error naming what was being read, so a
// truncated or damaged snapshot is refused with a message, never read past.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace matchgate::util {

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<std::byte>& out) noexcept : out_(out) {}

  template <class T>
  requires std::is_integral_v<T> || std::is_enum_v<T>
  void put(T v) {
    // x86-64: already little-endian. Appended, not resized and then
    // copied over: no zero fill first (and GCC 12 at -O3 warned
    // -Warray-bounds about the inlined fill of a vector it had sized).
    const auto* bytes = reinterpret_cast<const std::byte*>(&v);
    out_.insert(out_.end(), bytes, bytes + sizeof(T));
  }
  void put_bytes(std::span<const std::byte> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  // u32 length, then the bytes.
  void put_string(std::string_view s) {
    put(static_cast<std::uint32_t>(s.size()));
    put_bytes(std::as_bytes(std::span<const char>(s.data(), s.size())));
  }
  std::size_t size() const noexcept { return out_.size(); }
  std::vector<std::byte>& buffer() noexcept { return out_; }

 private:
  std::vector<std::byte>& out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::byte> in) noexcept : in_(in) {}

  template <class T>
  requires std::is_integral_v<T> || std::is_enum_v<T> T get(const char* what) {
    T v;
    std::memcpy(&v, take(sizeof(T), what).data(), sizeof(T));
    return v;
  }
  std::span<const std::byte> get_bytes(std::size_t n, const char* what) { return take(n, what); }
  std::string_view get_string(std::size_t max_length, const char* what) {
    const auto n = get<std::uint32_t>(what);
    if (n > max_length) {
      throw std::runtime_error(std::string(what) + ": length " + std::to_string(n) + " exceeds " +
                               std::to_string(max_length));
    }
    const auto b = take(n, what);
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }
  std::size_t position() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return in_.size() - pos_; }

 private:
  std::span<const std::byte> take(std::size_t n, const char* what) {
    if (n > remaining()) {
      throw std::runtime_error(std::string("truncated at byte ") + std::to_string(pos_) +
                               " reading " + what);
    }
    const auto b = in_.subspan(pos_, n);
    pos_ += n;
    return b;
  }

  std::span<const std::byte> in_;
  std::size_t pos_ = 0;
};

}  // namespace matchgate::util
