// wal_bench: what group commit costs and delivers on this machine.
//
//   wal_bench [--dir DIR] [--latency-records N] [--throughput-records N]
//             [--payload BYTES] [--group-commit-us US] [--reps R]
//   wal_bench --floor-only [--dir DIR] [--latency-records N] [--floor-bytes B]
//   wal_bench --prepare-segments [--dir DIR] [--segment-mb M]
//             [--latency-records N] [--reps R]
//
// Per repetition, interleaved so that machine drift hits all alike:
//  1. floor: pwrite of one record-sized block + fdatasync, into a
//     preallocated (zero-filled) file, one at a time;
//  2. durable acknowledgement latency: one producer appends a record and
//     waits until the writer reports it durable, one at a time (the cost a
//     single member's order sees on an idle exchange);
//  3. durable throughput: one producer appends as fast as it can; records/s
//     until the last is durable (several producers' records share commits
//     the same way);
//  4. recovery read: verifying and reading back the log of (3).
// Prints medians over the repetitions, and what does not depend on the
// machine's load: the writer thread's CPU time per record in (3), the
// scan's CPU time per record in (4), and log bytes per record.
//
// --floor-only measures (1) once and prints one JSON line, for scripts that
// interleave it with their own runs (bench/gateway/run.sh):
//   {"fdatasync_floor": {"bytes": 200, "samples": 2000, "p50_us": 86.5, "p99_us": 142.4}}
// It creates and removes only its own file in DIR.
//
// --prepare-segments compares ways of preparing a new segment (segment_prep.cpp).
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench_timing.hpp"
#include "matchgate/crypto/sm2.hpp"
#include "matchgate/wal/wal_reader.hpp"
#include "matchgate/wal/wal_segment.hpp"
#include "matchgate/wal/wal_writer.hpp"
#include "segment_prep.hpp"

namespace {

namespace mw = matchgate::wal;
namespace wb = matchgate::wal_bench;
using wb::Clock;
using wb::median;
using wb::percentile;
using wb::us_since;

struct Rep {
  double floor_p50 = 0, floor_p99 = 0;
  double ack_p50 = 0, ack_p99 = 0;
  double records_per_s = 0, commits = 0;
  double read_records_per_s = 0;
  double writer_cpu_ns_per_record = 0, read_cpu_ns_per_record = 0, bytes_per_record = 0;
};

// CPU time of the calling thread, ns.
double thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

std::vector<double> floor_latencies(const std::filesystem::path& dir, std::size_t n,
                                    std::size_t bytes) {
  const auto path = dir / "floor.bin";
  std::filesystem::remove(path);
  // Preallocated to what the run writes (rounded up to 1 MiB), zero-filled.
  const std::uint64_t mib = std::uint64_t{1} << 20;
  const std::uint64_t size = (4096 + n * bytes + mib - 1) / mib * mib;
  mw::WalSegment f = mw::WalSegment::create(path, size);
  std::vector<std::byte> block(bytes, std::byte{0x5a});
  std::vector<double> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto t = Clock::now();
    f.write_at(4096 + i * bytes, block);
    f.sync();
    out.push_back(us_since(t));
  }
  f.close();
  std::filesystem::remove(path);
  return out;
}

mw::WalOptions options_for(const std::filesystem::path& dir, std::size_t group_commit_us) {
  mw::WalOptions o;
  o.dir = dir;
  o.group_commit = std::chrono::microseconds(group_commit_us);
  // The bench's records cause no later records: nothing to hold a group for.
  o.hold_for_reports = std::chrono::microseconds(0);
  o.segment_bytes = std::uint64_t{256} << 20;
  return o;
}

// Runs the writer on its own thread, as the daemon does.
struct RunningWriter {
  matchgate::ops::MetricsRegistry registry{64};
  matchgate::ops::MetricGroup group = registry.group("wal-writer");
  mw::WalWriter writer;
  mw::WalProducer& producer;
  std::atomic<bool> stop{false};
  std::atomic<double> cpu_ns{0};  // the writer thread's CPU time, once it stopped
  std::thread thread;
  RunningWriter(const mw::WalOptions& o, const std::filesystem::path& key_path)
      : writer(o, {}, matchgate::crypto::Sm2PrivateKey::load_pem(key_path),
               mw::WalMetrics::registered(group)),
        producer(writer.add_producer()) {
    thread = std::thread([this] {
      const double started = thread_cpu_ns();
      while (!stop.load(std::memory_order_relaxed)) writer.do_work();
      cpu_ns = thread_cpu_ns() - started;
    });
  }
  // Stops the writer's thread; returns its CPU time.
  double stop_thread() {
    if (thread.joinable()) {
      stop = true;
      thread.join();
    }
    return cpu_ns;
  }
  ~RunningWriter() {
    stop_thread();
    writer.close();
  }
};

