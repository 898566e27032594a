#include <cmath>
#include <cstdio>
#include <ctime>

#include "load.hpp"

namespace matchgate::load {

std::int64_t percentile(const std::vector<std::int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double rank = std::ceil(q * static_cast<double>(sorted.size()));
  const std::size_t i = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  return sorted[std::min(i, sorted.size() - 1)];
}

namespace {

double us(std::int64_t ns) {
  return static_cast<double>(ns) / 1000.0;
}

struct Quantile {
  const char* name;
  double q;
};
constexpr Quantile kQuantiles[] = {
    {"p50", 0.50}, {"p90", 0.90}, {"p99", 0.99}, {"p99.9", 0.999}, {"max", 1.0}};

void json_string(std::FILE* f, const std::string& s) {
  std::fputc('"', f);
  for (char c : s) {
    if (c == '"' || c == '\\') {
      std::fputc('\\', f);
      std::fputc(c, f);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      std::fprintf(f, "\\u%04x", c);
    } else {
      std::fputc(c, f);
    }
  }
  std::fputc('"', f);
}

}  // namespace

void print_summary(const Options& o, const Results& r) {
  std::printf("mode %s, %zu session(s), ", r.mode.c_str(), o.sessions.size());
  if (o.rate > 0) {
    std::printf("target rate %.0f orders/s", o.rate);
  } else {
    std::printf("%d in flight per session", o.inflight);
  }
  std::printf(", measured %.1f s after %.1f s warm-up\n", r.measured_s, o.warmup_s);
  std::printf("throughput: %.0f orders/s sent, %.0f orders/s answered, %.0f execution reports/s\n",
              r.orders_per_s(), r.answers_per_s(), r.exec_reports_per_s());
  std::printf("order -> first answer latency (us, %zu samples):", r.latencies_ns.size());
  for (const Quantile& q : kQuantiles)
    std::printf(" %s %.1f", q.name, us(percentile(r.latencies_ns, q.q)));
  std::printf("\n");
  std::printf(
      "orders sent %llu, answered %llu, missing %llu; trades %llu, order rejects %llu, "
      "cancel rejects %llu, session rejects %llu\n",
      static_cast<unsigned long long>(r.orders_sent),
      static_cast<unsigned long long>(r.orders_answered),
      static_cast<unsigned long long>(r.missing), static_cast<unsigned long long>(r.trades),
      static_cast<unsigned long long>(r.order_rejects),
      static_cast<unsigned long long>(r.cancel_rejects),
      static_cast<unsigned long long>(r.session_rejects));
  if (o.rate > 0)
    std::printf("sender at most %.1f us behind schedule\n",
                us(static_cast<std::int64_t>(r.max_behind_ns)));
  if (r.sequence_gaps || r.logouts || r.disconnects) {
    std::printf("WARNING: %llu sequence gaps, %llu unsolicited logouts, %llu disconnects\n",
                static_cast<unsigned long long>(r.sequence_gaps),
                static_cast<unsigned long long>(r.logouts),
                static_cast<unsigned long long>(r.disconnects));
  }
  if (r.missing > 0) {
    std::printf("MISSING answers, e.g.:");
    for (const auto& id : r.missing_examples) std::printf(" %s", id.c_str());
    std::printf("\n");
  }
}

bool write_json(const std::string& path, const Options& o, const Results& r) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  const std::time_t t = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  std::fprintf(f, "{\n  \"time\": \"%s\",\n  \"target\": ", when);
  json_string(f, o.host + ":" + std::to_string(o.port));
  std::fprintf(f, ",\n  \"mode\": ");
  json_string(f, r.mode);
  std::fprintf(
      f,
      ",\n  \"sessions\": %zu,\n  \"rate\": %.0f,\n  \"inflight\": %d,\n  \"threads\": %d,\n"
      "  \"spin\": %s,\n  \"warmup_s\": %.3f,\n  \"measured_s\": %.3f,\n"
      "  \"mix\": {\"passive\": %u, \"cross\": %u, \"cancel\": %u},\n",
      o.sessions.size(), o.rate, o.inflight, o.threads, o.spin ? "true" : "false", o.warmup_s,
      r.measured_s, o.mix.passive, o.mix.cross, o.mix.cancel);
  std::fprintf(
      f, "  \"orders_per_s\": %.1f,\n  \"answers_per_s\": %.1f,\n  \"exec_reports_per_s\": %.1f,\n",
      r.orders_per_s(), r.answers_per_s(), r.exec_reports_per_s());
  std::fprintf(f, "  \"latency_us\": {\"samples\": %zu", r.latencies_ns.size());
  for (const Quantile& q : kQuantiles)
    std::fprintf(f, ", \"%s\": %.3f", q.name, us(percentile(r.latencies_ns, q.q)));
  std::fprintf(f, "},\n");
  std::fprintf(
      f,
      "  \"orders_sent\": %llu,\n  \"orders_answered\": %llu,\n  \"orders_measured\": %llu,\n"
      "  \"missing\": %llu,\n  \"trades\": %llu,\n  \"order_rejects\": %llu,\n"
      "  \"cancel_rejects\": %llu,\n  \"session_rejects\": %llu,\n  \"sequence_gaps\": %llu,\n"
      "  \"logouts\": %llu,\n  \"disconnects\": %llu,\n  \"max_behind_us\": %.1f,\n",
      static_cast<unsigned long long>(r.orders_sent),
      static_cast<unsigned long long>(r.orders_answered),
      static_cast<unsigned long long>(r.orders_measured),
      static_cast<unsigned long long>(r.missing), static_cast<unsigned long long>(r.trades),
      static_cast<unsigned long long>(r.order_rejects),
      static_cast<unsigned long long>(r.cancel_rejects),
      static_cast<unsigned long long>(r.session_rejects),
      static_cast<unsigned long long>(r.sequence_gaps), static_cast<unsigned long long>(r.logouts),
      static_cast<unsigned long long>(r.disconnects),
      us(static_cast<std::int64_t>(r.max_behind_ns)));
  std::fprintf(f, "  \"missing_examples\": [");
  for (std::size_t i = 0; i < r.missing_examples.size(); ++i) {
    if (i) std::fprintf(f, ", ");
    json_string(f, r.missing_examples[i]);
  }
  std::fprintf(f, "]\n}\n");
  return std::fclose(f) == 0;
}

}  // namespace matchgate::load
