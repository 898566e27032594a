// matchgate-wal: keygen, verify, dump, stats and snapshots for a matchgate
// write-ahead log. docs/WAL.md describes the format these commands read.
//
//   matchgate-wal keygen    --private KEY.pem --public KEY.pub.pem
//   matchgate-wal verify    --dir DIR --pubkey KEY.pub.pem [--sm2-id ID]
//   matchgate-wal dump      --dir DIR [--pubkey KEY.pub.pem] [--sm2-id ID] [--json] [--from SEQ]
//   [--to SEQ] matchgate-wal stats     --dir DIR [--pubkey KEY.pub.pem] [--sm2-id ID] matchgate-wal
//   snapshots --dir DIR --pubkey KEY.pub.pem [--sm2-id ID]
//
// Exit status: 0 clean, 1 damaged or tampered (or the command failed, or
// there is no log in DIR), 2 usage error. Without --pubkey, dump and stats
// check framing, CRCs and the SM3 chain but not the SM2 signatures, and
// cannot start from a snapshot.
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "matchgate/crypto/sm2.hpp"
#include "matchgate/records/record_types.hpp"
#include "matchgate/wal/snapshot.hpp"
#include "matchgate/wal/wal_reader.hpp"

namespace {

namespace mw = matchgate::wal;
namespace mr = matchgate::records;
namespace mc = matchgate::crypto;

constexpr int kExitOk = 0;
constexpr int kExitDamaged = 1;
constexpr int kExitUsage = 2;

std::string utc(std::int64_t ns) {
  const std::time_t t = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%09lldZ", static_cast<long long>(ns % 1'000'000'000));
  return buf;
}

std::optional<mc::Sm2PublicKey> load_key(const std::string& path) {
  if (path.empty()) return std::nullopt;
  return mc::Sm2PublicKey::load_pem(path);
}

using ull = unsigned long long;

void print_problem(const mw::ScanResult& r) {
  if (r.problem) std::printf("DAMAGED: %s\n", r.problem->describe().c_str());
}

void print_torn(const mw::ScanResult& r) {
  if (!r.torn_tail) return;
  const mw::TornTail& t = *r.torn_tail;
  std::printf(
      "note: incomplete last write in %s at offset %llu (%llu bytes, record %llu on): a crash "
      "mid-write; matchgated cuts it at its next start\n",
      t.segment.filename().c_str(), static_cast<ull>(t.offset), static_cast<ull>(t.bytes),
      static_cast<ull>(t.first_lost_seq));
}

// A directory that does not exist, or holds no segment, is not a log that
// verifies as empty: it is most likely the wrong --dir.
std::optional<int> require_log(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    std::fprintf(stderr, "matchgate-wal: no log: %s does not exist\n", dir.c_str());
    return kExitDamaged;
  }
  if (!std::filesystem::is_directory(dir, ec)) {
    std::fprintf(stderr, "matchgate-wal: no log: %s is not a directory\n", dir.c_str());
    return kExitDamaged;
  }
  if (mw::list_segments(dir).empty()) {
    std::fprintf(stderr,
                 "matchgate-wal: no log in %s: it holds no segment files "
                 "(wal-YYYYMMDD-NNNNNN.log)\n",
                 dir.c_str());
    return kExitDamaged;
  }
  return std::nullopt;
}

// Every snapshot of the directory, read and checked (payloads dropped).
std::vector<mw::SnapshotRead> read_snapshots(const std::string& dir, const mc::Sm2PublicKey& key,
                                             const std::string& id) {
  std::vector<mw::SnapshotRead> out;
  for (const mw::SnapshotFile& f : mw::list_snapshots(dir)) {
    mw::SnapshotRead r = mw::read_snapshot(f.path, key, id);
    r.payload = {};
    out.push_back(std::move(r));
  }
  return out;
}

// Where to start reading. The whole log while segment 1 is there; once
// retention has removed the first segments, after the oldest valid snapshot
// the remaining log continues from (the scan checks that it does).
struct Plan {
  std::optional<mw::StartPoint> start;
  std::string snapshot;       // its file name
  std::string first_segment;  // the oldest segment left
  std::string why_not;        // segment 1 is gone but no snapshot helps
};

