// trade_book_bench: what clearing adds to the daemon per trade, piece by
// piece, in process (the daemon-level comparison, bench/gateway/run.sh
// CLEARING="off on", cannot resolve half a microsecond on a shared machine):
//   - TradeBookOnTrade: what the network thread does for a Trade event with
//     clearing on, log aside: compose the record (both fees), book it in
//     the ledger (the day's trade index, two positions);
//   - Sm3OfTradeRecord: the record's share of the log's chain hash: SM3
//     over its 100 framed bytes (12-byte header + 88-byte payload) inside a
//     block being hashed, as the writer does;
//   - EncodeTradeRecord: its encoding into the bytes appended to the log.
// Run: build/bin/trade_book_bench (Google Benchmark flags apply).
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <vector>

#include "matchgate/clearing/clearing_options.hpp"
#include "matchgate/crypto/sm3.hpp"
#include "matchgate/gateway/trade_book.hpp"
#include "matchgate/records/trade.hpp"

namespace {

namespace mg = matchgate;

constexpr int kMembers = 8;

mg::clearing::ClearingOptions venue() {
  mg::clearing::ClearingOptions c;
  for (int m = 0; m < kMembers; ++m) c.members.push_back({"MEMBER" + std::to_string(m), {"ACC"}});
  mg::clearing::InstrumentClearing acme;
  acme.symbol = "ACME";
  acme.fees.taker.bps_e4 = 2 * 10'000;  // 2 bp
  acme.fees.maker.bps_e4 = -5'000;      // -0.5 bp: a rebate
  acme.fees.taker.per_unit = mg::engine::kPriceScale / 1000;
  c.instruments.push_back(acme);
  return c;
}

// A trade as the engine reports it: shard 0's ids, members in turn.
mg::engine::Event trade_event(std::uint64_t n) {
  mg::engine::Event e;
  e.type = mg::engine::EventType::Trade;
  e.exec_id = n;
  e.order.id = 2 * n;
  e.order.member = static_cast<mg::engine::MemberId>(n % kMembers);
  e.order.side = n % 2 == 0 ? mg::engine::Side::Buy : mg::engine::Side::Sell;
  e.maker.id = 2 * n + 1;
  e.maker.member = static_cast<mg::engine::MemberId>((n + 3) % kMembers);
  e.maker.side = n % 2 == 0 ? mg::engine::Side::Sell : mg::engine::Side::Buy;
  e.trade_price = (100 * mg::engine::kPriceScale) + static_cast<std::int64_t>(n % 50) * 1'000'000;
  e.trade_qty = 1 + static_cast<std::int64_t>(n % 7);
  return e;
}

void TradeBookOnTrade(benchmark::State& state) {
  const mg::util::ThreadClock clock{1, 1'764'633'600'000'000'000};
  mg::gateway::TradeBook book(venue(), clock);
  std::uint64_t n = 0;
  for (auto _ : state) {
    const auto& r = book.on_trade(trade_event(++n), 0, 20261202);
    benchmark::DoNotOptimize(&r);
  }
  state.SetItemsProcessed(state.iterations());
}
// Enough trades that the day's index is as large as in a long run.
BENCHMARK(TradeBookOnTrade)->Iterations(2'000'000);

void Sm3OfTradeRecord(benchmark::State& state) {
  // Hashing whole blocks as the writer does: each iteration adds one
  // framed record to a running hash; finish once per 64 records, about a
  // group commit's block.
  std::array<std::byte, 12 + mg::records::kTradeRecordSize> framed{};
  mg::crypto::Sm3 h;
  int in_block = 0;
  for (auto _ : state) {
    framed[20] = static_cast<std::byte>(in_block);
    h.update(framed.data(), framed.size());
    if (++in_block == 64) {
      benchmark::DoNotOptimize(h.finish());
      h.reset();
      in_block = 0;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(framed.size()));
}
BENCHMARK(Sm3OfTradeRecord);

void EncodeTradeRecord(benchmark::State& state) {
  const mg::util::ThreadClock clock{1, 1'764'633'600'000'000'000};
  mg::gateway::TradeBook book(venue(), clock);
  const mg::records::TradeRecord r = book.on_trade(trade_event(7), 0, 20261202);
  std::array<std::byte, mg::records::kTradeRecordSize> out{};
  for (auto _ : state) {
    mg::records::encode_trade(r, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(EncodeTradeRecord);

}  // namespace
