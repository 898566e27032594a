#include "report_text.hpp"

#include <ctime>
#include <stdexcept>

#include "matchgate/util/assert.hpp"

namespace matchgate::clearing::text {

Money divide_rounded(Money numerator, Money denominator) {
  MATCHGATE_ASSERT(denominator > 0, "an average over no quantity");
  const bool negative = numerator < 0;
  const Money n = negative ? -numerator : numerator;
  Money q = n / denominator;
  if ((n % denominator) * 2 >= denominator) ++q;  // half away from zero
  return negative ? -q : q;
}

std::string utc_time(std::int64_t ns) {
  std::int64_t seconds = ns / 1'000'000'000;
  std::int64_t nanos = ns % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    --seconds;
  }
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ",
                              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                              tm.tm_sec, static_cast<long long>(nanos));
  return std::string(buf, static_cast<std::size_t>(n));
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + '"';
}

std::string hex(const std::uint8_t* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xf];
  }
  return out;
}

const Json* Json::find(std::string_view key) const {
  for (const auto& [k, v] : object) {
    if (k == key) return &v;
  }
  return nullptr;
}

namespace {

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : text_(text) {}

  Json document() {
    Json v = value(0);
    skip_space();
    if (at_ != text_.size()) fail("text after the document");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("not valid JSON at byte " + std::to_string(at_) + ": " + what);
  }
  void skip_space() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\r' || text_[at_] == '\t')) {
      ++at_;
    }
  }
  bool take(char c) {
    skip_space();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!take(c)) fail(std::string("expected '") + c + "'");
  }
  bool take_word(std::string_view w) {
    if (text_.substr(at_, w.size()) != w) return false;
    at_ += w.size();
    return true;
  }

  Json value(int depth) {
    if (depth > 16) fail("nested too deeply");
    skip_space();
    if (at_ >= text_.size()) fail("unexpected end");
    Json v;
    const char c = text_[at_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') {
      v.kind = Json::Kind::String;
      v.string = string();
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.kind = Json::Kind::Int;
      v.integer = integer();
    } else if (take_word("true")) {
      v.kind = Json::Kind::Bool;
      v.boolean = true;
    } else if (take_word("false")) {
      v.kind = Json::Kind::Bool;
    } else if (!take_word("null")) {
      fail("unexpected character");
    }
    return v;
  }

  Json object(int depth) {
    Json v;
    v.kind = Json::Kind::Object;
    expect('{');
    if (take('}')) return v;
    do {
      skip_space();
      if (at_ >= text_.size() || text_[at_] != '"') fail("expected a key");
      std::string key = string();
      expect(':');
      v.object.push_back(JsonMember{std::move(key), value(depth + 1)});
    } while (take(','));
    expect('}');
    return v;
  }

  Json array(int depth) {
    Json v;
    v.kind = Json::Kind::Array;
    expect('[');
    if (take(']')) return v;
    do {
      v.array.push_back(value(depth + 1));
    } while (take(','));
    expect(']');
    return v;
  }

  std::string string() {
    ++at_;  // the opening quote
    std::string out;
    while (at_ < text_.size() && text_[at_] != '"') {
      char c = text_[at_++];
      if (static_cast<unsigned char>(c) < 0x20) fail("a control character in a string");
      if (c == '\\') {
        if (at_ >= text_.size()) fail("unexpected end");
        c = text_[at_++];
        if (c == 'u') {
          c = unicode_escape();
        } else if (c != '"' && c != '\\' && c != '/') {
          fail("an escape the manifest never writes");
        }
      }
      out += c;
    }
    if (at_ >= text_.size()) fail("an unterminated string");
    ++at_;
    return out;
  }

  // Only \u00XX below 0x20: what json_string writes.
  char unicode_escape() {
    if (at_ + 4 > text_.size() || text_.substr(at_, 2) != "00") fail("an unsupported \\u escape");
    const std::string digits(text_.substr(at_ + 2, 2));
    at_ += 4;
    char* end = nullptr;
    const long v = std::strtol(digits.c_str(), &end, 16);
    if (end != digits.c_str() + 2 || v >= 0x20) fail("an unsupported \\u escape");
    return static_cast<char>(v);
  }

  std::int64_t integer() {
    const std::size_t begin = at_;
    if (text_[at_] == '-') ++at_;
    const std::size_t digits_begin = at_;
    while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') ++at_;
    if (at_ == digits_begin || at_ - digits_begin > 18) fail("a bad integer");
    if (at_ < text_.size() && (text_[at_] == '.' || text_[at_] == 'e' || text_[at_] == 'E')) {
      fail("a number that is not an integer");
    }
    return std::stoll(std::string(text_.substr(begin, at_ - begin)));
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

}  // namespace

Json parse_json(std::string_view text) {
  return JsonReader(text).document();
}

}  // namespace matchgate::clearing::text