Plan plan_scan(const std::string& dir, const std::vector<mw::SnapshotRead>& snapshots,
               bool have_key) {
  Plan plan;
  const std::vector<mw::SegmentFile> segments = mw::list_segments(dir);
  if (segments.empty() || segments.front().index == 1) return plan;
  plan.first_segment = segments.front().path.filename().string();
  if (!have_key) {
    plan.why_not = "segment 1 is gone; with --pubkey the log is read from a valid snapshot";
    return plan;
  }
  const std::optional<mw::SegmentHeader> oldest = mw::read_segment_header(segments.front().path);
  for (const mw::SnapshotRead& r : snapshots) {  // oldest first
    if (!r.ok()) continue;
    if (oldest && r.info->seq + 1 < oldest->first_seq) continue;  // its records are gone too
    plan.start = r.info->start_point();
    plan.snapshot = r.path.filename().string();
    return plan;
  }
  plan.why_not =
      "segment 1 is gone and no valid snapshot covers the records before " + plan.first_segment;
  return plan;
}

void print_plan(std::FILE* out, const Plan& plan, const char* what) {
  if (plan.start) {
    std::fprintf(out,
                 "from snapshot %s: the segments before %s were removed, so the log is %s after "
                 "record %llu\n",
                 plan.snapshot.c_str(), plan.first_segment.c_str(), what,
                 static_cast<ull>(plan.start->seq));
  } else if (!plan.why_not.empty()) {
    std::fprintf(out, "note: %s\n", plan.why_not.c_str());
  }
}

// The log's chain hash and start count at a valid snapshot's record, and
// whether that record ends a block (only a block has a hash); none where
// the log read does not hold the record.
struct AtRecord {
  mw::Hash hash{};
  std::uint64_t boots = 0;
  bool ends_block = false;
};
using LoggedAt = std::map<std::uint64_t, std::optional<AtRecord>>;

// Why a valid snapshot contradicts the log that was read, or empty (after
// a note when the log no longer holds its record).
std::string snapshot_against_log(const mw::SnapshotInfo& info, const std::string& name,
                                 const LoggedAt& at, const Plan& plan, const mw::ScanResult& r) {
  const std::uint64_t seq = info.seq;
  const std::optional<AtRecord>& logged = at.at(seq);
  if (plan.start && seq == plan.start->seq) {
    return {};  // the starting point: the scan checked that the log continues from it
  }
  if (logged) {
    if (!logged->ends_block) {
      return "its record " + std::to_string(seq) + " does not end a block of the log";
    }
    if (logged->hash != info.chain_hash) {
      return "its chain hash differs from the log's record " + std::to_string(seq);
    }
    if (logged->boots != info.boots) {
      return "it counts " + std::to_string(info.boots) + " starts up to record " +
             std::to_string(seq) + ", the log " + std::to_string(logged->boots);
    }
    return {};
  }
  const std::uint64_t first_read = plan.start ? plan.start->seq + 1 : 1;
  const std::uint64_t log_end = r.tail.next_seq - 1;
  if (seq < first_read) {
    std::printf(
        "note: snapshot %s (record %llu) is older than the log left in the directory; "
        "not compared with it\n",
        name.c_str(), static_cast<ull>(seq));
  } else if (r.ok() && seq > log_end) {
    return "it includes record " + std::to_string(seq) + ", but the log ends at record " +
           std::to_string(log_end) + " (the end of the log is missing)";
  }
  return {};
}

