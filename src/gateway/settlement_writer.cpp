#include "matchgate/gateway/settlement_writer.hpp"

#include <spdlog/spdlog.h>

#include <pthread.h>

#include <chrono>

#include "matchgate/clearing/settlement_report.hpp"

namespace matchgate::gateway {

SettlementWriter::SettlementWriter(std::filesystem::path log_dir, crypto::Sm2PrivateKey key,
                                   std::string sm2_id, clearing::ClearingOptions options,
                                   const wal::WalProducer& producer)
    : log_dir_(std::move(log_dir)),
      key_(std::move(key)),
      sm2_id_(std::move(sm2_id)),
      options_(std::move(options)),
      producer_(producer),
      thread_([this] { run(); }) {}

SettlementWriter::~SettlementWriter() {
  stop(false);
}

void SettlementWriter::stop(bool log_closed) {
  if (!thread_.joinable()) return;
  if (!log_closed) abandon_.store(true, std::memory_order_release);
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void SettlementWriter::post(std::int32_t business_date, std::uint64_t position) {
  {
    const std::lock_guard lock(mutex_);
    jobs_.push_back(Job{business_date, position});
  }
  wake_.notify_one();
}

std::uint64_t SettlementWriter::written() const {
  const std::lock_guard lock(mutex_);
  return written_;
}

std::uint64_t SettlementWriter::failed() const {
  const std::lock_guard lock(mutex_);
  return failed_;
}

void SettlementWriter::run() {
  pthread_setname_np(pthread_self(), "settlement");
  for (;;) {
    Job job{};
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, nothing left
      job = jobs_.front();
      jobs_.pop_front();
    }
    write(job);
  }
}

void SettlementWriter::write(const Job& job) {
  // The report covers the close record: wait until it is durable (at a
  // stop, the writer's close makes everything appended durable).
  while (producer_.durable() < job.position) {
    if (abandon_.load(std::memory_order_acquire)) {
      spdlog::error(
          "settlement: the report of business date {} was not written: its close never "
          "became durable; `matchgate-clearing report` writes it from the log after "
          "the next start",
          job.business_date);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  clearing::ReportRequest request;
  request.log_dir = log_dir_;
  request.key = &key_;
  request.sm2_id = sm2_id_;
  request.options = &options_;
  request.business_date = job.business_date;
  const clearing::ReportOutcome outcome = clearing::write_settlement_report(request);
  const std::lock_guard lock(mutex_);
  if (outcome.ok()) {
    ++written_;
    spdlog::info("settlement: the report of business date {} is in {}", job.business_date,
                 outcome.dir.string());
  } else {
    ++failed_;
    spdlog::error("settlement: the report of business date {} was not written: {}",
                  job.business_date, outcome.error);
  }
}

}  // namespace matchgate::gateway
