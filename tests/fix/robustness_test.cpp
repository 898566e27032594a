// Randomised robustness: valid messages mutated by byte flips, truncations,
// insertions and splices are fed through framer and parser. Nothing may
// crash or read outside the input (run under ASan), every Complete frame must
// carry a correct checksum, and the framer must always make progress.
// Seeds are fixed, so failures reproduce.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "fix/fix_test_util.hpp"
#include "matchgate/fix/framer.hpp"
#include "matchgate/fix/message.hpp"
#include "matchgate/fix/value.hpp"
#include "matchgate/fix/writer.hpp"

namespace matchgate::fix {
namespace {

using testing::make_message;

std::vector<std::string> seeds() {
  return {
      make_message(testing::new_order_body()),
      make_message("35=0|49=A|56=B|34=1|52=20240101-00:00:00|"),
      make_message("35=A|49=M|56=G|34=1|52=20240101-00:00:00.000|98=0|108=30|141=Y|554=pw|"),
      make_message(
          "35=8|49=G|56=M|34=99|52=20240101-00:00:00.000001|37=1|11=C|17=2|150=F|39=2|55=XYZ|54=2|"
          "38=10|44=1.5|32=10|31=1.5|151=0|14=10|6=1.5|60=20240101-00:00:00.000001|"),
      make_message(
          "35=3|49=G|56=M|34=2|52=20240101-00:00:00|45=7|371=55|372=D|373=5|58=bad=value|"),
      make_message(
          "35=j|49=G|56=M|34=3|52=20240101-00:00:00|45=8|372=D|379=X|380=3|5000=a|9999=b|"),
  };
}

// Bytes that steer mutations into the interesting parts of the grammar.
char interesting_byte(std::mt19937_64& rng) {
  static constexpr char kBytes[] = {'\x01', '=', '0', '1', '9',  '8',   'F',
                                    'I',    'X', '.', '-', '\0', '\xff'};
  if (rng() % 4 == 0) return static_cast<char>(rng());
  return kBytes[rng() % sizeof kBytes];
}

void mutate(std::string& s, std::mt19937_64& rng, const std::vector<std::string>& pool) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits; ++i) {
    const std::size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 6) {
      case 0:  // flip a byte
        if (at < s.size()) s[at] = interesting_byte(rng);
        break;
      case 1:  // flip a bit
        if (at < s.size()) s[at] = static_cast<char>(s[at] ^ (1 << (rng() % 8)));
        break;
      case 2:  // truncate
        s.resize(at);
        break;
      case 3:  // insert a few bytes
        for (std::size_t k = rng() % 4 + 1; k > 0; --k)
          s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), interesting_byte(rng));
        break;
      case 4:  // delete a range
        if (at < s.size()) s.erase(at, rng() % 8 + 1);
        break;
      case 5: {  // splice in part of another message
        const std::string& other = pool[rng() % pool.size()];
        const std::size_t from = rng() % other.size();
        s.insert(at, other, from, rng() % (other.size() - from) + 1);
        break;
      }
    }
  }
}

unsigned trailer_value(std::string_view frame) {
  const std::string_view digits = frame.substr(frame.size() - 4, 3);
  return static_cast<unsigned>((digits[0] - '0') * 100 + (digits[1] - '0') * 10 +
                               (digits[2] - '0'));
}

void check_view(const MessageView& v, std::string_view frame) {
  ASSERT_GE(v.size(), 4u);
  ASSERT_EQ(v.fields()[0].tag, tag::BeginString);
  ASSERT_EQ(v.fields()[1].tag, tag::BodyLength);
  ASSERT_EQ(v.fields()[2].tag, tag::MsgType);
  ASSERT_EQ(v.fields()[v.size() - 1].tag, tag::CheckSum);
  for (const Field& f : v.fields()) {
    ASSERT_GT(f.tag, 0);
    ASSERT_FALSE(f.value.empty());
    ASSERT_EQ(f.value.find('\x01'), std::string_view::npos);
    ASSERT_EQ(f.value.data()[f.value.size()], '\x01');  // the delimiter follows directly
    ASSERT_GE(f.value.data(), frame.data());
    ASSERT_LE(f.value.data() + f.value.size(), frame.data() + frame.size());
    ASSERT_EQ(v.find(f.tag), &f);
  }
}

// Feeds `input` (held in an exactly sized heap block so that ASan sees any
// overread) through the framer like a receive loop would.
void run_stream(std::string_view input, const FrameConfig& cfg, MessageView& view,
                std::size_t& complete) {
  auto block = std::make_unique<char[]>(input.size() + 1);
  std::copy(input.begin(), input.end(), block.get());
  std::string_view rest(block.get(), input.size());
  for (;;) {
    const FrameResult r = frame_message(rest, cfg);
    if (r.status == FrameStatus::NeedMore) {
      ASSERT_LT(rest.size(), cfg.max_message_bytes);
      return;
    }
    ASSERT_GE(r.length, 1u);
    ASSERT_LE(r.length, rest.size());
    if (r.status == FrameStatus::Complete) {
      const std::string_view frame = rest.substr(0, r.length);
      ASSERT_LE(frame.size(), cfg.max_message_bytes);
      ASSERT_EQ(trailer_value(frame), testing::byte_sum(frame.substr(0, frame.size() - 7)))
          << frame;
      ASSERT_EQ(frame.substr(0, 10), "8=FIX.4.4\x01");
      ++complete;
      if (view.parse(frame).ok()) check_view(view, frame);
    } else {
      ASSERT_NE(r.reason, GarbleReason::None);
    }
    rest.remove_prefix(r.length);
  }
}