int verify(const std::string& dir, const std::string& pubkey, const std::string& id) {
  const mc::Sm2PublicKey key = mc::Sm2PublicKey::load_pem(pubkey);
  if (auto rc = require_log(dir)) return *rc;
  const std::vector<mw::SnapshotRead> snapshots = read_snapshots(dir, key, id);
  const Plan plan = plan_scan(dir, snapshots, true);
  mw::ScanOptions options;
  options.key = &key;
  options.sm2_id = id;
  options.start = plan.start;

  LoggedAt at;
  for (const mw::SnapshotRead& r : snapshots) {
    if (r.ok()) at[r.info->seq];
  }
  std::uint64_t boots = plan.start ? plan.start->boots : 0;
  const mw::ScanResult r = mw::scan_log(dir, options, [&](const mw::RecordView& v) {
    if (v.header.type == static_cast<std::uint16_t>(mw::RecordType::Start)) {
      if (auto st = mw::decode_start(v.payload)) boots = st->boot;
    }
    if (auto it = at.find(v.header.seq); it != at.end()) {
      it->second = AtRecord{v.ends_block() ? v.block->hash : mw::Hash{}, boots, v.ends_block()};
    }
  });
  const mw::LogSummary& s = r.summary;
  print_plan(stdout, plan, "verified");
  bool damaged = false;
  if (!r.ok()) {
    print_problem(r);
    damaged = true;
  } else {
    std::printf(
        "OK: %llu records in %llu segments, chain intact, %llu seals verified (key %s); sealed up "
        "to record %llu of %llu",
        static_cast<ull>(s.records), static_cast<ull>(s.segments), static_cast<ull>(s.seals),
        mc::to_hex(key.fingerprint()).substr(0, 16).c_str(), static_cast<ull>(s.last_sealed_seq),
        static_cast<ull>(s.last_seq));
    if (s.unsealed_records > 0) {
      std::printf("; %llu records after the last seal are chained but not yet signed",
                  static_cast<ull>(s.unsealed_records));
    }
    std::printf("\n");
    print_torn(r);
  }

  // Each snapshot: valid in itself, and tied to this log where the log
  // still holds its record.
  std::uint64_t valid = 0;
  std::string seqs;
  for (const mw::SnapshotRead& snap : snapshots) {
    const std::string name = snap.path.filename().string();
    if (!snap.ok()) {
      std::printf("DAMAGED: snapshot %s: %s\n", name.c_str(), snap.problem->c_str());
      damaged = true;
      continue;
    }
    const mw::SnapshotInfo& info = *snap.info;
    const std::string bad = snapshot_against_log(info, name, at, plan, r);
    if (!bad.empty()) {
      std::printf("DAMAGED: snapshot %s: %s\n", name.c_str(), bad.c_str());
      damaged = true;
      continue;
    }
    ++valid;
    seqs += (seqs.empty() ? "" : ", ") + std::to_string(info.seq);
  }
  if (snapshots.empty()) {
    std::printf("snapshots: none\n");
  } else if (valid > 0) {
    std::printf("snapshots: %llu verified (record%s %s)\n", static_cast<ull>(valid),
                valid == 1 ? "" : "s", seqs.c_str());
  }
  return damaged ? kExitDamaged : kExitOk;
}

// One line for a block, before the first of its records that dump prints.
void print_block(const mw::RecordView& v, bool json) {
  const mw::BlockView& b = *v.block;
  if (json) {
    std::printf(
        "{\"block\":{\"first_seq\":%llu,\"records\":%u,\"hash\":\"%s\",\"segment\":\"%s\","
        "\"offset\":%llu,\"length\":%u}}\n",
        static_cast<ull>(b.first_seq), b.record_count, mc::to_hex(b.hash).c_str(),
        v.segment->filename().c_str(), static_cast<ull>(b.offset), b.length);
  } else {
    std::printf("block %llu..%llu records=%u hash=\"%s\" segment=\"%s\" offset=%llu length=%u\n",
                static_cast<ull>(b.first_seq), static_cast<ull>(b.last_seq()), b.record_count,
                mc::to_hex(b.hash).c_str(), v.segment->filename().c_str(),
                static_cast<ull>(b.offset), b.length);
  }
}

void print_record(const mw::RecordView& v, bool json) {
  const auto fields = mr::describe(v.header.type, v.payload);
  if (json) {
    std::printf("{\"seq\":%llu,\"time\":\"%s\",\"type\":\"%s\",\"segment\":\"%s\",\"offset\":%llu",
                static_cast<ull>(v.header.seq), utc(v.header.time_ns).c_str(),
                mr::type_name(v.header.type).c_str(), v.segment->filename().c_str(),
                static_cast<ull>(v.offset));
    for (const auto& [k, val] : fields) std::printf(",\"%s\":%s", k.c_str(), val.c_str());
    std::printf("}\n");
  } else {
    std::printf("%llu %s %s", static_cast<ull>(v.header.seq), utc(v.header.time_ns).c_str(),
                mr::type_name(v.header.type).c_str());
    for (const auto& [k, val] : fields) std::printf(" %s=%s", k.c_str(), val.c_str());
    std::printf("\n");
  }
}

