// Acknowledged means durable, tested against the power, not just the
// process: the real WalWriter writes through FaultInjectingIo, the power
// goes off at a chosen pwrite or fdatasync, every file is cut back to what
// was fdatasync'd, and the real reader must give back every record whose
// results a member may have been told (docs/WAL.md 1, 6.3, 6.8). The same
// runs with sync = "async" and "none", and with the writer's fdatasync
// ignored, must lose acknowledged records: those negative controls prove
// the check can fail.
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <system_error>

#include "support/fault_injecting_io.hpp"
#include "wal/wal_test_util.hpp"

namespace matchgate::wal::testing {
namespace {

using matchgate::testing::FaultInjectingIo;
using matchgate::testing::Tear;

constexpr std::uint16_t kUserType = 16;
constexpr std::uint64_t kRecords = 7'000;  // a 1 MiB segment and the start of a second
constexpr std::uint64_t kPerCommit = 32;

std::int64_t time_of(std::uint64_t i) {
  return 1'700'000'000'000'000'000 + static_cast<std::int64_t>(i);
}

// What a member may have been told when the power went: in group mode a
// message leaves only once durable() has passed its record (the
// DurableOutbox, WAL.md 6.4); in async and none nothing is held, so results
// may leave as soon as their record is appended.
std::uint64_t acknowledged(SyncMode mode, const WalProducer& p) {
  return mode == SyncMode::Group ? p.durable() : p.appended();
}

// Where the power goes off: just before the nth call of `op` on a segment
// file, counted from the end of batch `after_batch` (0: from the writer's
// start, after its Start record); no op: after the last record.
struct PowerCut {
  std::optional<FileOp> op;
  std::uint64_t nth = 0;
  Tear tear = Tear::none;
  std::uint64_t after_batch = 0;
};

struct Outcome {
  std::uint64_t acknowledged = 0;
  std::uint64_t recovered = 0;         // leading user records read back, each exactly as appended
  std::string problem;                 // what the reader refused, if anything
  bool cut_during_run = false;         // the power went off before the last record
  std::uint64_t rotated_in_batch = 0;  // the first batch that opened a second segment
};

// Appends user records on this thread, the writer committing every
// kPerCommit of them, until the power goes off.
void write_until_power_cut(const TempLog& log, FaultInjectingIo& io, SyncMode mode,
                           const PowerCut& cut, Outcome& out) {
  WalOptions o = log.options();
  o.sync = mode;
  o.file_io = &io;
  WalWriter w(o, {}, log.key());
  WalProducer& p = w.add_producer();
  if (cut.op && cut.after_batch == 0) io.lose_power_at(*cut.op, cut.nth);
  try {
    for (std::uint64_t i = 0; i < kRecords; ++i) {
      p.append(kUserType, time_of(i), payload_of(i));
      if (i % kPerCommit != kPerCommit - 1) continue;
      const std::uint64_t batch = i / kPerCommit + 1;
      p.settle(p.appended());  // no reports to wait for: the group goes at once
      w.do_work();
      if (out.rotated_in_batch == 0 && log.segments().size() > 1) out.rotated_in_batch = batch;
      if (cut.op && cut.after_batch == batch) io.lose_power_at(*cut.op, cut.nth);
    }
    pump(w, p);
  } catch (const std::exception&) {
    EXPECT_TRUE(io.powered_off()) << "the writer failed before the power cut";
  }
  out.cut_during_run = io.powered_off();
  out.acknowledged = acknowledged(mode, p);
  io.lose_power();
  // The writer is dropped as a dead machine leaves it: no Shutdown, no seal.
}

// After the reboot, reads the log as recovery does.
void read_back(const TempLog& log, Outcome& out) {
  std::uint64_t next = 0;
  const ScanResult r = log.scan([&](const RecordView& v) {
    if (v.header.type != kUserType) return;
    const auto expected = payload_of(next);
    if (v.payload.size() == expected.size() &&
        std::memcmp(v.payload.data(), expected.data(), expected.size()) == 0) {
      ++next;
    } else if (out.problem.empty()) {
      out.problem =
          "record " + std::to_string(v.header.seq) + " is not user record " + std::to_string(next);
    }
  });
  out.recovered = next;
  if (!r.ok()) out.problem = r.problem->describe();
  if (r.ok() && r.torn_tail) cut_torn_tail(*r.torn_tail);
}

Outcome run(SyncMode mode, const PowerCut& cut, FaultInjectingIo* with_io = nullptr) {
  TempLog log;
  FaultInjectingIo own_io;
  FaultInjectingIo& io = with_io != nullptr ? *with_io : own_io;
  Outcome out;
  write_until_power_cut(log, io, mode, cut, out);
  io.reboot(cut.tear);
  read_back(log, out);
  return out;
}

std::string describe(const PowerCut& cut) {
  if (!cut.op) return "power cut after the last record";
  return std::string("power cut before ") + (*cut.op == FileOp::pwrite ? "pwrite " : "fdatasync ") +
         std::to_string(cut.nth) + " after batch " + std::to_string(cut.after_batch) +
         (cut.tear == Tear::half ? ", last write torn" : "");
}

void expect_acknowledged_recovered(const PowerCut& cut) {
  const Outcome o = run(SyncMode::Group, cut);
  SCOPED_TRACE(describe(cut));
  EXPECT_TRUE(o.cut_during_run);
  EXPECT_EQ(o.problem, "");
  EXPECT_GE(o.recovered, o.acknowledged);
  EXPECT_GE(o.acknowledged + kPerCommit, o.recovered)
      << "more than the group in flight survived a power cut";
}

TEST(WalPowerLoss, GroupCommitRecoversEveryAcknowledgedRecord) {
  FaultInjectingIo io;
  const Outcome whole = run(SyncMode::Group, PowerCut{}, &io);
  ASSERT_EQ(whole.recovered, kRecords) << whole.problem;
  ASSERT_GT(whole.rotated_in_batch, 1u);
  // Calls made by the writer's start (creating the first segment, the
  // Start record's commit) are not counted by the cuts, and a run may make
  // a few calls fewer than this one (seals arrive when the sealer is done).
  for (const FileOp op : {FileOp::fdatasync, FileOp::pwrite}) {
    ASSERT_GT(io.calls(op), kRecords / kPerCommit);  // one per group at least
    const std::uint64_t total = io.calls(op) - 10;
    for (std::uint64_t nth = 1; nth <= total; nth += 13) {
      expect_acknowledged_recovered({op, nth, nth % 2 == 0 ? Tear::half : Tear::none});
    }
  }
}

// A rotation closes a segment (commit, seal, commit) and opens the next
// (its header, then the first group in it): a power cut at each call of
// the batch that rotates.
TEST(WalPowerLoss, GroupCommitRecoversEveryAcknowledgedRecordAcrossARotation) {
  const Outcome whole = run(SyncMode::Group, PowerCut{});
  ASSERT_GT(whole.rotated_in_batch, 1u);
  for (const FileOp op : {FileOp::fdatasync, FileOp::pwrite}) {
    for (std::uint64_t nth = 1; nth <= 4; ++nth) {
      for (const Tear tear : {Tear::none, Tear::half}) {
        expect_acknowledged_recovered({op, nth, tear, whole.rotated_in_batch - 1});
      }
    }
  }
}

// Negative controls: the same check must see loss where the mode allows it.
TEST(WalPowerLoss, AsyncLosesAcknowledgedRecordsAtAPowerCut) {
  for (const std::uint64_t nth : {1, 40, 120, 200}) {
    const PowerCut cut{FileOp::fdatasync, nth, Tear::none};
    const Outcome o = run(SyncMode::Async, cut);
    SCOPED_TRACE(describe(cut));
    ASSERT_TRUE(o.cut_during_run);
    EXPECT_LT(o.recovered, o.acknowledged);
  }
}

TEST(WalPowerLoss, NoneLosesAcknowledgedRecordsAtAPowerCut) {
  const Outcome o = run(SyncMode::None, PowerCut{});
  EXPECT_EQ(o.acknowledged, kRecords);
  EXPECT_LT(o.recovered, o.acknowledged);
}

// A group commit without its fdatasync (what removing segment_.sync() from
// WalWriter::commit would do) publishes records that a power cut loses.
TEST(WalPowerLoss, GroupCommitWithoutFdatasyncLosesAcknowledgedRecords) {
  FaultInjectingIo io;
  io.ignore_fdatasync(true);
  const Outcome o = run(SyncMode::Group, PowerCut{}, &io);
  EXPECT_EQ(o.acknowledged, kRecords);
  EXPECT_LT(o.recovered, o.acknowledged);
}

// After a power cut the log is cut back to its last whole block, and a
// writer continues it into a log that verifies whole.
TEST(WalPowerLoss, LogContinuesAfterAPowerCut) {
  TempLog log;
  FaultInjectingIo io;
  Outcome out;
  write_until_power_cut(log, io, SyncMode::Group, PowerCut{FileOp::fdatasync, 200, Tear::half},
                        out);
  io.reboot(Tear::half);
  read_back(log, out);
  ASSERT_EQ(out.problem, "");
  ASSERT_GE(out.recovered, out.acknowledged);
  const ScanResult before = log.scan();
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(before.torn_tail) << "the torn tail was cut";
  write_log(log, 100, false, before.tail);
  const ScanResult after = log.scan();
  ASSERT_TRUE(after.ok()) << after.problem->describe();
  EXPECT_TRUE(after.summary.clean_shutdown);
  EXPECT_EQ(after.summary.boots, 2u);
}

// A power cut while a run makes its first segment (zero-filling it,
// writing and syncing its header, renaming it) or commits its Start record
// leaves a log that recovery accepts and a writer continues. Every file
// counts here: the writer's start runs before the preparer has work.
TEST(WalPowerLoss, PowerCutWhileARunStarts) {
  for (const FileOp op : {FileOp::pwrite, FileOp::fdatasync}) {
    for (std::uint64_t nth = 1; nth <= 3; ++nth) {
      SCOPED_TRACE(describe({op, nth, Tear::half}));
      TempLog log;
      write_log(log, 100);
      FaultInjectingIo io;
      io.count_every_file(true);
      io.lose_power_at(op, nth);
      WalOptions o = log.options();
      o.file_io = &io;
      try {
        WalWriter w(o, log.scan().tail, log.key());
        WalProducer& p = w.add_producer();
        p.append(kUserType, time_of(100), payload_of(100));
        pump(w, p);
      } catch (const std::exception&) {
        EXPECT_TRUE(io.powered_off());
      }
      io.lose_power();
      io.reboot(Tear::half);
      Outcome out;
      read_back(log, out);
      EXPECT_EQ(out.problem, "");
      EXPECT_GE(out.recovered, 100u);
      write_log(log, 10, false, log.scan().tail);
      const ScanResult after = log.scan();
      EXPECT_TRUE(after.ok()) << after.problem->describe();
    }
  }
}

// Short writes (a pwrite that writes less than asked) are continued, by
// the writer's commits and by the zero-filling of new segments alike.
TEST(WalPowerLoss, ShortWritesAreCompleted) {
  TempLog log;
  FaultInjectingIo io;
  io.limit_writes(1000);
  WalOptions o = log.options();
  o.file_io = &io;
  {
    WalWriter w(o, {}, log.key());
    WalProducer& p = w.add_producer();
    for (std::uint64_t i = 0; i < 3000; ++i) {
      p.append(kUserType, time_of(i), payload_of(i));
      if (i % 64 == 63) w.do_work();
    }
    pump(w, p);
    w.close();
  }
  Outcome out;
  read_back(log, out);
  EXPECT_EQ(out.problem, "");
  EXPECT_EQ(out.recovered, 3000u);
}

}  // namespace
}  // namespace matchgate::wal::testing

