// Retention: which segments and snapshots the kept snapshots make
// unnecessary. docs/WAL.md section 10.4 states the policy.
#include <stdexcept>

#include "matchgate/wal/snapshot.hpp"
#include "matchgate/wal/wal_segment.hpp"

namespace matchgate::wal {

RetentionReport remove_covered_segments(const std::filesystem::path& dir,
                                        const crypto::Sm2PublicKey& key, std::string_view sm2_id,
                                        const RetentionOptions& options) {
  if (options.keep_snapshots == 0) {
    throw std::invalid_argument("retention must keep at least one snapshot");
  }
  RetentionReport report;
  const std::vector<SegmentFile> segments = list_segments(dir);
  if (segments.empty()) return report;
  // Where the log that is still here begins.
  const std::optional<SegmentHeader> oldest = read_segment_header(segments.front().path);

  // Newest first: the usable ones until `keep_snapshots` are kept; valid
  // ones older than every record the log still holds may go later.
  struct Candidate {
    SnapshotFile file;
    SnapshotInfo info;
  };
  std::vector<Candidate> kept;
  std::vector<SnapshotFile> older;  // valid, not kept: usable, or older than the log
  const std::vector<SnapshotFile> files = list_snapshots(dir);
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
    const SnapshotRead r = read_snapshot(it->path, key, sm2_id);
    if (!r.ok()) {
      report.ignored.emplace_back(it->path, *r.problem);
      continue;
    }
    const SnapshotInfo& info = *r.info;
    const std::optional<Hash> logged = logged_chain_hash(dir, info.seq);
    if (!logged) {
      if (oldest && info.seq + 1 < oldest->first_seq) {
        older.push_back(*it);  // its records are gone already
      } else {
        report.ignored.emplace_back(
            it->path,
            "the log does not hold record " + std::to_string(info.seq) + " at the end of a block");
      }
      continue;
    }
    if (*logged != info.chain_hash) {
      report.ignored.emplace_back(
          it->path, "its chain hash differs from the log's record " + std::to_string(info.seq));
      continue;
    }
    if (kept.size() < options.keep_snapshots) {
      kept.push_back(Candidate{*it, info});
    } else {
      older.push_back(*it);
    }
  }
  if (kept.empty()) return report;
  for (const Candidate& c : kept) report.kept.push_back(c.file);
  const Candidate& anchor = kept.back();
  report.anchor = anchor.file;

  // Segment i goes if the next one starts at or before anchor seq + 1 (so
  // every record of i is at or before the anchor's), both indexes are
  // consecutive and i is below the segment the anchor names. The last
  // segment always stays.
  for (std::size_t i = 0; i + 1 < segments.size(); ++i) {
    const SegmentFile& seg = segments[i];
    const SegmentFile& next = segments[i + 1];
    if (next.index != seg.index + 1 || seg.index >= anchor.info.segment_index) break;
    const std::optional<SegmentHeader> h = read_segment_header(next.path);
    if (!h || h->first_seq > anchor.info.seq + 1) break;
    report.segments.push_back(seg.path);
  }
  for (auto it = older.rbegin(); it != older.rend(); ++it) {
    if (it->seq < anchor.file.seq) report.snapshots.push_back(it->path);
  }
  if (options.dry_run) return report;
  for (const auto& path : report.segments) std::filesystem::remove(path);
  for (const auto& path : report.snapshots) std::filesystem::remove(path);
  if (!report.segments.empty() || !report.snapshots.empty()) sync_directory(dir);
  return report;
}

}  // namespace matchgate::wal
