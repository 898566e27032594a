#pragma once
// The registry's state, shared by metrics_registry.cpp (registration) and
// metrics_format.cpp (the text formats). Everything here is guarded by
// `mutex`, except `words`, whose values are atomics written by the metrics'
// owners.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "matchgate/ops/metrics.hpp"

namespace matchgate::ops {

// All metrics of one name: one # HELP / # TYPE in the text format.
struct MetricFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::Counter;
  HistogramLayout layout;                // histograms
  std::vector<std::string> label_names;  // sorted; the same for every member
  std::vector<std::uint32_t> members;    // metric ids, in registration order
};

struct MetricGroupState {
  std::string name;
  std::vector<Label> labels;
  std::size_t next_word = 0;  // free words of the group's current block: [next_word, end_word)
  std::size_t end_word = 0;
};

struct AlignedWordsDeleter {
  void operator()(std::atomic<std::uint64_t>* p) const noexcept {
    ::operator delete (p, std::align_val_t{MetricsRegistry::kBlockBytes});
  }
};

struct MetricsRegistry::Impl {
  explicit Impl(std::size_t blocks);

  const std::size_t capacity_blocks;
  const std::unique_ptr<std::atomic<std::uint64_t>[], AlignedWordsDeleter> words;

  mutable std::mutex mutex;
  std::size_t blocks_used = 0;
  std::deque<MetricInfo> metrics;  // by id; a deque so references stay valid
  std::deque<MetricGroupState> groups;
  std::vector<MetricFamily> families;  // in order of first registration
  std::map<std::string, std::uint32_t, std::less<>> family_index;
  // Every name a family puts in the text (its own, and a histogram's
  // _bucket, _sum and _count), so no two families can produce the same one.
  std::set<std::string, std::less<>> exposed_names;

  MetricView view(const MetricInfo& m) const noexcept {
    return MetricView(m, words.get() + m.offset);
  }
};

}  // namespace matchgate::ops
