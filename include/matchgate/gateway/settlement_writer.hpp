#pragma once
// Writes each business date's settlement report (docs/CLEARING.md) on its
// own thread, off the order path: at a close the network thread posts the
// date and the log position of the close record; once that record is
// durable the thread builds the report from the log (the same code as
// `matchgate-clearing report`, so anyone can regenerate it byte for byte),
// signs it with the log's key and writes it under [clearing] report_dir.
// A close happens once a day: the mutex here is never on a message's path.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

#include "matchgate/clearing/clearing_options.hpp"
#include "matchgate/crypto/sm2.hpp"
#include "matchgate/wal/wal_writer.hpp"

namespace matchgate::gateway {

class SettlementWriter {
 public:
  SettlementWriter(std::filesystem::path log_dir, crypto::Sm2PrivateKey key, std::string sm2_id,
                   clearing::ClearingOptions options, const wal::WalProducer& producer);
  ~SettlementWriter();  // stop(false)
  // Finishes the reports posted (`log_closed`: the log is closed and
  // everything appended is durable) or drops those whose close record never
  // became durable (the writer failed), then stops the thread.
  void stop(bool log_closed);
  SettlementWriter(const SettlementWriter&) = delete;
  SettlementWriter& operator=(const SettlementWriter&) = delete;

  // From the network thread: the close of `business_date`, logged at
  // producer position `position`.
  void post(std::int32_t business_date, std::uint64_t position);
  // Reports written and failed so far (tests, status).
  std::uint64_t written() const;
  std::uint64_t failed() const;

 private:
  struct Job {
    std::int32_t business_date;
    std::uint64_t position;
  };
  void run();
  void write(const Job& job);

  std::filesystem::path log_dir_;
  crypto::Sm2PrivateKey key_;
  std::string sm2_id_;
  clearing::ClearingOptions options_;
  const wal::WalProducer& producer_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::atomic<bool> abandon_{false};
  std::uint64_t written_ = 0;
  std::uint64_t failed_ = 0;
  std::thread thread_;
};

}  // namespace matchgate::gateway
