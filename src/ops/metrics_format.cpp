// The registry as text: the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/) and the
// compact line of the periodic log.
#include <array>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "metrics_registry_impl.hpp"

namespace matchgate::ops {

namespace {

template <class Int>
void append_number(std::string& out, Int value) {
  std::array<char, 24> buf;
  const auto end = std::to_chars(buf.data(), buf.data() + buf.size(), value).ptr;
  out.append(buf.data(), end);
}

// HELP text escapes backslash and line feed; label values also the double quote.
void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// {a="x",b="y"} plus, for a bucket, le="bound"; nothing without labels.
void append_labels(std::string& out, const MetricInfo& m, std::string_view le = {}) {
  if (m.labels.empty() && le.empty()) return;
  out += '{';
  bool first = true;
  for (const Label& l : m.labels) {
    if (!first) out += ',';
    first = false;
    out += l.name;
    out += "=\"";
    append_escaped(out, l.value, true);
    out += '"';
  }
  if (!le.empty()) {
    if (!first) out += ',';
    out += "le=\"";
    out += le;
    out += '"';
  }
  out += '}';
}

template <class Int>
void append_sample(std::string& out, const MetricInfo& m, std::string_view suffix, Int value,
                   std::string_view le = {}) {
  out += m.name;
  out += suffix;
  append_labels(out, m, le);
  out += ' ';
  append_number(out, value);
  out += '\n';
}

// Buckets cumulative, each read once; _count is the +Inf bucket's value.
void append_histogram(std::string& out, const MetricView& v) {
  const MetricInfo& m = v.info();
  const std::size_t n = m.layout.bucket_count();
  std::uint64_t cumulative = 0;
  std::array<char, 24> bound;
  for (std::size_t i = 0; i < n; ++i) {
    cumulative += v.bucket(i);
    std::string_view le = "+Inf";
    if (i + 1 < n) {
      const auto end =
          std::to_chars(bound.data(), bound.data() + bound.size(), m.layout.upper_bound(i)).ptr;
      le = std::string_view(bound.data(), static_cast<std::size_t>(end - bound.data()));
    }
    append_sample(out, m, "_bucket", cumulative, le);
  }
  append_sample(out, m, "_sum", v.sum());
  append_sample(out, m, "_count", cumulative);
}

void append_family(std::string& out, const MetricsRegistry::Impl& r, const MetricFamily& f) {
  out += "# HELP ";
  out += f.name;
  out += ' ';
  append_escaped(out, f.help, false);
  out += "\n# TYPE ";
  out += f.name;
  out += ' ';
  out += to_string(f.type);
  out += '\n';
  for (const std::uint32_t id : f.members) {
    const MetricView v = r.view(r.metrics[id]);
    switch (f.type) {
      case MetricType::Counter:
        append_sample(out, v.info(), {}, v.counter_value());
        break;
      case MetricType::Gauge:
        append_sample(out, v.info(), {}, v.gauge_value());
        break;
      case MetricType::Histogram:
        append_histogram(out, v);
        break;
    }
  }
}

// Largest bucket count a valid layout has: 64 powers of 16 buckets, plus 2.
constexpr std::size_t kMaxBuckets = (64 << 4) + 2;

// " p50<=bound" for the bucket holding the record of that rank (1-based),
// or " p50>bound" when it is the +Inf one.
void append_quantile(std::string& out, std::string_view label, const HistogramLayout& layout,
                     const std::array<std::uint64_t, kMaxBuckets>& buckets, std::uint64_t rank) {
  const std::size_t n = layout.bucket_count();
  std::uint64_t cumulative = 0;
  std::size_t i = 0;
  while (i + 1 < n && cumulative + buckets[i] < rank) cumulative += buckets[i++];
  out += ' ';
  out += label;
  if (i + 1 < n) {
    out += "<=";
    append_number(out, layout.upper_bound(i));
  } else {
    out += '>';
    append_number(out, layout.upper_bound(n - 2));
  }
}

// (n=count p50<=bound p99<=bound), from one read of each bucket.
void append_histogram_summary(std::string& out, const MetricView& v) {
  const HistogramLayout& layout = v.info().layout;
  std::array<std::uint64_t, kMaxBuckets> buckets;
  std::uint64_t count = 0;
  for (std::size_t i = 0; i < layout.bucket_count(); ++i) count += buckets[i] = v.bucket(i);
  out += "(n=";
  append_number(out, count);
  if (count > 0) {
    append_quantile(out, "p50", layout, buckets, count - count / 2);
    append_quantile(out, "p99", layout, buckets, count - count / 100);
  }
  out += ')';
}

bool wanted_in_log(const MetricView& v) noexcept {
  switch (v.info().log) {
    case LogLine::Never:
      return false;
    case LogLine::Always:
      return true;
    case LogLine::IfNonZero:
      break;
  }
  return v.info().type == MetricType::Histogram ? v.count() != 0 : v.counter_value() != 0;
}

}  // namespace

void MetricsRegistry::format_text(std::string& out) const {
  std::lock_guard lock(impl_->mutex);
  for (const MetricFamily& f : impl_->families) append_family(out, *impl_, f);
}

void MetricsRegistry::format_log_line(std::string& out) const {
  std::lock_guard lock(impl_->mutex);
  bool first = true;
  for (const MetricInfo& m : impl_->metrics) {
    const MetricView v = impl_->view(m);
    if (!wanted_in_log(v)) continue;
    if (!first) out += ' ';
    first = false;
    out += m.name;
    append_labels(out, m);
    out += '=';
    switch (m.type) {
      case MetricType::Counter:
        append_number(out, v.counter_value());
        break;
      case MetricType::Gauge:
        append_number(out, v.gauge_value());
        break;
      case MetricType::Histogram:
        append_histogram_summary(out, v);
        break;
    }
  }
}

}  // namespace matchgate::ops