TEST(Robustness, MutatedStreamsThroughFramerAndParser) {
  const std::vector<std::string> pool = seeds();
  std::mt19937_64 rng(0x6d61746368676174ULL);
  FrameConfig cfg;
  cfg.max_message_bytes = 512;
  MessageView view;
  std::size_t complete = 0;
  constexpr int kIterations = 300'000;
  for (int i = 0; i < kIterations; ++i) {
    std::string input;
    const int parts = 1 + static_cast<int>(rng() % 3);
    for (int p = 0; p < parts; ++p) input += pool[rng() % pool.size()];
    mutate(input, rng, pool);
    run_stream(input, cfg, view, complete);
    if (::testing::Test::HasFatalFailure()) return;
  }
  // Single edits often miss the frame, so a good share still frames.
  EXPECT_GT(complete, static_cast<std::size_t>(kIterations) / 10);
}

TEST(Robustness, ParserOnArbitraryBytes) {
  // The parser is meant for framed input, but must stay safe on anything.
  const std::vector<std::string> pool = seeds();
  std::mt19937_64 rng(42);
  MessageView view;
  for (int i = 0; i < 200'000; ++i) {
    std::string input = pool[rng() % pool.size()];
    mutate(input, rng, pool);
    auto block = std::make_unique<char[]>(input.size() + 1);
    std::copy(input.begin(), input.end(), block.get());
    const std::string_view in(block.get(), input.size());
    const ParseError e = view.parse(in);
    if (e.ok()) {
      check_view(view, in);
    } else {
      ASSERT_EQ(view.size(), 0u);
      // A tag is named only when there was one; a negative one only as an
      // invalid tag number ("-1=").
      ASSERT_TRUE(e.has_ref_tag || e.ref_tag == 0);
      ASSERT_TRUE(e.ref_tag >= 0 || e.code == ParseErrorCode::InvalidTag);
    }
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(Robustness, ValueParsersOnArbitraryText) {
  std::mt19937_64 rng(7);
  static constexpr char kAlphabet[] = "0123456789-:.+ YN\x01";
  for (int i = 0; i < 200'000; ++i) {
    std::string s(rng() % 30, '0');
    for (char& c : s) c = kAlphabet[rng() % (sizeof kAlphabet - 1)];
    auto block = std::make_unique<char[]>(s.size() + 1);
    std::copy(s.begin(), s.end(), block.get());
    const std::string_view in(block.get(), s.size());
    (void)parse_int(in);
    (void)parse_uint(in);
    (void)parse_bool(in);
    (void)parse_char(in);
    const auto t = parse_utc_timestamp(in);
    if (t.ok() && t.value >= 0) {
      // Whatever parses re-formats to a timestamp that parses to the same instant.
      char out[kMaxTimestampChars];
      const std::size_t n = format_utc_timestamp(t.value, TimePrecision::Nanos, out);
      ASSERT_EQ(n, kMaxTimestampChars);
      ASSERT_EQ(parse_utc_timestamp(std::string_view(out, n)).value, t.value);
    }
  }
}

TEST(Robustness, WriterOutputAlwaysFramesAndParses) {
  std::mt19937_64 rng(99);
  std::array<char, 1024> buf{};
  MessageView view;
  for (int i = 0; i < 50'000; ++i) {
    const std::size_t size = rng() % buf.size();
    MessageWriter w(std::span<char>(buf.data(), size));
    w.begin("8", "GATE", "M", rng(), static_cast<UtcNanos>(rng() >> 2));
    const int fields = static_cast<int>(rng() % 20);
    for (int f = 0; f < fields; ++f) {
      const Tag t = 100 + f;
      switch (rng() % 3) {
        case 0:
          w.add_int(t, static_cast<std::int64_t>(rng()));
          break;
        case 1:
          w.add_string(t, std::string(rng() % 40 + 1, static_cast<char>('a' + rng() % 26)));
          break;
        case 2:
          w.add_timestamp(t, static_cast<UtcNanos>(rng() >> 2), TimePrecision::Nanos);
          break;
      }
    }
    const WriteResult r = w.finish();
    if (!r.ok()) {
      ASSERT_EQ(r.error, WriteError::Overflow);
      continue;
    }
    const FrameResult fr = frame_message(r.message);
    ASSERT_EQ(fr.status, FrameStatus::Complete);
    ASSERT_EQ(fr.length, r.message.size());
    ASSERT_TRUE(view.parse(r.message).ok());
    ASSERT_EQ(view.size(), static_cast<std::size_t>(fields) + 8);
  }
}

}  // namespace
}  // namespace matchgate::fix
