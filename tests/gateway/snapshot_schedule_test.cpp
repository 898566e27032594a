// When snapshots are taken, as docs/CONFIG.md [wal] promises: by record
// count (replayed records included) or by time, never sooner than the
// minimum interval after the start or the last one. Simulated clock.
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "matchgate/gateway/snapshot_schedule.hpp"

namespace matchgate::gateway {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kSecond = 1'000'000'000;

SnapshotOptions options(std::uint64_t every_records, std::chrono::seconds min_interval,
                        std::chrono::seconds interval = 300s) {
  SnapshotOptions o;
  o.every_records = every_records;
  o.min_interval = min_interval;
  o.interval = interval;
  return o;
}

// A load of `records_per_s` for `seconds`, polled every millisecond from a
// start at t = 0 with `replayed` records after the newest snapshot; the
// seconds (since the start) at which snapshots are taken.
std::vector<double> snapshots_under_load(const SnapshotOptions& o, std::uint64_t replayed,
                                         std::uint64_t records_per_s, int seconds) {
  SnapshotSchedule schedule(o);
  schedule.restart_at(0);
  std::uint64_t pending = replayed;
  std::vector<double> taken;
  for (std::int64_t ms = 1; ms <= std::int64_t{seconds} * 1000; ++ms) {
    pending += records_per_s / 1000;
    const std::int64_t now = ms * (kSecond / 1000);
    if (schedule.due(now, pending)) {
      taken.push_back(static_cast<double>(ms) / 1000);
      pending = 0;
      schedule.restart_at(now);
    }
  }
  return taken;
}

TEST(SnapshotSchedule, ALoadTestAfterAStartTakesNoSnapshotWithinTheMinimumInterval) {
  // The default schedule; a start that replayed far more than every_records,
  // then 14 s of 160k records/s (the load test logged 2.2M).
  const SnapshotOptions defaults;
  ASSERT_EQ(defaults.every_records, 2'000'000U);
  ASSERT_EQ(defaults.min_interval, 60s);
  EXPECT_TRUE(snapshots_under_load(defaults, 30'000'000, 160'000, 14).empty());
}

TEST(SnapshotSchedule, UnderSustainedLoadSnapshotsComeOncePerMinimumInterval) {
  const std::vector<double> taken = snapshots_under_load(SnapshotOptions{}, 0, 160'000, 200);
  EXPECT_EQ(taken, (std::vector<double>{60, 120, 180}));
}

TEST(SnapshotSchedule, TheRecordCountFiresAfterTheMinimumIntervalWhenLoadIsLight) {
  // 10k records/s: 2M records take 200 s, longer than the minimum interval.
  const std::vector<double> taken =
      snapshots_under_load(options(2'000'000, 60s, 0s), 0, 10'000, 450);
  EXPECT_EQ(taken, (std::vector<double>{200, 400}));
}

TEST(SnapshotSchedule, ReplayedRecordsCountOnceTheMinimumIntervalHasPassed) {
  SnapshotSchedule schedule(options(1000, 60s, 0s));
  schedule.restart_at(5 * kSecond);
  EXPECT_FALSE(schedule.due(64 * kSecond, 5000));
  EXPECT_TRUE(schedule.due(65 * kSecond, 5000));
  EXPECT_FALSE(schedule.due(65 * kSecond, 999));
}

TEST(SnapshotSchedule, ByTimeOnlyWhenRecordsWereLogged) {
  SnapshotSchedule schedule(options(0, 60s, 300s));
  schedule.restart_at(0);
  EXPECT_FALSE(schedule.due(299 * kSecond, 1));
  EXPECT_TRUE(schedule.due(300 * kSecond, 1));
  EXPECT_FALSE(schedule.due(900 * kSecond, 0));
}

TEST(SnapshotSchedule, TheMinimumIntervalWinsOverAShorterInterval) {
  SnapshotSchedule schedule(options(0, 60s, 10s));
  schedule.restart_at(0);
  EXPECT_FALSE(schedule.due(10 * kSecond, 1));
  EXPECT_TRUE(schedule.due(60 * kSecond, 1));
}

TEST(SnapshotSchedule, NoMinimumIntervalFiresAsSoonAsTheCountIsReached) {
  SnapshotSchedule schedule(options(25, 0s, 0s));
  schedule.restart_at(7 * kSecond);
  EXPECT_FALSE(schedule.due(7 * kSecond, 24));
  EXPECT_TRUE(schedule.due(7 * kSecond, 25));
}

TEST(SnapshotSchedule, BothTriggersOffMeansNever) {
  SnapshotSchedule schedule(options(0, 0s, 0s));
  schedule.restart_at(0);
  EXPECT_FALSE(schedule.due(std::int64_t{1} << 62, std::uint64_t{1} << 62));
}

}  // namespace
}  // namespace matchgate::gateway
