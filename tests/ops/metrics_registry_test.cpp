#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "matchgate/ops/metrics.hpp"

namespace {

namespace ops = matchgate::ops;
using ops::HistogramLayout;
using ops::Label;
using ops::LogLine;
using ops::MetricType;

std::uint64_t counter_of(const ops::MetricsRegistry& r, std::string_view name,
                         std::vector<Label> labels = {}) {
  const auto v = r.find(name, labels);
  EXPECT_TRUE(v.has_value()) << name;
  return v ? v->counter_value() : 0;
}

// prefix + i + suffix (appended: GCC 12 warns, wrongly, on operator+ chains).
std::string numbered(std::string_view prefix, int i, std::string_view suffix = {}) {
  std::string s(prefix);
  s += std::to_string(i);
  s += suffix;
  return s;
}

std::string text_of(const ops::MetricsRegistry& r) {
  std::string out;
  r.format_text(out);
  return out;
}

std::string log_line_of(const ops::MetricsRegistry& r) {
  std::string out;
  r.format_log_line(out);
  return out;
}

TEST(MetricsRegistry, RegistrationNumbersAndDescribesEachMetric) {
  ops::MetricsRegistry r(8);
  ops::MetricGroup net = r.group("net-0", {{"thread", "net-0"}});
  net.counter({.name = "matchgate_fix_messages_in_total", .help = "FIX messages received."});
  net.gauge({.name = "matchgate_sessions", .help = "Sessions.", .labels = {{"member", "M1"}}});
  r.shared_counter({.name = "matchgate_errors_total", .help = "Errors.", .log = LogLine::Always});
  ASSERT_EQ(r.size(), 3U);

  std::vector<ops::MetricInfo> seen;
  r.for_each([&](const ops::MetricView& v) { seen.push_back(v.info()); });
  ASSERT_EQ(seen.size(), 3U);
  EXPECT_EQ(seen[0].id, 0U);
  EXPECT_EQ(seen[0].name, "matchgate_fix_messages_in_total");
  EXPECT_EQ(seen[0].type, MetricType::Counter);
  EXPECT_EQ(seen[0].owner, "net-0");
  EXPECT_EQ(seen[0].labels, (std::vector<Label>{{"thread", "net-0"}}));
  EXPECT_EQ(seen[1].id, 1U);
  EXPECT_EQ(seen[1].type, MetricType::Gauge);
  EXPECT_EQ(seen[1].help, "Sessions.");
  EXPECT_EQ(seen[1].labels, (std::vector<Label>{{"thread", "net-0"}, {"member", "M1"}}));
  EXPECT_EQ(seen[2].id, 2U);
  EXPECT_TRUE(seen[2].shared);
  EXPECT_EQ(seen[2].owner, "");
  EXPECT_EQ(seen[2].log, LogLine::Always);
}

TEST(MetricsRegistry, EachHandleUpdatesItsOwnSlot) {
  ops::MetricsRegistry r(16);
  ops::MetricGroup a = r.group("a", {{"thread", "a"}});
  ops::MetricGroup b = r.group("b", {{"thread", "b"}});
  ops::Counter a_in = a.counter({.name = "x_in_total", .help = "In."});
  ops::Counter b_in = b.counter({.name = "x_in_total", .help = "In."});
  ops::Counter a_out = a.counter({.name = "x_out_total", .help = "Out."});
  ops::Gauge a_level = a.gauge({.name = "x_level", .help = "Level."});
  ops::Histogram a_size = a.histogram({.name = "x_size_bytes", .help = "Size."}, {2, 5, 1});
  ops::SharedCounter errors = r.shared_counter({.name = "x_errors_total", .help = "Errors."});

  a_in.inc();
  a_in.add(4);
  b_in.add(7);
  a_out.inc();
  a_level.set(10);
  a_level.add(-13);
  a_level.inc();
  a_size.record(9);
  errors.add(2);

  EXPECT_EQ(counter_of(r, "x_in_total", {{"thread", "a"}}), 5U);
  EXPECT_EQ(counter_of(r, "x_in_total", {{"thread", "b"}}), 7U);
  EXPECT_EQ(counter_of(r, "x_out_total", {{"thread", "a"}}), 1U);
  EXPECT_EQ(r.find("x_level", std::vector<Label>{{"thread", "a"}})->gauge_value(), -2);
  EXPECT_EQ(r.find("x_size_bytes", std::vector<Label>{{"thread", "a"}})->count(), 1U);
  EXPECT_EQ(counter_of(r, "x_errors_total"), 2U);
  EXPECT_EQ(a_in.value(), 5U);
  EXPECT_EQ(a_level.value(), -2);
  EXPECT_EQ(errors.value(), 2U);
}

TEST(MetricsRegistry, GroupsNeverShareABlockAndPackWithinOne) {
  ops::MetricsRegistry r(16);
  ops::MetricGroup a = r.group("a");
  ops::MetricGroup b = r.group("b");
  // Interleaved, as agents constructed one after another would register.
  for (int i = 0; i < 20; ++i) {
    a.counter({.name = numbered("a", i, "_total"), .help = "A."});
    b.gauge({.name = numbered("b", i), .help = "B."});
  }
  r.shared_counter({.name = "s1_total", .help = "S."});
  r.shared_counter({.name = "s2_total", .help = "S."});
  std::map<std::size_t, std::set<std::string>> owners_of_block;
  std::set<std::size_t> offsets;
  r.for_each([&](const ops::MetricView& v) {
    const ops::MetricInfo& m = v.info();
    EXPECT_TRUE(offsets.insert(m.offset).second) << m.name << " shares a word";
    owners_of_block[m.offset / ops::MetricsRegistry::kWordsPerBlock].insert(m.shared ? m.name
                                                                                     : m.owner);
  });
  for (const auto& [block, owners] : owners_of_block) {
    EXPECT_EQ(owners.size(), 1U) << "block " << block << " has several writers";
  }
  // 20 scalars per group: two blocks each, plus one per shared counter.
  EXPECT_EQ(r.blocks_used(), 6U);
  // The same owner name is the same group: it fills the group's current block.
  r.group("a").counter({.name = "a_more_total", .help = "A."});
  EXPECT_EQ(r.blocks_used(), 6U);
}

TEST(MetricsRegistry, GroupAskedForWithOtherLabelsIsRefused) {
  ops::MetricsRegistry r(4);
  r.group("net-0", {{"thread", "net-0"}});
  EXPECT_NO_THROW(r.group("net-0", {{"thread", "net-0"}}));
  EXPECT_THROW(r.group("net-0", {{"thread", "net-1"}}), std::invalid_argument);
  EXPECT_THROW(r.group(""), std::invalid_argument);
}

TEST(HistogramLayout, BucketBoundariesOfASmallLayout) {
  // Below 4: one bucket; [4,8) and [8,16) and [16,32) in halves; 32 and up: +Inf.
  const HistogramLayout l{2, 5, 1};
  ASSERT_EQ(l.bucket_count(), 8U);
  const std::vector<std::uint64_t> upper{3, 5, 7, 11, 15, 23, 31, UINT64_MAX};
  for (std::size_t i = 0; i < upper.size(); ++i) EXPECT_EQ(l.upper_bound(i), upper[i]) << i;
  const std::vector<std::pair<std::uint64_t, std::size_t>> cases{
      {0, 0},  {1, 0},  {3, 0},  {4, 1},  {5, 1},    {6, 2},         {7, 2},
      {8, 3},  {11, 3}, {12, 4}, {15, 4}, {16, 5},   {23, 5},        {24, 6},
      {31, 6}, {32, 7}, {48, 7}, {63, 7}, {1000, 7}, {UINT64_MAX, 7}};
  for (const auto& [value, bucket] : cases) EXPECT_EQ(l.bucket_of(value), bucket) << value;
}

// Every bound belongs to its own bucket and the next value to the next
// bucket, over whole layouts, extremes included.
TEST(HistogramLayout, BoundsAndBucketsAgreeEverywhere) {
  for (const HistogramLayout l :
       {HistogramLayout{0, 64, 0}, HistogramLayout{4, 64, 4}, HistogramLayout::latency_ns(),
        HistogramLayout::size_bytes(), HistogramLayout{3, 4, 3}}) {
    SCOPED_TRACE(testing::Message() << int(l.lowest_power) << ".." << int(l.highest_power) << "/"
                                    << int(l.sub_bucket_bits));
    ASSERT_NO_THROW(l.validate());
    const std::size_t n = l.bucket_count();
    EXPECT_EQ(l.bucket_of(0), 0U);
    for (std::size_t i = 0; i + 1 < n; ++i) {
      const std::uint64_t bound = l.upper_bound(i);
      EXPECT_EQ(l.bucket_of(bound), i);
      if (bound != UINT64_MAX) {
        EXPECT_EQ(l.bucket_of(bound + 1), i + 1);
      }
      if (i > 0) {
        EXPECT_GT(bound, l.upper_bound(i - 1));
      }
    }
  }
}

TEST(HistogramLayout, InvalidLayoutsAreRefused) {
  EXPECT_THROW((HistogramLayout{5, 5, 0}.validate()), std::invalid_argument);
  EXPECT_THROW((HistogramLayout{6, 5, 0}.validate()), std::invalid_argument);
  EXPECT_THROW((HistogramLayout{0, 65, 0}.validate()), std::invalid_argument);
  EXPECT_THROW((HistogramLayout{1, 10, 2}.validate()), std::invalid_argument);
  EXPECT_THROW((HistogramLayout{8, 20, 5}.validate()), std::invalid_argument);
  ops::MetricsRegistry r(4);
  EXPECT_THROW(r.group("g").histogram({.name = "h_ns", .help = "H."}, {6, 5, 0}),
               std::invalid_argument);
  EXPECT_EQ(r.size(), 0U);
}

TEST(Histogram, BucketsSumAndCount) {
  ops::MetricsRegistry r(4);
  ops::Histogram h = r.group("g").histogram({.name = "h_ns", .help = "H."}, {2, 5, 1});
  const std::vector<std::uint64_t> values{0, 3, 4, 5, 6, 15, 16, 31, 32, 1'000'000};
  std::uint64_t sum = 0;
  for (const std::uint64_t v : values) {
    h.record(v);
    sum += v;
  }
  const auto view = r.find("h_ns");
  ASSERT_TRUE(view.has_value());
  // Buckets: [0,3] [4,5] [6,7] [8,11] [12,15] [16,23] [24,31] [32,+Inf)
  const std::vector<std::uint64_t> expected{2, 2, 1, 0, 1, 1, 1, 2};
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(view->bucket(i), expected[i]) << i;
  EXPECT_EQ(view->count(), values.size());
  EXPECT_EQ(view->sum(), sum);
}

TEST(MetricsRegistry, PrometheusTextForEachType) {
  ops::MetricsRegistry r(8);
  ops::MetricGroup net0 = r.group("net-0", {{"thread", "net-0"}});
  ops::MetricGroup net1 = r.group("net-1", {{"thread", "net-1"}});
  ops::Counter in0 = net0.counter({.name = "mg_in_total", .help = "Messages in."});
  ops::Gauge held = r.group("main").gauge({.name = "mg_held",
                                           .help = "Held \\ waiting\nfor the log.",
                                           .labels = {{"note", "a\"b\\c\nd"}}});
  ops::Counter in1 = net1.counter({.name = "mg_in_total", .help = "Messages in."});
  ops::Histogram lat =
      net0.histogram({.name = "mg_commit_latency_ns", .help = "Commit latency."}, {1, 3, 0});
  in0.add(3);
  in1.add(12345678901234);
  held.set(-2);
  for (const std::uint64_t v : {1, 2, 5, 9}) lat.record(v);

  EXPECT_EQ(text_of(r),
            "# HELP mg_in_total Messages in.\n"
            "# TYPE mg_in_total counter\n"
            "mg_in_total{thread=\"net-0\"} 3\n"
            "mg_in_total{thread=\"net-1\"} 12345678901234\n"
            "# HELP mg_held Held \\\\ waiting\\nfor the log.\n"
            "# TYPE mg_held gauge\n"
            "mg_held{note=\"a\\\"b\\\\c\\nd\"} -2\n"
            "# HELP mg_commit_latency_ns Commit latency.\n"
            "# TYPE mg_commit_latency_ns histogram\n"
            "mg_commit_latency_ns_bucket{thread=\"net-0\",le=\"1\"} 1\n"
            "mg_commit_latency_ns_bucket{thread=\"net-0\",le=\"3\"} 2\n"
            "mg_commit_latency_ns_bucket{thread=\"net-0\",le=\"7\"} 3\n"
            "mg_commit_latency_ns_bucket{thread=\"net-0\",le=\"+Inf\"} 4\n"
            "mg_commit_latency_ns_sum{thread=\"net-0\"} 17\n"
            "mg_commit_latency_ns_count{thread=\"net-0\"} 4\n");
}

TEST(MetricsRegistry, PrometheusTextWithoutLabels) {
  ops::MetricsRegistry r(4);
  r.shared_counter({.name = "mg_errors_total", .help = "Errors."}).add(2);
  EXPECT_EQ(text_of(r),
            "# HELP mg_errors_total Errors.\n"
            "# TYPE mg_errors_total counter\n"
            "mg_errors_total 2\n");
  EXPECT_EQ(text_of(ops::MetricsRegistry(1)), "");
}

TEST(MetricsRegistry, LogLineShowsWhatEachMetricAsksFor) {
  ops::MetricsRegistry r(8);
  ops::MetricGroup g = r.group("net-0", {{"thread", "net-0"}});
  g.counter({.name = "mg_in_total", .help = "In.", .log = LogLine::Always});
  ops::Counter rejects = g.counter({.name = "mg_rejects_total", .help = "Rejects."});
  g.counter({.name = "mg_garbled_total", .help = "Garbled."});  // 0: not shown
  ops::Counter hidden =
      g.counter({.name = "mg_hidden_total", .help = "Hidden.", .log = LogLine::Never});
  ops::Gauge depth = g.gauge({.name = "mg_depth", .help = "Depth."});
  ops::Histogram lat = g.histogram({.name = "mg_latency_ns", .help = "Latency."}, {2, 5, 1});
  EXPECT_EQ(log_line_of(r), "mg_in_total{thread=\"net-0\"}=0");

  rejects.add(2);
  hidden.add(9);
  depth.set(-1);
  // 100 records: 98 in [6,7], one in [16,23], one above 31.
  for (int i = 0; i < 98; ++i) lat.record(6);
  lat.record(20);
  lat.record(40);
  EXPECT_EQ(log_line_of(r),
            "mg_in_total{thread=\"net-0\"}=0 mg_rejects_total{thread=\"net-0\"}=2 "
            "mg_depth{thread=\"net-0\"}=-1 mg_latency_ns{thread=\"net-0\"}=(n=100 p50<=7 p99<=23)");
  lat.record(40);
  lat.record(40);  // now the 99th of 102 records is above the last bound
  std::string line = log_line_of(r);
  EXPECT_NE(line.find("(n=102 p50<=7 p99>31)"), std::string::npos) << line;
}

TEST(MetricsRegistry, FindMatchesLabelsInAnyOrder) {
  ops::MetricsRegistry r(4);
  r.group("net-0", {{"thread", "net-0"}})
      .counter({.name = "mg_orders_total", .help = "Orders.", .labels = {{"member", "M1"}}})
      .add(4);
  EXPECT_EQ(counter_of(r, "mg_orders_total", {{"member", "M1"}, {"thread", "net-0"}}), 4U);
  EXPECT_FALSE(r.find("mg_orders_total", std::vector<Label>{{"member", "M1"}}).has_value());
  EXPECT_FALSE(r.find("mg_nothing_total").has_value());
}

TEST(MetricsRegistry, DuplicatesAndConflictingFamiliesAreRefused) {
  ops::MetricsRegistry r(16);
  ops::MetricGroup g = r.group("net-0", {{"thread", "net-0"}});
  g.counter({.name = "mg_in_total", .help = "In.", .labels = {{"member", "M1"}}});
  g.histogram({.name = "mg_latency_ns", .help = "Latency."}, {2, 5, 1});
  const auto refused = [&](auto&& registration) {
    EXPECT_THROW(registration(), std::invalid_argument);
  };
  refused([&] { g.counter({.name = "mg_in_total", .help = "In.", .labels = {{"member", "M1"}}}); });
  // The same labels in another order are the same metric.
  refused([&] {
    r.group("x").counter(
        {.name = "mg_in_total", .help = "In.", .labels = {{"member", "M1"}, {"thread", "net-0"}}});
  });
  refused([&] { g.gauge({.name = "mg_latency_ns", .help = "Latency."}); });  // another type
  refused([&] {
    g.counter({.name = "mg_in_total", .help = "Other.", .labels = {{"member", "M2"}}});
  });
  refused([&] { g.counter({.name = "mg_in_total", .help = "In."}); });  // other label names
  refused([&] { g.histogram({.name = "mg_latency_ns", .help = "Latency."}, {2, 6, 1}); });
  refused([&] { g.gauge({.name = "mg_latency_ns_count", .help = "Clash."}); });
  refused([&] { g.gauge({.name = "mg_latency_ns_bucket", .help = "Clash."}); });
  EXPECT_EQ(r.size(), 2U);
  // Another member is another metric of the same family.
  EXPECT_NO_THROW(g.counter({.name = "mg_in_total", .help = "In.", .labels = {{"member", "M2"}}}));
}

TEST(MetricsRegistry, BadNamesAndLabelsAreRefused) {
  ops::MetricsRegistry r(8);
  ops::MetricGroup g = r.group("net-0", {{"thread", "net-0"}});
  const auto refused = [&](auto&& registration) {
    EXPECT_THROW(registration(), std::invalid_argument);
  };
  refused([&] { g.counter({.name = "mg_in", .help = "No _total."}); });
  refused([&] { g.gauge({.name = "mg_level_total", .help = "A gauge with _total."}); });
  refused([&] { g.counter({.name = "1mg_total", .help = "Digit first."}); });
  refused([&] { g.counter({.name = "mg-in_total", .help = "Dash."}); });
  refused([&] { g.counter({.name = "mg:in_total", .help = "Colon."}); });
  refused([&] { g.counter({.name = "", .help = "Empty."}); });
  refused([&] { g.counter({.name = "mg_in_total", .help = ""}); });
  refused([&] { g.counter({.name = "mg_a_total", .help = "A.", .labels = {{"le", "1"}}}); });
  refused([&] { g.counter({.name = "mg_b_total", .help = "B.", .labels = {{"__x", "1"}}}); });
  refused([&] { g.counter({.name = "mg_c_total", .help = "C.", .labels = {{"a-b", "1"}}}); });
  refused([&] { g.counter({.name = "mg_d_total", .help = "D.", .labels = {{"thread", "x"}}}); });
  EXPECT_EQ(r.size(), 0U);
  EXPECT_EQ(r.blocks_used(), 0U);
}

TEST(MetricsRegistry, ExhaustedCapacityIsAClearErrorThatChangesNothing) {
  EXPECT_THROW(ops::MetricsRegistry(0), std::invalid_argument);
  ops::MetricsRegistry r(3);
  ops::MetricGroup g = r.group("net-0");
  for (int i = 0; i < 16; ++i) g.counter({.name = numbered("c", i, "_total"), .help = "C."});
  EXPECT_EQ(r.blocks_used(), 1U);  // 16 counters fill one block
  // latency_ns: 44 buckets + sum = 45 words = 3 blocks; 2 are left.
  ASSERT_EQ(ops::MetricsRegistry::blocks_for(HistogramLayout::latency_ns()), 3U);
  try {
    g.histogram({.name = "mg_commit_latency_ns", .help = "L."}, HistogramLayout::latency_ns());
    ADD_FAILURE() << "no exception";
  } catch (const std::length_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("metrics registry full"), std::string::npos) << what;
    EXPECT_NE(what.find("mg_commit_latency_ns"), std::string::npos) << what;
    EXPECT_NE(what.find("2 of 3 left"), std::string::npos) << what;
  }
  EXPECT_EQ(r.size(), 16U);
  EXPECT_FALSE(r.find("mg_commit_latency_ns").has_value());
  // What still fits is still accepted, up to the last block.
  g.counter({.name = "c16_total", .help = "C."});
  r.shared_counter({.name = "s_total", .help = "S."});
  EXPECT_EQ(r.blocks_used(), 3U);
  EXPECT_THROW(r.shared_counter({.name = "t_total", .help = "T."}), std::length_error);
}