struct Options {
  std::string dir = "/tmp/matchgate-wal-bench";
  std::size_t latency_records = 2000;
  std::size_t throughput_records = 1'000'000;
  std::size_t payload = 120;
  std::size_t floor_bytes = 0;  // 0: one record of `payload`
  std::size_t group_commit_us = 0;
  std::uint64_t segment_mb = 64;
  int reps = 3;
};

// Durable acknowledgement latency, one record at a time: {p50, p99} in us.
std::pair<double, double> ack_latency(const std::filesystem::path& root, const Options& o,
                                      const std::vector<std::byte>& body) {
  std::filesystem::remove_all(root / "lat");
  RunningWriter w(options_for(root / "lat", o.group_commit_us), root / "key.pem");
  std::vector<double> lat;
  lat.reserve(o.latency_records);
  for (std::size_t i = 0; i < o.latency_records; ++i) {
    const auto t = Clock::now();
    const std::uint64_t pos = w.producer.append(16, 0, body);
    w.producer.notify();
    while (w.producer.durable() < pos) {
    }
    lat.push_back(us_since(t));
  }
  return {percentile(lat, 0.5), percentile(lat, 0.99)};
}

struct Throughput {
  double records_per_s = 0, commits = 0;
  // The writer spins between commits: its CPU per record is an upper bound
  // of the framing, hashing and writing it does.
  double writer_cpu_ns_per_record = 0, bytes_per_record = 0;
};

// Durable throughput into `log_dir`.
Throughput durable_throughput(const std::filesystem::path& root,
                              const std::filesystem::path& log_dir, const Options& o,
                              const std::vector<std::byte>& body) {
  std::filesystem::remove_all(log_dir);
  RunningWriter w(options_for(log_dir, o.group_commit_us), root / "key.pem");
  const auto t = Clock::now();
  std::uint64_t last = 0;
  for (std::size_t i = 0; i < o.throughput_records; ++i) {
    last = w.producer.append(16, static_cast<std::int64_t>(i), body);
    if ((i & 255) == 0) w.producer.notify();
  }
  w.producer.notify();
  while (w.producer.durable() < last) std::this_thread::yield();
  const double us = us_since(t);
  const auto records = static_cast<double>(w.writer.metrics().records.value());
  return {static_cast<double>(o.throughput_records) / us * 1e6,
          static_cast<double>(w.writer.metrics().commits.value()), w.stop_thread() / records,
          static_cast<double>(w.writer.metrics().bytes.value()) / records};
}

struct ReadBack {
  double records_per_s = 0, cpu_ns_per_record = 0;
};

// Verifies and reads back `log_dir`; nullopt when it does not verify.
std::optional<ReadBack> read_back(const std::filesystem::path& log_dir,
                                  const matchgate::crypto::Sm2PublicKey& pub) {
  mw::ScanOptions so;
  so.key = &pub;
  const auto t = Clock::now();
  const double cpu = thread_cpu_ns();
  const mw::ScanResult s = mw::scan_log(log_dir, so);
  const double us = us_since(t);
  const double cpu_ns = thread_cpu_ns() - cpu;
  if (!s.ok()) {
    std::fprintf(stderr, "wal_bench: the log does not verify: %s\n", s.problem->describe().c_str());
    return std::nullopt;
  }
  const auto records = static_cast<double>(s.summary.records);
  return ReadBack{records / us * 1e6, cpu_ns / records};
}

std::size_t floor_bytes_of(const Options& o) {
  return o.floor_bytes > 0 ? o.floor_bytes : mw::record_size(o.payload);
}

void print_medians(const std::vector<Rep>& results, const Options& o) {
  const auto med = [&](double Rep::*field) {
    std::vector<double> v;
    v.reserve(results.size());
    for (const Rep& r : results) v.push_back(r.*field);
    return median(v);
  };
  const double floor50 = med(&Rep::floor_p50);
  const double ack50 = med(&Rep::ack_p50);
  std::printf(
      "\nmedians of %d repetitions, %zu-byte payloads (%zu-byte records; floor writes %zu bytes), "
      "group_commit_us %zu\n",
      o.reps, o.payload, mw::record_size(o.payload), floor_bytes_of(o), o.group_commit_us);
  std::printf("write+fdatasync floor      p50 %8.1f us   p99 %8.1f us\n", floor50,
              med(&Rep::floor_p99));
  std::printf(
      "durable acknowledgement    p50 %8.1f us   p99 %8.1f us   (%.2fx the floor; target <= "
      "1.3x)\n",
      ack50, med(&Rep::ack_p99), ack50 / floor50);
  std::printf("durable throughput         %10.0f records/s (target >= 1,000,000)\n",
              med(&Rep::records_per_s));
  std::printf("verify + read back         %10.0f records/s (10M orders ~ 30M records: %.1f s)\n",
              med(&Rep::read_records_per_s), 30e6 / med(&Rep::read_records_per_s));
  std::printf(
      "writer CPU per record      %10.0f ns (upper bound: the writer spins between commits)\n",
      med(&Rep::writer_cpu_ns_per_record));
  std::printf("verify + read CPU/record   %10.0f ns\n", med(&Rep::read_cpu_ns_per_record));
  std::printf("log bytes per record       %10.1f (commits' bytes / records, seals included)\n",
              med(&Rep::bytes_per_record));
}

