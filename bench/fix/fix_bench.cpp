// Per-message cost of the FIX codec on the gateway's hot path: framing and
// parsing an inbound NewOrderSingle, checking it against the profile,
// encoding an outbound ExecutionReport, keeping it in the resend store.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

#include "matchgate/fix/field_check.hpp"
#include "matchgate/fix/framer.hpp"
#include "matchgate/fix/message.hpp"
#include "matchgate/fix/message_store.hpp"
#include "matchgate/fix/writer.hpp"

namespace {

using namespace matchgate::fix;

std::string with_header(std::string body) {
  for (char& c : body) {
    if (c == '|') c = kSoh;
  }
  std::string m =
      "8=FIX.4.4\x01"
      "9=" +
      std::to_string(body.size()) + '\x01' + body;
  char trailer[8];
  std::snprintf(trailer, sizeof trailer, "10=%03u\x01", static_cast<unsigned>(checksum(m)));
  return m + trailer;
}

// About 150 bytes, the shape a member's engine sends.
const std::string kNewOrder = with_header(
    "35=D|49=MEMBER01|56=MATCHGATE|34=1042|52=20240315-09:30:01.123|11=ORD-000123|55=XYZ|"
    "54=1|60=20240315-09:30:01.123|38=100|40=2|44=101.25|59=0|");

void BM_FrameNewOrderSingle(benchmark::State& state) {
  for (auto _ : state) {
    FrameResult r = frame_message(kNewOrder);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kNewOrder.size()));
  state.SetLabel(std::to_string(kNewOrder.size()) + " bytes");
}
BENCHMARK(BM_FrameNewOrderSingle);

// What the session and order-entry layers do with every NewOrderSingle:
// frame, parse, and convert the fields they need.
void BM_ParseNewOrderSingle(benchmark::State& state) {
  MessageView view;
  for (auto _ : state) {
    const FrameResult r = frame_message(kNewOrder);
    const ParseError e = view.parse(std::string_view(kNewOrder).substr(0, r.length));
    auto seq = view.get_uint(tag::MsgSeqNum);
    auto sent = view.get_timestamp(tag::SendingTime);
    auto sender = view.get(tag::SenderCompID);
    auto cl_ord_id = view.get(tag::ClOrdID);
    auto symbol = view.get(tag::Symbol);
    auto side = view.get_char(tag::Side);
    auto qty = view.get_decimal(tag::OrderQty);
    auto price = view.get_decimal(tag::Price);
    auto ord_type = view.get_char(tag::OrdType);
    auto tif = view.get_char(tag::TimeInForce);
    benchmark::DoNotOptimize(e);
    benchmark::DoNotOptimize(seq);
    benchmark::DoNotOptimize(sent);
    benchmark::DoNotOptimize(sender);
    benchmark::DoNotOptimize(cl_ord_id);
    benchmark::DoNotOptimize(symbol);
    benchmark::DoNotOptimize(side);
    benchmark::DoNotOptimize(qty);
    benchmark::DoNotOptimize(price);
    benchmark::DoNotOptimize(ord_type);
    benchmark::DoNotOptimize(tif);
  }
  state.SetLabel(std::to_string(kNewOrder.size()) + " bytes");
  if (!view.parse(kNewOrder).ok()) state.SkipWithError("test message does not parse");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kNewOrder.size()));
}
BENCHMARK(BM_ParseNewOrderSingle);

// The profile check every inbound message gets after parsing (Strict, the
// default): 17 fields, two timestamps, four enumerations.
void BM_CheckFieldsNewOrderSingle(benchmark::State& state) {
  MessageView view;
  if (!view.parse(kNewOrder).ok()) state.SkipWithError("test message does not parse");
  if (!check_fields(view, FieldValidation::Strict).ok()) {
    state.SkipWithError("test message does not pass the profile");
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(view);
    const FieldProblem p = check_fields(view, FieldValidation::Strict);
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::to_string(view.size()) + " fields");
}
BENCHMARK(BM_CheckFieldsNewOrderSingle);