TEST(MetricsRegistry, UnboundHandlesWriteNowhereVisible) {
  ops::Counter c;
  ops::Gauge g;
  ops::Histogram h;
  ops::SharedCounter s;
  c.inc();
  g.set(5);
  h.record(123);
  h.record(UINT64_MAX);
  s.add(3);
  ops::MetricsRegistry r(2);
  r.group("g").counter({.name = "mg_in_total", .help = "In."});
  EXPECT_EQ(counter_of(r, "mg_in_total"), 0U);
}

// A reader on another thread sees each value only grow while a writer
// updates it, sees a histogram's count equal to its +Inf bucket in the
// text, and the exact totals once the writer has finished.
TEST(MetricsRegistry, ConcurrentReaderSeesMonotonicValuesAndFinalTotals) {
  constexpr std::uint64_t kRecords = 200'000;
  ops::MetricsRegistry r(16);
  ops::MetricGroup g = r.group("writer", {{"thread", "writer"}});
  ops::Counter messages = g.counter({.name = "mg_messages_total", .help = "M."});
  ops::Histogram sizes = g.histogram({.name = "mg_size_bytes", .help = "S."}, {2, 20, 1});
  ops::SharedCounter shared = r.shared_counter({.name = "mg_shared_total", .help = "S."});
  std::atomic<bool> done{false};

  std::thread writer([&] {
    for (std::uint64_t i = 0; i < kRecords; ++i) {
      messages.inc();
      sizes.record(i % 5000);
      shared.inc();
    }
    done.store(true, std::memory_order_release);
  });
  std::thread second_shared_writer([&] {
    for (std::uint64_t i = 0; i < kRecords; ++i) shared.inc();
  });

  const ops::MetricView m = *r.find("mg_messages_total", std::vector<Label>{{"thread", "writer"}});
  const ops::MetricView h = *r.find("mg_size_bytes", std::vector<Label>{{"thread", "writer"}});
  std::uint64_t last_count = 0;
  std::uint64_t last_records = 0;
  std::uint64_t reads = 0;
  std::string text;
  while (!done.load(std::memory_order_acquire) || reads == 0) {
    const std::uint64_t count = m.counter_value();
    const std::uint64_t records = h.count();
    ASSERT_GE(count, last_count);
    ASSERT_GE(records, last_records);
    last_count = count;
    last_records = records;
    if (++reads % 64 == 1) {
      text.clear();
      r.format_text(text);
      const auto inf = text.find("le=\"+Inf\"} ");
      const auto cnt = text.find("mg_size_bytes_count{thread=\"writer\"} ");
      ASSERT_NE(inf, std::string::npos);
      ASSERT_NE(cnt, std::string::npos);
      const auto value_after = [&](std::size_t pos) {
        const auto start = text.find(' ', pos) + 1;
        return std::stoull(text.substr(start, text.find('\n', start) - start));
      };
      ASSERT_EQ(value_after(inf), value_after(cnt));
    }
  }
  writer.join();
  second_shared_writer.join();
  EXPECT_EQ(m.counter_value(), kRecords);
  EXPECT_EQ(h.count(), kRecords);
  std::uint64_t expected_sum = 0;
  for (std::uint64_t i = 0; i < kRecords; ++i) expected_sum += i % 5000;
  EXPECT_EQ(h.sum(), expected_sum);
  EXPECT_EQ(shared.value(), 2 * kRecords);
}

}  // namespace
