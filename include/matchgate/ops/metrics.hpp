#pragma once
// One numbered registry of every metric of the process (docs/METRICS.md).
// Each metric has a fixed id (its registration order), a Prometheus-style
// name with its unit in it, a help text, constant labels and a type; its
// values live in memory allocated once, when the registry is made, apart
// from the descriptions, so that readers walking the descriptions never
// touch the lines the writers update.
//
// Startup (any thread, typically main, before the agents run):
//   MetricsRegistry registry(256);                 // capacity in 128-byte blocks
//   MetricGroup net = registry.group("net-0", {{"thread", "net-0"}});
//   Counter in = net.counter({.name = "matchgate_fix_messages_in_total",
//                             .help = "FIX messages received from members."});
// Hot path (the owning thread only): in.inc();
// Export (any thread): registry.format_text(out);
//
// Threads, precisely:
// - Registration (group(), MetricGroup::counter/gauge/histogram,
//   shared_counter()) may run on any thread at any time; calls are
//   serialised by the registry's mutex. It allocates and throws: a bad or
//   duplicate name is std::invalid_argument, a full registry
//   std::length_error. Meant for startup.
// - Counter::inc/add, Gauge::set/add/inc/dec, Histogram::record: only on the
//   thread that owns the metric's group, one thread at a time (single
//   writer). Each is a relaxed load and a relaxed store: no lock, no
//   allocation, no fence, no read-modify-write instruction. Ownership may
//   pass to another thread if the hand-over itself synchronises (e.g. main
//   thread during recovery, then the agent thread it starts).
// - SharedCounter::inc/add: any thread (fetch_add).
// - value() of any handle, for_each(), find(), format_text(),
//   format_log_line(): any thread, concurrently with the writers. They take
//   the registry's mutex (so they wait for a registration, never for a
//   writer) and read the values with relaxed loads.
// - A group's metrics occupy whole 128-byte blocks that no other group uses,
//   so two writers never share a cache line (nor an adjacent-line pair).
//
// What a reader sees: every value it reads is one the slot held at some
// instant (64-bit atomics: never torn), and successive reads of one metric
// by one thread never go backwards for a counter or a histogram bucket.
// Different metrics are not read at one instant. A histogram's count is the
// sum of the buckets as read, so `_count` always equals the `+Inf` bucket;
// its sum may include or miss the records made while it was being read.
//
// The registry must outlive every handle taken from it. A default-made
// handle is unbound: it writes into a discard block shared by all unbound
// handles, whose values mean nothing and are never exported, so a component
// built without a registry (a unit test) needs no special case.
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace matchgate::ops {

enum class MetricType : std::uint8_t { Counter, Gauge, Histogram };
const char* to_string(MetricType type) noexcept;  // "counter", "gauge", "histogram"

// Whether a metric appears in format_log_line(), the periodic log line.
enum class LogLine : std::uint8_t {
  Never,
  IfNonZero,  // a counter or gauge that is not 0, a histogram with records
  Always,
};

struct Label {
  std::string name;
  std::string value;
  bool operator==(const Label&) const = default;
};

// What a registration says about a metric. The name follows Prometheus
// conventions ([a-zA-Z_][a-zA-Z0-9_]*, unit in the name, counters end in
// _total); labels are constant, added to the group's.
struct MetricSpec {
  std::string_view name;
  std::string_view help;
  std::vector<Label> labels{};
  LogLine log = LogLine::IfNonZero;
};

// Log-linear buckets over u64 values (HdrHistogram-like): values below
// 2^lowest_power share the first bucket, values of 2^highest_power and above
// the last one (+Inf), and each power-of-two range [2^p, 2^(p+1)) between is
// cut into 2^sub_bucket_bits buckets of equal width, so a bucket is at most
// 2^-sub_bucket_bits of its values wide. Bucket bounds are inclusive upper
// bounds, as Prometheus' `le` wants.
struct HistogramLayout {
  std::uint8_t lowest_power = 0;
  std::uint8_t highest_power = 64;
  std::uint8_t sub_bucket_bits = 0;

  bool operator==(const HistogramLayout&) const = default;

  // Throws std::invalid_argument unless sub_bucket_bits <= 4,
  // sub_bucket_bits <= lowest_power < highest_power <= 64.
  void validate() const;

  constexpr std::size_t bucket_count() const noexcept {
    return (static_cast<std::size_t>(highest_power - lowest_power) << sub_bucket_bits) + 2;
  }
  // O(1): one countl_zero, two compares, shifts.
  constexpr std::size_t bucket_of(std::uint64_t value) const noexcept {
    const int power = 63 - std::countl_zero(value);  // -1 for 0
    if (power < lowest_power) return 0;
    if (power >= highest_power) return bucket_count() - 1;
    const std::uint64_t sub_mask = (std::uint64_t{1} << sub_bucket_bits) - 1;
    const std::uint64_t sub = (value >> (power - sub_bucket_bits)) & sub_mask;
    return 1 + (static_cast<std::size_t>(power - lowest_power) << sub_bucket_bits) + sub;
  }
  // The largest value bucket `i` holds; UINT64_MAX for the last (+Inf).
  constexpr std::uint64_t upper_bound(std::size_t bucket) const noexcept {
    if (bucket == 0) return (std::uint64_t{1} << lowest_power) - 1;
    if (bucket + 1 >= bucket_count()) return UINT64_MAX;
    const std::size_t j = bucket - 1;
    const unsigned power = lowest_power + static_cast<unsigned>(j >> sub_bucket_bits);
    const std::uint64_t sub = j & ((std::size_t{1} << sub_bucket_bits) - 1);
    // Wraps to UINT64_MAX exactly for the top bucket of power 63.
    return (std::uint64_t{1} << power) + ((sub + 1) << (power - sub_bucket_bits)) - 1;
  }

  // Durations in ns from 1 us to 2.1 s, two buckets per power of two (44 buckets).
  static constexpr HistogramLayout latency_ns() noexcept { return {10, 31, 1}; }
  // Sizes in bytes from 64 B to 64 MiB, one bucket per power of two (22 buckets).
  static constexpr HistogramLayout size_bytes() noexcept { return {6, 26, 0}; }
};

namespace detail {
// Where unbound handles write: never exported. Large enough for the
// default layout of an unbound Histogram (3 buckets + sum).
inline constinit std::atomic<std::uint64_t> discard_block[16]{};

// The single-writer update: a relaxed load and store, not a locked add.
inline void single_writer_add(std::atomic<std::uint64_t>& word, std::uint64_t n) noexcept {
  word.store(word.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}
}  // namespace detail

// A monotonic u64, written by its group's thread only.
class Counter {
 public:
  Counter() noexcept = default;
  void inc() noexcept { detail::single_writer_add(*word_, 1); }
  void add(std::uint64_t n) noexcept { detail::single_writer_add(*word_, n); }
  std::uint64_t value() const noexcept { return word_->load(std::memory_order_relaxed); }

 private:
  friend class MetricGroup;
  explicit Counter(std::atomic<std::uint64_t>* word) noexcept : word_(word) {}
  std::atomic<std::uint64_t>* word_ = &detail::discard_block[0];
};

// A monotonic u64 any thread may add to (fetch_add); alone in its block.
class SharedCounter {
 public:
  SharedCounter() noexcept = default;
  void inc() noexcept { add(1); }
  void add(std::uint64_t n) noexcept { word_->fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return word_->load(std::memory_order_relaxed); }

 private:
  friend class MetricsRegistry;
  explicit SharedCounter(std::atomic<std::uint64_t>* word) noexcept : word_(word) {}
  std::atomic<std::uint64_t>* word_ = &detail::discard_block[1];
};

// An i64 that goes up and down, written by its group's thread only.
class Gauge {
 public:
  Gauge() noexcept = default;
  void set(std::int64_t v) noexcept {
    word_->store(static_cast<std::uint64_t>(v), std::memory_order_relaxed);
  }
  void add(std::int64_t n) noexcept {
    detail::single_writer_add(*word_, static_cast<std::uint64_t>(n));
  }
  void inc() noexcept { add(1); }
  void dec() noexcept { add(-1); }
  std::int64_t value() const noexcept {
    return static_cast<std::int64_t>(word_->load(std::memory_order_relaxed));
  }

 private:
  friend class MetricGroup;
  explicit Gauge(std::atomic<std::uint64_t>* word) noexcept : word_(word) {}
  std::atomic<std::uint64_t>* word_ = &detail::discard_block[2];
};

// A distribution of u64 values (unit in the metric's name), written by its
// group's thread only. Its words: one count per bucket, then the sum.
class Histogram {
 public:
  Histogram() noexcept = default;
  void record(std::uint64_t value) noexcept {
    detail::single_writer_add(words_[layout_.bucket_of(value)], 1);
    detail::single_writer_add(words_[sum_index_], value);
  }
  const HistogramLayout& layout() const noexcept { return layout_; }

 private:
  friend class MetricGroup;
  Histogram(std::atomic<std::uint64_t>* words, HistogramLayout layout) noexcept
      : words_(words),
        layout_(layout),
        sum_index_(static_cast<std::uint32_t>(layout.bucket_count())) {}
  std::atomic<std::uint64_t>* words_ = &detail::discard_block[8];
  HistogramLayout layout_{63, 64, 0};
  std::uint32_t sum_index_ = 3;
};

// The description of one registered metric; immutable once registered.
struct MetricInfo {
  std::uint32_t id = 0;  // registration order, from 0
  MetricType type = MetricType::Counter;
  LogLine log = LogLine::IfNonZero;
  bool shared = false;  // a SharedCounter: any thread writes it
  std::string name;
  std::string help;
  std::string owner;          // the group's name; empty for a shared counter
  std::vector<Label> labels;  // the group's, then the metric's own
  HistogramLayout layout;     // histograms only
  std::size_t offset = 0;     // first word in the registry's value memory
};

// A metric as a reader sees it: its description and its current values,
// read (relaxed) at each call. Valid as long as the registry.
class MetricView {
 public:
  MetricView(const MetricInfo& info, const std::atomic<std::uint64_t>* words) noexcept
      : info_(&info), words_(words) {}
  const MetricInfo& info() const noexcept { return *info_; }

  // Counter, or gauge as its two's-complement bits.
  std::uint64_t counter_value() const noexcept { return load(0); }
  std::int64_t gauge_value() const noexcept { return static_cast<std::int64_t>(load(0)); }

  // Histogram: records in bucket i alone (not cumulative), their count
  // (the sum over the buckets, read once each) and the sum of their values.
  std::uint64_t bucket(std::size_t i) const noexcept { return load(i); }
  std::uint64_t count() const noexcept;
  std::uint64_t sum() const noexcept { return load(info_->layout.bucket_count()); }

 private:
  std::uint64_t load(std::size_t i) const noexcept {
    return words_[i].load(std::memory_order_relaxed);
  }
  const MetricInfo* info_;
  const std::atomic<std::uint64_t>* words_;
};

class MetricsRegistry;

// The metrics one thread writes. Cheap to copy; valid as long as the
// registry. Registration through it may run on any thread (see above).
class MetricGroup {
 public:
  Counter counter(const MetricSpec& spec);
  Gauge gauge(const MetricSpec& spec);
  Histogram histogram(const MetricSpec& spec, HistogramLayout layout);
  const std::string& name() const noexcept { return *name_; }

 private:
  friend class MetricsRegistry;
  MetricGroup(MetricsRegistry& registry, std::uint32_t index, const std::string& name) noexcept
      : registry_(&registry), index_(index), name_(&name) {}
  MetricsRegistry* registry_;
  std::uint32_t index_;
  const std::string* name_;
};

class MetricsRegistry {
 public:
  // Blocks of value memory: a group takes one per 16 counters or gauges it
  // has, a histogram blocks_for() of its layout, a shared counter one.
  static constexpr std::size_t kBlockBytes = 128;
  static constexpr std::size_t kWordsPerBlock = kBlockBytes / sizeof(std::uint64_t);
  static constexpr std::size_t blocks_for(const HistogramLayout& layout) noexcept {
    return (layout.bucket_count() + 1 + kWordsPerBlock - 1) / kWordsPerBlock;
  }

  // All value memory, zeroed, now. Throws std::invalid_argument for 0.
  explicit MetricsRegistry(std::size_t capacity_blocks);
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // The group of metrics written by one thread, made on first use: the same
  // name gives the same group. Its labels are added to each of its metrics
  // (typically {"thread", name}); asking again with other labels throws
  // std::invalid_argument.
  MetricGroup group(std::string_view owner, std::vector<Label> labels = {});
  // A counter any thread may add to (fetch_add), in a block of its own.
  SharedCounter shared_counter(const MetricSpec& spec);

  std::size_t capacity_blocks() const noexcept;
  std::size_t blocks_used() const;
  std::size_t size() const;  // metrics registered

  // Visits every metric in id order with a MetricView. Holds the registry's
  // mutex meanwhile: `visit` must not call the registry (no registration,
  // no find or format: the mutex is not recursive).
  template <class Visit>
  void for_each(Visit&& visit) const {
    for_each_impl(&visit, [](void* v, const MetricView& m) { (*static_cast<Visit*>(v))(m); });
  }
  // The metric with this name and these labels (all of them, group's
  // included, in any order).
  std::optional<MetricView> find(std::string_view name, std::span<const Label> labels = {}) const;

  // Appends every metric in the Prometheus text exposition format 0.0.4:
  // for each name, in the order of its first registration, # HELP, # TYPE
  // and one sample per metric (histograms: _bucket{le=...} cumulative,
  // _sum, _count). No timestamps.
  void format_text(std::string& out) const;
  // Appends one compact line for the periodic log: the metrics whose LogLine
  // asks for it, in id order, as name{labels}=value and, for a histogram,
  // name{labels}=(n=count p50<=bound p99<=bound). Nothing when none.
  void format_log_line(std::string& out) const;

  struct Impl;  // the state; defined and used in src/ops only

 private:
  friend class MetricGroup;
  using VisitFn = void (*)(void*, const MetricView&);
  void for_each_impl(void* context, VisitFn fn) const;
  std::atomic<std::uint64_t>* add_metric(std::uint32_t group, const MetricSpec& spec,
                                         MetricType type, const HistogramLayout& layout);
  std::unique_ptr<Impl> impl_;
};

}  // namespace matchgate::ops