int run_all(const Options& o) {
  const std::filesystem::path root(o.dir);
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  matchgate::crypto::generate_sm2_key_pair(root / "key.pem", root / "key.pub.pem");
  const auto pub = matchgate::crypto::Sm2PublicKey::load_pem(root / "key.pub.pem");
  const std::vector<std::byte> body(o.payload, std::byte{0x42});
  std::vector<Rep> results;
  for (int rep = 0; rep < o.reps; ++rep) {
    Rep r;
    const auto floor = floor_latencies(root, o.latency_records, floor_bytes_of(o));
    r.floor_p50 = percentile(floor, 0.5);
    r.floor_p99 = percentile(floor, 0.99);
    std::tie(r.ack_p50, r.ack_p99) = ack_latency(root, o, body);
    const Throughput tp = durable_throughput(root, root / "tp", o, body);
    r.records_per_s = tp.records_per_s;
    r.commits = tp.commits;
    r.writer_cpu_ns_per_record = tp.writer_cpu_ns_per_record;
    r.bytes_per_record = tp.bytes_per_record;
    const std::optional<ReadBack> read = read_back(root / "tp", pub);
    if (!read) return 1;
    r.read_records_per_s = read->records_per_s;
    r.read_cpu_ns_per_record = read->cpu_ns_per_record;
    std::printf(
        "rep %d: floor p50 %.1f us p99 %.1f us | durable ack p50 %.1f us p99 %.1f us | "
        "%.0f records/s in %.0f commits | read back %.0f records/s | writer %.0f ns CPU/record, "
        "read %.0f ns CPU/record, %.1f log bytes/record\n",
        rep + 1, r.floor_p50, r.floor_p99, r.ack_p50, r.ack_p99, r.records_per_s, r.commits,
        r.read_records_per_s, r.writer_cpu_ns_per_record, r.read_cpu_ns_per_record,
        r.bytes_per_record);
    std::fflush(stdout);
    results.push_back(r);
  }
  print_medians(results, o);
  std::filesystem::remove_all(root);
  return 0;
}

// The floor alone, once, as one JSON line; touches only its own file in dir.
int run_floor_only(const Options& o) {
  const std::filesystem::path root(o.dir);
  std::filesystem::create_directories(root);
  const std::size_t bytes = floor_bytes_of(o);
  const auto floor = floor_latencies(root, o.latency_records, bytes);
  std::printf(
      "{\"fdatasync_floor\": {\"bytes\": %zu, \"samples\": %zu, \"p50_us\": %.1f, \"p99_us\": "
      "%.1f}}\n",
      bytes, floor.size(), percentile(floor, 0.5), percentile(floor, 0.99));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"wal_bench: write-ahead log throughput, durable latency and read-back speed"};
  Options o;
  bool floor_only = false;
  bool prepare_segments = false;
  cli.add_option("--dir", o.dir, "Scratch directory (on the disk to measure)");
  cli.add_option("--latency-records", o.latency_records,
                 "Records per latency run (appends per size with --prepare-segments)");
  cli.add_option("--throughput-records", o.throughput_records, "Records per throughput run");
  cli.add_option("--payload", o.payload, "Payload bytes per record (an order request is ~80-140)");
  cli.add_option("--floor-bytes", o.floor_bytes,
                 "Bytes per write of the floor (default: one record of --payload)");
  cli.add_option("--group-commit-us", o.group_commit_us, "[wal] group_commit_us");
  cli.add_option("--reps", o.reps, "Repetitions (medians are printed)");
  cli.add_option("--segment-mb", o.segment_mb, "Segment size for --prepare-segments (MiB)");
  auto* floor_flag =
      cli.add_flag("--floor-only", floor_only, "Only the fdatasync floor, once, as one JSON line");
  cli.add_flag("--prepare-segments", prepare_segments,
               "Compare zero-fill, fallocate and recycling of a new segment")
      ->excludes(floor_flag);
  CLI11_PARSE(cli, argc, argv);
  if (floor_only) return run_floor_only(o);
  if (prepare_segments) {
    return matchgate::wal_bench::run_segment_preparation(
        {o.dir, o.segment_mb << 20, o.latency_records, o.reps});
  }
  return run_all(o);
}