int dump(const std::string& dir, const std::string& pubkey, const std::string& id, bool json,
         std::uint64_t from, std::uint64_t to) {
  const std::optional<mc::Sm2PublicKey> key = load_key(pubkey);
  if (auto rc = require_log(dir)) return *rc;
  const Plan plan = plan_scan(
      dir, key ? read_snapshots(dir, *key, id) : std::vector<mw::SnapshotRead>{}, key.has_value());
  print_plan(stderr, plan, "read");
  mw::ScanOptions options;
  options.key = key ? &*key : nullptr;
  options.sm2_id = id;
  options.start = plan.start;
  std::uint64_t block_shown = 0;  // first_seq of the last block printed (sequence numbers >= 1)
  const mw::ScanResult r = mw::scan_log(dir, options, [&](const mw::RecordView& v) {
    if (v.header.seq < from || v.header.seq > to) return;
    if (v.block->first_seq != block_shown) {
      print_block(v, json);
      block_shown = v.block->first_seq;
    }
    print_record(v, json);
  });
  if (!r.ok()) {
    print_problem(r);
    return kExitDamaged;
  }
  if (!json) print_torn(r);
  return kExitOk;
}

int stats(const std::string& dir, const std::string& pubkey, const std::string& id) {
  const std::optional<mc::Sm2PublicKey> key = load_key(pubkey);
  if (auto rc = require_log(dir)) return *rc;
  const Plan plan = plan_scan(
      dir, key ? read_snapshots(dir, *key, id) : std::vector<mw::SnapshotRead>{}, key.has_value());
  mw::ScanOptions options;
  options.key = key ? &*key : nullptr;
  options.sm2_id = id;
  options.start = plan.start;
  const mw::ScanResult r = mw::scan_log(dir, options);
  const mw::LogSummary& s = r.summary;
  print_plan(stdout, plan, "read");
  std::printf("segments        %llu\n", static_cast<ull>(s.segments));
  std::printf("records         %llu (seq %llu..%llu)\n", static_cast<ull>(s.records),
              static_cast<ull>(s.first_seq), static_cast<ull>(s.last_seq));
  for (const auto& [type, count] : s.records_by_type) {
    std::printf("  %-13s %llu\n", mr::type_name(type).c_str(), static_cast<ull>(count));
  }
  std::printf("blocks          %llu\n", static_cast<ull>(s.blocks));
  std::printf("record bytes    %llu (the blocks: headers, records, padding)\n",
              static_cast<ull>(s.bytes));
  if (s.records > 0) {
    std::printf("bytes/record    %.1f\n",
                static_cast<double>(s.bytes) / static_cast<double>(s.records));
  }
  if (s.records > 0) {
    std::printf("first record    %s\n", utc(s.first_time_ns).c_str());
    std::printf("last record     %s\n", utc(s.last_time_ns).c_str());
  }
  std::printf("starts          %llu\n", static_cast<ull>(s.boots));
  std::printf("seals           %llu%s, sealed up to %llu, %llu records unsealed\n",
              static_cast<ull>(s.seals), key ? " (verified)" : " (not verified)",
              static_cast<ull>(s.last_sealed_seq), static_cast<ull>(s.unsealed_records));
  std::printf("clean shutdown  %s\n", s.clean_shutdown ? "yes" : "no");
  print_torn(r);
  if (!r.ok()) {
    print_problem(r);
    return kExitDamaged;
  }
  return kExitOk;
}

