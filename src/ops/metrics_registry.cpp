// Registration: names checked once at startup, value memory handed out in
// 128-byte blocks that belong to one group each (see metrics.hpp).
#include <algorithm>
#include <cstdint>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

#include "metrics_registry_impl.hpp"

namespace matchgate::ops {

namespace {

constexpr std::uint32_t kSharedGroup = UINT32_MAX;

bool is_identifier(std::string_view s) noexcept {
  if (s.empty()) return false;
  const auto letter = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!letter(s.front())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return letter(c) || digit(c); });
}

// name{a="x",b="y"}, for error messages.
std::string describe(std::string_view name, const std::vector<Label>& labels) {
  std::string s(name);
  if (labels.empty()) return s;
  s += '{';
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) s += ',';
    s += labels[i].name + "=\"" + labels[i].value + '"';
  }
  return s + '}';
}

[[noreturn]] void refuse(const MetricInfo& m, const std::string& why) {
  throw std::invalid_argument("metric " + describe(m.name, m.labels) + ": " + why);
}

void check_name(const MetricInfo& m) {
  if (!is_identifier(m.name)) refuse(m, "a name is [a-zA-Z_][a-zA-Z0-9_]*");
  const bool total = m.name.ends_with("_total");
  if (m.type == MetricType::Counter && !total) refuse(m, "a counter's name ends in _total");
  if (m.type != MetricType::Counter && total) refuse(m, "only a counter's name ends in _total");
  if (m.help.empty()) refuse(m, "a help text is required");
}

void check_labels(const MetricInfo& m) {
  for (std::size_t i = 0; i < m.labels.size(); ++i) {
    const std::string& name = m.labels[i].name;
    if (!is_identifier(name)) refuse(m, "label name '" + name + "' is not [a-zA-Z_][a-zA-Z0-9_]*");
    if (name.starts_with("__")) refuse(m, "label names starting with __ are reserved");
    if (name == "le") refuse(m, "label name 'le' is reserved for histogram buckets");
    for (std::size_t j = 0; j < i; ++j) {
      if (m.labels[j].name == name) refuse(m, "label '" + name + "' given twice");
    }
  }
}

std::vector<std::string> sorted_label_names(const std::vector<Label>& labels) {
  std::vector<std::string> names;
  names.reserve(labels.size());
  for (const Label& l : labels) names.push_back(l.name);
  std::sort(names.begin(), names.end());
  return names;
}

// Label names are unique within a metric, so equal size and inclusion is
// equality of the sets.
bool same_labels(std::span<const Label> a, std::span<const Label> b) noexcept {
  if (a.size() != b.size()) return false;
  return std::all_of(a.begin(), a.end(),
                     [&](const Label& l) { return std::find(b.begin(), b.end(), l) != b.end(); });
}

std::vector<std::string> exposed_names_of(const MetricInfo& m) {
  if (m.type != MetricType::Histogram) return {m.name};
  return {m.name, m.name + "_bucket", m.name + "_sum", m.name + "_count"};
}

std::size_t words_needed(const MetricInfo& m) noexcept {
  return m.type == MetricType::Histogram ? m.layout.bucket_count() + 1 : 1;
}

}  // namespace

const char* to_string(MetricType type) noexcept {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Histogram:
      return "histogram";
  }
  return "untyped";
}

void HistogramLayout::validate() const {
  if (sub_bucket_bits > 4) throw std::invalid_argument("histogram: sub_bucket_bits must be <= 4");
  if (lowest_power < sub_bucket_bits) {
    throw std::invalid_argument("histogram: lowest_power must be >= sub_bucket_bits");
  }
  if (lowest_power >= highest_power || highest_power > 64) {
    throw std::invalid_argument("histogram: need lowest_power < highest_power <= 64");
  }
}

std::uint64_t MetricView::count() const noexcept {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < info_->layout.bucket_count(); ++i) n += bucket(i);
  return n;
}

