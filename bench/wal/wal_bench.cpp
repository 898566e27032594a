// wal_bench: what group commit costs and delivers on this machine.
//
//   wal_bench [--dir DIR] [--latency-records N] [--throughput-records N]
//             [--payload BYTES] [--group-commit-us US] [--reps R]
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
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "matchgate/crypto/sm2.hpp"
#include "matchgate/wal/wal_reader.hpp"
#include "matchgate/wal/wal_segment.hpp"
#include "matchgate/wal/wal_writer.hpp"

namespace {

namespace mw = matchgate::wal;
using Clock = std::chrono::steady_clock;

double us_since(Clock::time_point t) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// CPU time of the calling thread, ns.
double thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  return percentile(std::move(v), 0.5);
}

struct Rep {
  double floor_p50 = 0, floor_p99 = 0;
  double ack_p50 = 0, ack_p99 = 0;
  double records_per_s = 0, commits = 0;
  double read_records_per_s = 0;
  double writer_cpu_ns_per_record = 0, read_cpu_ns_per_record = 0, bytes_per_record = 0;
};

std::vector<double> floor_latencies(const std::filesystem::path& dir, std::size_t n,
                                    std::size_t bytes) {
  const auto path = dir / "floor.bin";
  std::filesystem::remove(path);
  mw::WalSegment f = mw::WalSegment::create(path, std::uint64_t{64} << 20);
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
  RunningWriter(const mw::WalOptions& o, const matchgate::crypto::Sm2PrivateKey& key,
                const std::filesystem::path& key_path)
      : writer(o, {}, matchgate::crypto::Sm2PrivateKey::load_pem(key_path),
               mw::WalMetrics::registered(group)),
        producer(writer.add_producer()) {
    (void)key;
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"wal_bench: write-ahead log throughput, durable latency and read-back speed"};
  std::string dir = "/tmp/matchgate-wal-bench";
  std::size_t latency_records = 2000;
  std::size_t throughput_records = 1'000'000;
  std::size_t payload = 120;
  std::size_t group_commit_us = 0;
  int reps = 3;
  cli.add_option("--dir", dir, "Scratch directory (on the disk to measure)");
  cli.add_option("--latency-records", latency_records, "Records per latency run");
  cli.add_option("--throughput-records", throughput_records, "Records per throughput run");
  cli.add_option("--payload", payload, "Payload bytes per record (an order request is ~80-140)");
  cli.add_option("--group-commit-us", group_commit_us, "[wal] group_commit_us");
  cli.add_option("--reps", reps, "Repetitions (medians are printed)");
  CLI11_PARSE(cli, argc, argv);

  const std::filesystem::path root(dir);
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  matchgate::crypto::generate_sm2_key_pair(root / "key.pem", root / "key.pub.pem");
  const auto key = matchgate::crypto::Sm2PrivateKey::load_pem(root / "key.pem");
  const auto pub = matchgate::crypto::Sm2PublicKey::load_pem(root / "key.pub.pem");
  const std::vector<std::byte> body(payload, std::byte{0x42});
  const std::size_t record_bytes = mw::record_size(payload);

  std::vector<Rep> results;
  for (int rep = 0; rep < reps; ++rep) {
    Rep r;
    const auto floor = floor_latencies(root, latency_records, record_bytes);
    r.floor_p50 = percentile(floor, 0.5);
    r.floor_p99 = percentile(floor, 0.99);

    {
      std::filesystem::remove_all(root / "lat");
      RunningWriter w(options_for(root / "lat", group_commit_us), key, root / "key.pem");
      std::vector<double> lat;
      lat.reserve(latency_records);
      for (std::size_t i = 0; i < latency_records; ++i) {
        const auto t = Clock::now();
        const std::uint64_t pos = w.producer.append(16, 0, body);
        w.producer.notify();
        while (w.producer.durable() < pos) {
        }
        lat.push_back(us_since(t));
      }
      r.ack_p50 = percentile(lat, 0.5);
      r.ack_p99 = percentile(lat, 0.99);
    }

    const auto log_dir = root / "tp";
    {
      std::filesystem::remove_all(log_dir);
      RunningWriter w(options_for(log_dir, group_commit_us), key, root / "key.pem");
      const auto t = Clock::now();
      std::uint64_t last = 0;
      for (std::size_t i = 0; i < throughput_records; ++i) {
        last = w.producer.append(16, static_cast<std::int64_t>(i), body);
        if ((i & 255) == 0) w.producer.notify();
      }
      w.producer.notify();
      while (w.producer.durable() < last) std::this_thread::yield();
      const double us = us_since(t);
      r.records_per_s = static_cast<double>(throughput_records) / us * 1e6;
      r.commits = static_cast<double>(w.writer.metrics().commits.value());
      // The writer spins between commits: its CPU per record is an upper
      // bound of the framing, hashing and writing it does.
      const auto n = static_cast<double>(w.writer.metrics().records.value());
      r.writer_cpu_ns_per_record = w.stop_thread() / n;
      r.bytes_per_record = static_cast<double>(w.writer.metrics().bytes.value()) / n;
    }
    {
      mw::ScanOptions so;
      so.key = &pub;
      const auto t = Clock::now();
      const double cpu = thread_cpu_ns();
      const mw::ScanResult s = mw::scan_log(log_dir, so);
      const double us = us_since(t);
      r.read_cpu_ns_per_record = (thread_cpu_ns() - cpu) / static_cast<double>(s.summary.records);
      if (!s.ok()) {
        std::fprintf(stderr, "wal_bench: the log does not verify: %s\n",
                     s.problem->describe().c_str());
        return 1;
      }
      r.read_records_per_s = static_cast<double>(s.summary.records) / us * 1e6;
    }
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
  const auto med = [&](double Rep::*field) {
    std::vector<double> v;
    for (const Rep& r : results) v.push_back(r.*field);
    return median(v);
  };
  const double floor50 = med(&Rep::floor_p50);
  const double ack50 = med(&Rep::ack_p50);
  std::printf(
      "\nmedians of %d repetitions, %zu-byte payloads (%zu-byte records), group_commit_us %zu\n",
      reps, payload, record_bytes, group_commit_us);
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
  std::filesystem::remove_all(root);
  return 0;
}