int snapshots(const std::string& dir, const std::string& pubkey, const std::string& id) {
  const mc::Sm2PublicKey key = mc::Sm2PublicKey::load_pem(pubkey);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    std::fprintf(stderr, "matchgate-wal: no log: %s does not exist or is not a directory\n",
                 dir.c_str());
    return kExitDamaged;
  }
  const std::vector<mw::SnapshotRead> all = read_snapshots(dir, key, id);
  if (all.empty()) {
    std::printf("no snapshots in %s\n", dir.c_str());
    return kExitOk;
  }
  bool damaged = false;
  for (const mw::SnapshotRead& r : all) {
    std::uint64_t seq = 0;
    mw::parse_snapshot_file_name(r.path.filename().string(), seq);
    const std::string time = r.info ? utc(r.info->created_ns) : std::string("-");
    const std::string bytes = r.info ? std::to_string(r.info->payload_bytes) : std::string("-");
    std::printf("%s  record %llu  %s  payload %s bytes  %s%s\n", r.path.filename().c_str(),
                static_cast<ull>(seq), time.c_str(), bytes.c_str(),
                r.ok() ? "valid" : "INVALID: ", r.ok() ? "" : r.problem->c_str());
    damaged = damaged || !r.ok();
  }
  return damaged ? kExitDamaged : kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"matchgate-wal: keys, verification and inspection of a matchgate write-ahead log",
               "matchgate-wal"};
  cli.require_subcommand(1);
  cli.footer(
      "Exit status: 0 clean, 1 damaged or tampered (or the command failed, or no log in --dir), 2 "
      "usage error.");
  std::string dir, pubkey, private_key, public_key;
  std::string id(mc::kDefaultSm2Id);
  bool json = false;
  std::uint64_t from = 0;
  std::uint64_t to = ~std::uint64_t{0};

  CLI::App* keygen = cli.add_subcommand("keygen", "Create an SM2 key pair for sealing a log");
  keygen->add_option("--private", private_key, "Private key file to create (PEM, mode 0600)")
      ->required();
  keygen->add_option("--public", public_key, "Public key file to create (PEM)")->required();

  CLI::App* verify_cmd = cli.add_subcommand(
      "verify",
      "Check every segment, record, chain link, seal and snapshot; name the first problem in the "
      "log and every damaged snapshot");
  verify_cmd->add_option("--dir", dir, "Log directory")->required();
  verify_cmd->add_option("--pubkey", pubkey, "The sealing public key (PEM)")->required();
  verify_cmd->add_option("--sm2-id", id, "SM2 distinguishing ID of the signer");

  CLI::App* dump_cmd = cli.add_subcommand("dump", "Print every record, one per line");
  dump_cmd->add_option("--dir", dir, "Log directory")->required();
  dump_cmd->add_option("--pubkey", pubkey, "Verify seals with this public key (PEM)");
  dump_cmd->add_option("--sm2-id", id, "SM2 distinguishing ID of the signer");
  dump_cmd->add_flag("--json", json, "One JSON object per line");
  dump_cmd->add_option("--from", from, "First sequence number to print");
  dump_cmd->add_option("--to", to, "Last sequence number to print");

  CLI::App* stats_cmd = cli.add_subcommand("stats", "Summarise the log");
  stats_cmd->add_option("--dir", dir, "Log directory")->required();
  stats_cmd->add_option("--pubkey", pubkey, "Verify seals with this public key (PEM)");
  stats_cmd->add_option("--sm2-id", id, "SM2 distinguishing ID of the signer");

  CLI::App* snapshots_cmd = cli.add_subcommand(
      "snapshots", "List the snapshots: record, time, payload bytes, valid or why not");
  snapshots_cmd->add_option("--dir", dir, "Log directory")->required();
  snapshots_cmd->add_option("--pubkey", pubkey, "The sealing public key (PEM)")->required();
  snapshots_cmd->add_option("--sm2-id", id, "SM2 distinguishing ID of the signer");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = cli.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  try {
    if (keygen->parsed()) {
      mc::generate_sm2_key_pair(private_key, public_key);
      const auto key = mc::Sm2PublicKey::load_pem(public_key);
      std::printf("created %s (private, mode 0600) and %s; key fingerprint %s\n",
                  private_key.c_str(), public_key.c_str(), mc::to_hex(key.fingerprint()).c_str());
      return kExitOk;
    }
    if (verify_cmd->parsed()) return verify(dir, pubkey, id);
    if (dump_cmd->parsed()) return dump(dir, pubkey, id, json, from, to);
    if (stats_cmd->parsed()) return stats(dir, pubkey, id);
    if (snapshots_cmd->parsed()) return snapshots(dir, pubkey, id);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "matchgate-wal: %s\n", e.what());
    return kExitDamaged;
  }
  return kExitUsage;
}