namespace matchgate::wal::testing {
namespace {

// A failed pwrite or fdatasync (WAL.md 6.8): the writer stops, the durable
// position never passes the group that failed, producers find out, and what
// was published durable survives a power cut after it.
struct InjectedFault {
  FileOp op;
  int error;
};
// Stable test names in ctest (not the struct's bytes).
void PrintTo(const InjectedFault& f, std::ostream* os) {
  *os << (f.op == FileOp::pwrite ? "pwrite " : "fdatasync ") << (f.error == EIO ? "EIO" : "ENOSPC");
}

class WalWriterFailure : public ::testing::TestWithParam<InjectedFault> {};

TEST_P(WalWriterFailure, StopsWithoutPublishingTheFailedGroup) {
  const InjectedFault fault = GetParam();
  TempLog log;
  FaultInjectingIo io;
  WalOptions o = log.options();
  o.file_io = &io;
  o.producer_ring_bytes = 4096;  // full soon after the writer stops
  std::uint64_t durable_before = 0;
  {
    WalWriter w(o, {}, log.key());
    WalProducer& p = w.add_producer();
    std::uint64_t i = 0;
    const auto append_batch = [&] {
      for (int k = 0; k < 8; ++k, ++i) p.append(kUserType, time_of(i), payload_of(i));
      p.settle(p.appended());
    };
    for (int batch = 0; batch < 20; ++batch) {
      append_batch();
      w.do_work();
    }
    ASSERT_EQ(p.durable(), p.appended());
    durable_before = p.durable();
    // Only this one call fails: a retry would succeed, and must not happen.
    io.fail(fault.op, 1, fault.error, false);
    append_batch();
    try {
      w.do_work();
      ADD_FAILURE() << "the writer went on after a failed call";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code().value(), fault.error) << e.what();
      EXPECT_NE(std::string(e.what()).find(fault.op == FileOp::pwrite ? "cannot write"
                                                                      : "cannot fdatasync"),
                std::string::npos)
          << e.what();
    }
    EXPECT_TRUE(w.failed());
    EXPECT_EQ(p.durable(), durable_before);
    EXPECT_THROW(w.do_work(), std::runtime_error);
    EXPECT_EQ(p.durable(), durable_before) << "a failed group was published after a retry";
    bool append_threw = false;
    for (int k = 0; k < 1000 && !append_threw; ++k, ++i) {
      try {
        p.append(kUserType, time_of(i), payload_of(i));
      } catch (const std::runtime_error&) {
        append_threw = true;
      }
    }
    EXPECT_TRUE(append_threw) << "a producer could append forever to a failed writer";
    EXPECT_EQ(p.durable(), durable_before);
  }
  io.lose_power();
  io.reboot(Tear::half);
  Outcome out;
  read_back(log, out);
  EXPECT_EQ(out.problem, "");
  EXPECT_GE(out.recovered, durable_before);
}

INSTANTIATE_TEST_SUITE_P(Faults, WalWriterFailure,
                         ::testing::Values(InjectedFault{FileOp::pwrite, EIO},
                                           InjectedFault{FileOp::pwrite, ENOSPC},
                                           InjectedFault{FileOp::fdatasync, EIO},
                                           InjectedFault{FileOp::fdatasync, ENOSPC}),
                         [](const auto& info) {
                           return std::string(info.param.op == FileOp::pwrite ? "Pwrite"
                                                                              : "Fdatasync") +
                                  (info.param.error == EIO ? "Eio" : "Enospc");
                         });

// The daemon's test hook (MATCHGATE_TEST_WAL_FAULT): "fdatasync:3:ENOSPC"
// fails the third commit of the run and every later one.
TEST(WalFaultHook, ParsesOnlyWhatItDocuments) {
  FaultHook hook;
  ASSERT_TRUE(parse_fault_hook("fdatasync:3:ENOSPC", hook));
  EXPECT_EQ(hook.op, FileOp::fdatasync);
  EXPECT_EQ(hook.nth, 3u);
  EXPECT_EQ(hook.error, ENOSPC);
  ASSERT_TRUE(parse_fault_hook("pwrite:12:EIO", hook));
  EXPECT_EQ(hook.op, FileOp::pwrite);
  EXPECT_EQ(hook.nth, 12u);
  EXPECT_EQ(hook.error, EIO);
  for (const char* bad : {"", "fdatasync", "fdatasync:0:EIO", "fsync:1:EIO", "pwrite:1:EPERM",
                          "pwrite:x:EIO", "pwrite:1:EIO:"}) {
    EXPECT_FALSE(parse_fault_hook(bad, hook)) << bad;
  }
}

TEST(WalFaultHook, FailsTheNthCommitOfTheRun) {
  TempLog log;
  FailingFileIo io(posix_file_io(), FaultHook{FileOp::fdatasync, 3, ENOSPC});
  WalOptions o = log.options();
  o.file_io = &io;
  WalWriter w(o, {}, log.key());  // commit 1: the Start record
  WalProducer& p = w.add_producer();
  p.append(kUserType, time_of(0), payload_of(0));
  p.settle(p.appended());
  w.do_work();  // commit 2
  EXPECT_EQ(p.durable(), 1u);
  p.append(kUserType, time_of(1), payload_of(1));
  p.settle(p.appended());
  EXPECT_THROW(w.do_work(), std::system_error);  // commit 3
  EXPECT_EQ(p.durable(), 1u);
}

}  // namespace
}  // namespace matchgate::wal::testing