namespace {

std::atomic<std::uint64_t>* allocate_words(std::size_t blocks) {
  if (blocks == 0) throw std::invalid_argument("MetricsRegistry: capacity must be > 0 blocks");
  if (blocks > SIZE_MAX / MetricsRegistry::kBlockBytes) {
    throw std::length_error("MetricsRegistry: capacity too large");
  }
  const std::size_t n = blocks * MetricsRegistry::kWordsPerBlock;
  void* raw = ::operator new (n * sizeof(std::atomic<std::uint64_t>),
                              std::align_val_t{MetricsRegistry::kBlockBytes});
  auto* words = static_cast<std::atomic<std::uint64_t>*>(raw);
  std::uninitialized_value_construct_n(words, n);  // zero (atomics value-initialise)
  return words;
}

}  // namespace

MetricsRegistry::Impl::Impl(std::size_t blocks)
    : capacity_blocks(blocks), words(allocate_words(blocks)) {}

MetricsRegistry::MetricsRegistry(std::size_t capacity_blocks)
    : impl_(std::make_unique<Impl>(capacity_blocks)) {}

MetricsRegistry::~MetricsRegistry() = default;

std::size_t MetricsRegistry::capacity_blocks() const noexcept {
  return impl_->capacity_blocks;
}

std::size_t MetricsRegistry::blocks_used() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->blocks_used;
}

std::size_t MetricsRegistry::size() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->metrics.size();
}

MetricGroup MetricsRegistry::group(std::string_view owner, std::vector<Label> labels) {
  if (owner.empty()) throw std::invalid_argument("metric group: the owner's name is empty");
  std::lock_guard lock(impl_->mutex);
  for (std::size_t i = 0; i < impl_->groups.size(); ++i) {
    const MetricGroupState& g = impl_->groups[i];
    if (g.name != owner) continue;
    if (!same_labels(g.labels, labels)) {
      throw std::invalid_argument("metric group " + g.name + ": asked for again with other labels");
    }
    return MetricGroup(*this, static_cast<std::uint32_t>(i), g.name);
  }
  MetricGroupState& g = impl_->groups.emplace_back();
  g.name = owner;
  g.labels = std::move(labels);
  return MetricGroup(*this, static_cast<std::uint32_t>(impl_->groups.size() - 1), g.name);
}

SharedCounter MetricsRegistry::shared_counter(const MetricSpec& spec) {
  return SharedCounter(add_metric(kSharedGroup, spec, MetricType::Counter, {}));
}

Counter MetricGroup::counter(const MetricSpec& spec) {
  return Counter(registry_->add_metric(index_, spec, MetricType::Counter, {}));
}

Gauge MetricGroup::gauge(const MetricSpec& spec) {
  return Gauge(registry_->add_metric(index_, spec, MetricType::Gauge, {}));
}

Histogram MetricGroup::histogram(const MetricSpec& spec, HistogramLayout layout) {
  layout.validate();
  return Histogram(registry_->add_metric(index_, spec, MetricType::Histogram, layout), layout);
}