// A fill report, about 250 bytes.
void BM_EncodeExecutionReport(benchmark::State& state) {
  std::array<char, 1024> buf;
  MessageWriter w(buf);
  const UtcNanos now = parse_utc_timestamp("20240315-09:30:01.123456").value;
  std::uint64_t seq = 1;
  std::size_t size = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(buf.data());
    const WriteResult r = w.begin(msg_type::ExecutionReport, "MATCHGATE", "MEMBER01", seq++, now)
                              .add_string(tag::OrderID, "1000000017")
                              .add_string(tag::ClOrdID, "ORD-000123")
                              .add_string(tag::ExecID, "2000000042")
                              .add_char(tag::ExecType, 'F')
                              .add_char(tag::OrdStatus, '1')
                              .add_string(tag::Account, "ACC42")
                              .add_string(tag::Symbol, "XYZ")
                              .add_char(tag::Side, '1')
                              .add_char(tag::OrdType, '2')
                              .add_char(tag::TimeInForce, '0')
                              .add_decimal(tag::OrderQty, "100")
                              .add_decimal(tag::Price, "101.25")
                              .add_decimal(tag::LastQty, "40")
                              .add_decimal(tag::LastPx, "101.25")
                              .add_decimal(tag::LeavesQty, "60")
                              .add_decimal(tag::CumQty, "40")
                              .add_decimal(tag::AvgPx, "101.25")
                              .add_timestamp(tag::TransactTime, now)
                              .finish();
    size = r.message.size();
    benchmark::DoNotOptimize(r);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
  state.SetLabel(std::to_string(size) + " bytes");
}
BENCHMARK(BM_EncodeExecutionReport);

void BM_Checksum256(benchmark::State& state) {
  const std::string bytes(256, 'x');
  for (auto _ : state) {
    auto sum = checksum(bytes);
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(state.iterations() * 256);
}
BENCHMARK(BM_Checksum256);

long minor_faults() {
  rusage usage{};
  ::getrusage(RUSAGE_THREAD, &usage);
  return usage.ru_minflt;
}

// What the order path pays to keep each sent message for resends while the
// store's ring is still new (every session's first capacity_bytes of
// messages after the start): one pass over a fresh 64 MiB ring with fill
// reports, the ring mapped lazily (arg 0) or prefaulted (arg 1; the
// prefault itself is BM_ResendStoreCreate). faults_per_append is from
// getrusage(RUSAGE_THREAD).ru_minflt; the CPU time includes the kernel's.
void BM_ResendStoreFirstFill(benchmark::State& state) {
  const bool prefault = state.range(0) != 0;
  const std::string report = with_header(std::string(230, 'x') + '|');
  double appends = 0;
  double faults = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto store = std::make_unique<MessageStore>(MessageStore::kDefaultCapacityBytes, prefault);
    const std::uint64_t messages = store->capacity_bytes() / report.size();
    const long before = minor_faults();
    state.ResumeTiming();
    for (std::uint64_t seq = 1; seq <= messages; ++seq) store->append(seq, report, false);
    state.PauseTiming();
    faults += static_cast<double>(minor_faults() - before);
    appends += static_cast<double>(messages);
    store.reset();
    state.ResumeTiming();
  }
  state.counters["appends"] = benchmark::Counter(appends, benchmark::Counter::kAvgIterations);
  state.counters["faults_per_append"] = faults / appends;
  state.counters["cpu_per_append"] =
      benchmark::Counter(appends, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.SetLabel(std::to_string(report.size()) + "-byte messages");
}
BENCHMARK(BM_ResendStoreFirstFill)
    ->ArgName("prefault")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond);

// The same once the ring has gone round: no page is new any more.
void BM_ResendStoreAppendWrapped(benchmark::State& state) {
  const std::string report = with_header(std::string(230, 'x') + '|');
  MessageStore store(MessageStore::kDefaultCapacityBytes, true);
  std::uint64_t seq = 1;
  for (; seq <= 2 * store.capacity_bytes() / report.size(); ++seq) store.append(seq, report, false);
  for (auto _ : state) store.append(seq++, report, false);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ResendStoreAppendWrapped);

// What a session's store costs at the start: mapping it (and, with arg 1,
// faulting in all of memory_bytes()), and unmapping it.
void BM_ResendStoreCreate(benchmark::State& state) {
  const bool prefault = state.range(0) != 0;
  std::size_t resident = 0;
  for (auto _ : state) {
    MessageStore store(MessageStore::kDefaultCapacityBytes, prefault);
    resident = store.memory_bytes();
    benchmark::DoNotOptimize(&store);
  }
  state.SetLabel(std::to_string(resident >> 20) + " MiB mapped");
}
BENCHMARK(BM_ResendStoreCreate)->ArgName("prefault")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
