#pragma once
// The randomized clearing session's venue: the real daemon with fees and
// instruments with and without carry-over, a trading day schedule whose
// business date moves with the daemon's test clock, four members over FIX,
// and everything they were sent (fill reports, 35=AN answers) kept for the
// checks.
#include <chrono>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "clearing_random/clearing_model.hpp"
#include "controls/controls_support.hpp"

namespace matchgate::testing::clearing_random {

using namespace std::chrono_literals;
using controls::await_message;
using controls::Wanted;

// A time zone Etc/GMT-N in which local time is now between 12:00 and
// 13:00, so that shifting the daemon's clock by -22 h, 0 and +22 h gives
// three consecutive local dates, each between 09:00 and 15:59 local time.
struct Zone {
  std::string name;
  int offset_s = 0;
  Zone() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    int hours = 12 - utc.tm_hour;
    if (hours < -12) hours += 24;
    offset_s = hours * 3600;
    name = hours == 0  ? "UTC"
           : hours > 0 ? "Etc/GMT-" + std::to_string(hours)
                       : "Etc/GMT+" + std::to_string(-hours);
  }
  std::string format(std::int64_t shift_s, const char* fmt) const {
    const std::time_t t = std::time(nullptr) + offset_s + shift_s;
    std::tm l{};
    ::gmtime_r(&t, &l);
    char buf[32];
    std::strftime(buf, sizeof buf, fmt, &l);
    return buf;
  }
  std::string date(std::int64_t shift_s) const { return format(shift_s, "%Y%m%d"); }
};

// The daemon's clock offsets of the three business dates (the members'
// SendingTime stays real: max_sending_time_skew_s allows a day).
inline constexpr std::int64_t kDateShifts[] = {-22 * 3600, 0, 22 * 3600};

struct InstrumentSpec {
  std::string symbol;
  std::int64_t ref_ticks;  // reference price in ticks
  std::string tick;        // tick size text
  int tick_hundredths;     // tick size in 0.01
  std::int64_t lot;
  int max_lots;
};

inline const std::vector<InstrumentSpec>& instruments() {
  static const std::vector<InstrumentSpec> v = {
      {"ACME", 10000, "0.01", 1, 1, 40},  // 100.00, carries
      {"LOTS", 400, "0.05", 5, 10, 15},   // 20.00, settles flat
      {"FUTX", 200, "0.25", 25, 1, 25},   // 50.00, carries, own fees
  };
  return v;
}

inline std::string instruments_toml() {
  return R"([[instruments]]
symbol = "ACME"
tick_size = "0.01"
lot_size = 1
reference_price = "100.00"
price_band_pct = 10
max_order_qty = 1000000
carry_positions = true

[[instruments]]
symbol = "LOTS"
tick_size = "0.05"
lot_size = 10
reference_price = "20.00"
price_band_pct = 0
max_order_qty = 10000

[[instruments]]
symbol = "FUTX"
tick_size = "0.25"
lot_size = 1
reference_price = "50.00"
price_band_pct = 20
max_order_qty = 10000
carry_positions = true
maker_fee_per_unit = "-0.013"
taker_fee_per_unit = "0.027"
maker_fee_bps = "0"
taker_fee_bps = "0.5"
)";
}

inline std::vector<TestMember> members() {
  return {{"MEMBER1", "secret-1", {"M1-A", "M1-B"}},
          {"MEMBER2", "secret-2", {"M2-A"}},
          {"MEMBER3", "secret-3", {"M3-A", "M3-B"}},
          {"MEMBER4", "secret-4", {"M4-A", "M4-B", "M4-C"}}};
}

inline Names names() {
  Names n;
  for (const TestMember& m : members()) {
    n.members.push_back(m.comp_id);
    n.accounts.push_back(m.accounts);
  }
  for (const InstrumentSpec& i : instruments()) n.symbols.push_back(i.symbol);
  n.carry = {true, false, true};
  return n;
}

// The daemon's SendingTime(52) offset file (MATCHGATE_TEST_CLOCK_SKEW_FILE).
inline void write_shift(const std::string& path, std::int64_t seconds) {
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << seconds << "\n";
  std::filesystem::rename(tmp, path);
}

}  // namespace matchgate::testing::clearing_random