namespace {

// The family `m` joins: an existing one it must agree with, or nullptr for
// a new name, which must not clash with a name another family exposes.
const MetricFamily* check_family(const MetricsRegistry::Impl& r, const MetricInfo& m) {
  const auto it = r.family_index.find(m.name);
  if (it == r.family_index.end()) {
    for (const std::string& name : exposed_names_of(m)) {
      if (r.exposed_names.contains(name)) refuse(m, "clashes with another metric's " + name);
    }
    return nullptr;
  }
  const MetricFamily& f = r.families[it->second];
  if (f.type != m.type) refuse(m, std::string("already registered as a ") + to_string(f.type));
  if (f.help != m.help) refuse(m, "already registered with another help text");
  if (f.layout != m.layout) refuse(m, "already registered with other histogram buckets");
  if (f.label_names != sorted_label_names(m.labels)) {
    refuse(m, "already registered with other label names");
  }
  for (const std::uint32_t id : f.members) {
    if (same_labels(r.metrics[id].labels, m.labels)) refuse(m, "registered twice");
  }
  return &f;
}

// Where `m`'s words go: the group's current block when a counter or gauge
// fits there, fresh blocks otherwise. Changes nothing until it succeeds.
std::size_t place(const MetricsRegistry::Impl& r, const MetricInfo& m, std::uint32_t group) {
  constexpr std::size_t kWordsPerBlock = MetricsRegistry::kWordsPerBlock;
  const std::size_t words = words_needed(m);
  if (group != kSharedGroup && words == 1) {
    const MetricGroupState& g = r.groups[group];
    if (g.next_word < g.end_word) return g.next_word;
  }
  const std::size_t blocks = (words + kWordsPerBlock - 1) / kWordsPerBlock;
  if (blocks > r.capacity_blocks - r.blocks_used) {
    throw std::length_error(
        "metrics registry full: " + describe(m.name, m.labels) + " needs " +
        std::to_string(blocks) + " block(s) of " + std::to_string(MetricsRegistry::kBlockBytes) +
        " bytes, " + std::to_string(r.capacity_blocks - r.blocks_used) + " of " +
        std::to_string(r.capacity_blocks) + " left; raise the registry's capacity");
  }
  return r.blocks_used * kWordsPerBlock;
}

void commit(MetricsRegistry::Impl& r, MetricInfo&& m, std::uint32_t group,
            const MetricFamily* family) {
  constexpr std::size_t kWordsPerBlock = MetricsRegistry::kWordsPerBlock;
  const std::size_t words = words_needed(m);
  const bool fresh = m.offset == r.blocks_used * kWordsPerBlock;
  if (fresh) r.blocks_used += (words + kWordsPerBlock - 1) / kWordsPerBlock;
  if (group != kSharedGroup && words == 1) {
    MetricGroupState& g = r.groups[group];
    if (fresh) g.end_word = m.offset + kWordsPerBlock;
    g.next_word = m.offset + 1;
  }
  std::uint32_t f = 0;
  if (family != nullptr) {
    f = static_cast<std::uint32_t>(family - r.families.data());
  } else {
    f = static_cast<std::uint32_t>(r.families.size());
    r.families.push_back({m.name, m.help, m.type, m.layout, sorted_label_names(m.labels), {}});
    r.family_index.emplace(m.name, f);
    for (std::string& name : exposed_names_of(m)) r.exposed_names.insert(std::move(name));
  }
  r.families[f].members.push_back(m.id);
  r.metrics.push_back(std::move(m));
}

}  // namespace

std::atomic<std::uint64_t>* MetricsRegistry::add_metric(std::uint32_t group, const MetricSpec& spec,
                                                        MetricType type,
                                                        const HistogramLayout& layout) {
  std::lock_guard lock(impl_->mutex);
  Impl& r = *impl_;
  MetricInfo m;
  m.id = static_cast<std::uint32_t>(r.metrics.size());
  m.type = type;
  m.log = spec.log;
  m.shared = group == kSharedGroup;
  m.name = spec.name;
  m.help = spec.help;
  if (!m.shared) {
    m.owner = r.groups[group].name;
    m.labels = r.groups[group].labels;
  }
  m.labels.insert(m.labels.end(), spec.labels.begin(), spec.labels.end());
  if (type == MetricType::Histogram) m.layout = layout;
  check_name(m);
  check_labels(m);
  const MetricFamily* family = check_family(r, m);
  m.offset = place(r, m, group);
  std::atomic<std::uint64_t>* words = r.words.get() + m.offset;
  commit(r, std::move(m), group, family);
  return words;
}

void MetricsRegistry::for_each_impl(void* context, VisitFn fn) const {
  std::lock_guard lock(impl_->mutex);
  for (const MetricInfo& m : impl_->metrics) fn(context, impl_->view(m));
}

std::optional<MetricView> MetricsRegistry::find(std::string_view name,
                                                std::span<const Label> labels) const {
  std::lock_guard lock(impl_->mutex);
  const auto it = impl_->family_index.find(name);
  if (it == impl_->family_index.end()) return std::nullopt;
  for (const std::uint32_t id : impl_->families[it->second].members) {
    const MetricInfo& m = impl_->metrics[id];
    if (same_labels(m.labels, labels)) return impl_->view(m);
  }
  return std::nullopt;
}

}  // namespace matchgate::ops
