#include "matchgate/gateway/answers.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "matchgate/fix/tags.hpp"
#include "matchgate/gateway/fix_values.hpp"
#include "matchgate/records/outbound.hpp"
#include "matchgate/util/assert.hpp"
#include "matchgate/util/decimal.hpp"

namespace matchgate::gateway {

namespace {

// TradingSessionID(336): the one trading session of a business day.
constexpr std::string_view kTradingSessionId = "DAY";

// Text of an integer into a caller buffer.
std::string_view to_chars(std::uint64_t v, char* buf, std::size_t cap) noexcept {
  const auto r = std::to_chars(buf, buf + cap, v);
  return {buf, static_cast<std::size_t>(r.ptr - buf)};
}

bool is_open(fix::OrdStatus s) noexcept {
  return s == fix::OrdStatus::New || s == fix::OrdStatus::PartiallyFilled ||
         s == fix::OrdStatus::PendingNew;
}

void add_price(fix::MessageWriter& w, fix::Tag tag, engine::Price p) {
  char buf[util::kMaxDecimalChars];
  const std::size_t n = util::format_decimal(p, buf, sizeof buf);
  w.add_decimal(tag, std::string_view(buf, n));
}

// One NoPositions(702) entry: a signed quantity as LongQty / ShortQty, or
// both sides at once.
void add_position(fix::MessageWriter& w, std::string_view pos_type, engine::Qty long_qty,
                  engine::Qty short_qty) {
  MATCHGATE_ASSERT(long_qty >= 0 && short_qty >= 0, "LongQty and ShortQty are never negative");
  w.add_string(fix::tag::PosType, pos_type)
      .add_int(fix::tag::LongQty, long_qty)
      .add_int(fix::tag::ShortQty, short_qty);
}

void add_net_position(fix::MessageWriter& w, std::string_view pos_type, engine::Qty net) {
  add_position(w, pos_type, net > 0 ? net : 0, net < 0 ? -net : 0);
}

}  // namespace

Answers::Answers(std::uint32_t net_index, const NetworkOptions& options, SessionTable& sessions,
                 const util::ThreadClock& clock, AnswerMetrics metrics)
    : net_index_(net_index),
      options_(options),
      sessions_(sessions),
      clock_(clock),
      metrics_(metrics),
      drop_copies_(options.members.size()) {
  for (engine::MemberId d = 0; d < options.members.size(); ++d) {
    for (const engine::MemberId member : options.members[d].drop_copy_for) {
      MATCHGATE_ASSERT(member < options.members.size() && member != d,
                       "a drop copy of an unknown member, or of itself");
      drop_copies_[member].push_back(d);
    }
  }
  const bool any = std::any_of(drop_copies_.begin(), drop_copies_.end(),
                               [](const auto& copies) { return !copies.empty(); });
  if (any) copy_body_.resize(fix::session_scratch_bytes(options.server.max_message_bytes));
}

namespace {

// The fields of a message the gateway composed after its standard header
// (35 49 56 34 52, as fix::Session::begin writes it) and before CheckSum.
std::string_view body_after_header(std::string_view message) noexcept {
  constexpr std::string_view kSendingTime =
      "\x01"
      "52=";
  constexpr std::size_t kTrailerSize = 7;  // "10=NNN<SOH>"
  const std::size_t at = message.find(kSendingTime);
  MATCHGATE_ASSERT(at != std::string_view::npos && message.size() > kTrailerSize,
                   "a composed message without SendingTime");
  const std::size_t begin = message.find(fix::kSoh, at + kSendingTime.size()) + 1;
  const std::size_t end = message.size() - kTrailerSize;
  MATCHGATE_ASSERT(begin > 0 && begin < end && message.substr(end, 3) == "10=",
                   "a composed message without body or CheckSum");
  return message.substr(begin, end - begin);
}

}  // namespace

void Answers::copy_report(engine::MemberId member, std::uint64_t cause) {
  const std::string_view sent = body_after_header(sessions_[member].last_composed());
  MATCHGATE_ASSERT(sent.size() <= copy_body_.size(), "a report larger than the compose buffer");
  std::copy(sent.begin(), sent.end(), copy_body_.begin());
  const std::string_view body(copy_body_.data(), sent.size());
  for (const engine::MemberId drop_copy : drop_copies_[member]) {
    metrics_.drop_copies.inc();
    fix::Session& session = sessions_[drop_copy];
    session.begin(fix::msg_type::ExecutionReport)
        .add_string(fix::tag::OnBehalfOfCompID, options_.members[member].comp_id)
        .add_encoded(body)
        .add_bool(fix::tag::CopyMsgIndicator, true);
    session.send(cause);
  }
}

std::string_view Answers::exec_id_text(const ReportFacts& f, char (&buf)[kExecIdChars]) noexcept {
  // One engine event can be reported to both sides of a trade.
  if (f.exec_id != 0) {
    return to_chars(records::event_cause(f.exec_id, f.maker_side), buf, sizeof buf);
  }
  const int n = std::snprintf(buf, sizeof buf, "G%u-%llu-%llu", net_index_,
                              static_cast<unsigned long long>(boot_),
                              static_cast<unsigned long long>(++gateway_exec_ids_));
  return {buf, static_cast<std::size_t>(n)};
}

// 11, 41, 790, 17, 150: the request's identifiers, then the report's own.
void Answers::write_ids(fix::MessageWriter& w, const RequestIds& request, const ReportFacts& f,
                        char (&exec_id)[kExecIdChars]) {
  w.add_string(fix::tag::ClOrdID, request.cl_ord_id);
  if (!request.orig_cl_ord_id.empty()) w.add_string(fix::tag::OrigClOrdID, request.orig_cl_ord_id);
  if (!request.ord_status_req_id.empty()) {
    w.add_string(fix::tag::OrdStatusReqID, request.ord_status_req_id);
  }
  w.add_string(fix::tag::ExecID, exec_id_text(f, exec_id))
      .add_enum(fix::tag::ExecType, f.exec_type);
}

void Answers::report(const OrderRecord& r, const RequestIds& request, const ReportFacts& f) {
  metrics_.execution_reports.inc();
  fix::Session& session = sessions_[r.member];
  char order_id[24];
  char exec_id[kExecIdChars];
  fix::MessageWriter& w = session.begin(fix::msg_type::ExecutionReport);
  w.add_string(fix::tag::OrderID, r.order_id != engine::kNoOrder
                                      ? to_chars(r.order_id, order_id, sizeof order_id)
                                      : std::string_view("NONE"));
  write_ids(w, request, f, exec_id);
  w.add_enum(fix::tag::OrdStatus, r.ord_status);
  if (f.has_rej_reason) w.add_enum(fix::tag::OrdRejReason, f.rej_reason);
  w.add_string(fix::tag::Account, options_.members[r.member].accounts[r.account])
      .add_string(fix::tag::Symbol, options_.instruments[r.instrument].symbol)
      .add_enum(fix::tag::Side, to_fix(r.side))
      .add_int(fix::tag::OrderQty, r.qty)
      .add_enum(fix::tag::OrdType, to_fix(r.type));
  if (r.type == engine::OrdType::Limit) add_price(w, fix::tag::Price, r.price);
  w.add_enum(fix::tag::TimeInForce, to_fix(r.tif));
  if (f.exec_type == fix::ExecType::Trade) {
    w.add_int(fix::tag::LastQty, f.last_qty);
    add_price(w, fix::tag::LastPx, f.last_px);
  }
  if (f.has_commission) {
    add_price(w, fix::tag::Commission, f.commission);
    w.add_char(fix::tag::CommType, '3');  // absolute
  }
  w.add_int(fix::tag::LeavesQty, is_open(r.ord_status) ? r.qty - r.cum_qty : 0)
      .add_int(fix::tag::CumQty, r.cum_qty);
  add_price(w, fix::tag::AvgPx,
            r.cum_qty > 0 ? static_cast<engine::Price>(r.notional / r.cum_qty) : 0);
  w.add_timestamp(fix::tag::TransactTime, clock_.wall_ns, options_.timestamps);
  if (!f.text.empty()) w.add_string(fix::tag::Text, f.text);
  const std::uint64_t cause = f.exec_id != 0 ? records::event_cause(f.exec_id, f.maker_side) : 0;
  session.send(cause);
  if (!drop_copies_[r.member].empty()) copy_report(r.member, cause);
}

void Answers::trade_adjustment(engine::MemberId member, const AdjustmentFacts& a) {
  metrics_.execution_reports.inc();
  fix::Session& session = sessions_[member];
  char order_id[24];
  char exec_id[kExecIdChars];
  char exec_ref[24];
  fix::MessageWriter& w = session.begin(fix::msg_type::ExecutionReport);
  w.add_string(fix::tag::OrderID, to_chars(a.order_id, order_id, sizeof order_id))
      .add_string(fix::tag::ClOrdID, a.cl_ord_id)
      .add_string(fix::tag::ExecID, exec_id_text(ReportFacts{}, exec_id))
      .add_string(fix::tag::ExecRefID, to_chars(a.exec_ref_id, exec_ref, sizeof exec_ref))
      .add_enum(fix::tag::ExecType, a.exec_type)
      .add_enum(fix::tag::OrdStatus, a.ord_status);
  const std::vector<std::string>& accounts = options_.members[member].accounts;
  if (a.account < accounts.size()) w.add_string(fix::tag::Account, accounts[a.account]);
  w.add_string(fix::tag::Symbol, options_.instruments[a.instrument].symbol)
      .add_enum(fix::tag::Side, to_fix(a.side))
      .add_int(fix::tag::LastQty, a.last_qty);
  add_price(w, fix::tag::LastPx, a.last_px);
  if (a.has_commission) {
    add_price(w, fix::tag::Commission, a.commission);
    w.add_char(fix::tag::CommType, '3');  // absolute
  }
  w.add_int(fix::tag::LeavesQty, a.leaves_qty).add_int(fix::tag::CumQty, a.cum_qty);
  add_price(w, fix::tag::AvgPx, a.avg_px);
  w.add_timestamp(fix::tag::TransactTime, clock_.wall_ns, options_.timestamps);
  if (!a.text.empty()) w.add_string(fix::tag::Text, a.text);
  session.send();
  if (!drop_copies_[member].empty()) copy_report(member, 0);
}

void Answers::report_without_order(engine::MemberId member, const fix::MessageView& request,
                                   const RequestIds& ids, fix::OrdStatus status,
                                   const ReportFacts& f) {
  metrics_.execution_reports.inc();
  char exec_id[kExecIdChars];
  fix::MessageWriter& w = sessions_[member].begin(fix::msg_type::ExecutionReport);
  w.add_string(fix::tag::OrderID, "NONE");
  write_ids(w, ids, f, exec_id);
  w.add_enum(fix::tag::OrdStatus, status);
  if (f.has_rej_reason) w.add_enum(fix::tag::OrdRejReason, f.rej_reason);
  for (const fix::Tag t :
       {fix::tag::Account, fix::tag::Symbol, fix::tag::Side, fix::tag::OrderQty}) {
    if (request.has(t)) w.add_string(t, request.get(t));
  }
  w.add_int(fix::tag::LeavesQty, 0)
      .add_int(fix::tag::CumQty, 0)
      .add_int(fix::tag::AvgPx, 0)
      .add_timestamp(fix::tag::TransactTime, clock_.wall_ns, options_.timestamps);
  if (!f.text.empty()) w.add_string(fix::tag::Text, f.text);
  sessions_[member].send();
  if (!drop_copies_[member].empty()) copy_report(member, 0);
}

void Answers::cancel_reject(engine::MemberId member, const RequestIds& request,
                            const OrderRecord* order, bool replace, fix::CxlRejReason reason,
                            std::string_view text, std::uint64_t cause) {
  metrics_.cancel_rejects.inc();
  char order_id[24];
  const bool known = order != nullptr && order->kind == RecordKind::Order;
  fix::MessageWriter& w = sessions_[member].begin(fix::msg_type::OrderCancelReject);
  w.add_string(fix::tag::OrderID, order != nullptr && order->order_id != engine::kNoOrder
                                      ? to_chars(order->order_id, order_id, sizeof order_id)
                                      : std::string_view("NONE"))
      .add_string(fix::tag::ClOrdID, request.cl_ord_id)
      .add_string(fix::tag::OrigClOrdID, request.orig_cl_ord_id)
      .add_enum(fix::tag::OrdStatus, known ? order->ord_status : fix::OrdStatus::Rejected)
      .add_enum(fix::tag::CxlRejResponseTo, replace
                                                ? fix::CxlRejResponseTo::OrderCancelReplaceRequest
                                                : fix::CxlRejResponseTo::OrderCancelRequest)
      .add_enum(fix::tag::CxlRejReason, reason)
      .add_string(fix::tag::Text, text);
  sessions_[member].send(cause);
}

void Answers::session_reject(engine::MemberId member, std::uint64_t seq, std::string_view msg_type,
                             fix::Tag tag, fix::SessionRejectReason reason, std::string_view text) {
  metrics_.session_rejects.inc();
  sessions_[member].reject(seq, msg_type, tag, reason, text);
}

void Answers::business_reject(engine::MemberId member, std::uint64_t seq, std::string_view msg_type,
                              fix::BusinessRejectReason reason, std::string_view text) {
  metrics_.business_rejects.inc();
  sessions_[member].business_reject(seq, msg_type, reason, text);
}

void Answers::mass_cancel_report(engine::MemberId member, const RequestIds& ids, char request_type,
                                 char response, std::optional<int> reject_reason,
                                 std::uint32_t affected, std::string_view symbol,
                                 std::string_view text) {
  metrics_.mass_cancel_reports.inc();
  fix::MessageWriter& w = sessions_[member].begin(fix::msg_type::OrderMassCancelReport);
  w.add_string(fix::tag::ClOrdID, ids.cl_ord_id)
      .add_string(fix::tag::OrderID, "NONE")
      .add_char(fix::tag::MassCancelRequestType, request_type)
      .add_char(fix::tag::MassCancelResponse, response);
  if (reject_reason) w.add_int(fix::tag::MassCancelRejectReason, *reject_reason);
  w.add_uint(fix::tag::TotalAffectedOrders, affected);
  if (!symbol.empty()) w.add_string(fix::tag::Symbol, symbol);
  w.add_timestamp(fix::tag::TransactTime, clock_.wall_ns, options_.timestamps);
  if (!text.empty()) w.add_string(fix::tag::Text, text);
  sessions_[member].send();
}

void Answers::write_position_ids(fix::MessageWriter& w, const PositionRequest& request) {
  char id[kExecIdChars];
  const int n = std::snprintf(id, sizeof id, "P%u-%llu-%llu", net_index_,
                              static_cast<unsigned long long>(boot_),
                              static_cast<unsigned long long>(++position_report_ids_));
  w.add_string(fix::tag::PosMaintRptID, std::string_view(id, static_cast<std::size_t>(n)))
      .add_string(fix::tag::PosReqID, request.pos_req_id);
}

void Answers::write_member_party(fix::MessageWriter& w, engine::MemberId member) {
  w.add_uint(fix::tag::NoPartyIDs, 1)
      .add_string(fix::tag::PartyID, options_.members[member].comp_id)
      .add_enum(fix::tag::PartyIDSource, fix::PartyIDSource::Proprietary)
      .add_enum(fix::tag::PartyRole, fix::PartyRole::ClearingFirm);
}

void Answers::position_ack(engine::MemberId member, const PositionRequest& request,
                           fix::PosReqResult result, std::uint32_t total_reports,
                           std::string_view text) {
  const bool completed =
      result == fix::PosReqResult::Valid || result == fix::PosReqResult::NoPositionsFound;
  fix::MessageWriter& w = sessions_[member].begin(fix::msg_type::RequestForPositionsAck);
  write_position_ids(w, request);
  w.add_uint(fix::tag::TotalNumPosReports, total_reports)
      .add_enum(fix::tag::PosReqResult, result)
      .add_enum(fix::tag::PosReqStatus,
                completed ? fix::PosReqStatus::Completed : fix::PosReqStatus::Rejected);
  write_member_party(w, member);
  if (!request.account_name.empty()) w.add_string(fix::tag::Account, request.account_name);
  w.add_enum(fix::tag::AccountType, fix::AccountType::CarriedOnCustomerSide);
  if (!request.symbol.empty()) w.add_string(fix::tag::Symbol, request.symbol);
  if (!text.empty()) w.add_string(fix::tag::Text, text);
  sessions_[member].send();
}

void Answers::position_report(engine::MemberId member, const PositionRequest& request,
                              std::uint32_t total_reports, const PositionFacts& p) {
  fix::MessageWriter& w = sessions_[member].begin(fix::msg_type::PositionReport);
  write_position_ids(w, request);
  w.add_enum(fix::tag::PosReqType, fix::PosReqType::Positions)
      .add_uint(fix::tag::TotalNumPosReports, total_reports)
      .add_enum(fix::tag::PosReqResult, fix::PosReqResult::Valid)
      .add_int(fix::tag::ClearingBusinessDate, p.business_date);
  write_member_party(w, member);
  w.add_string(fix::tag::Account, p.account)
      .add_enum(fix::tag::AccountType, fix::AccountType::CarriedOnCustomerSide)
      .add_string(fix::tag::Symbol, p.symbol);
  add_price(w, fix::tag::SettlPrice, p.settl_price);
  w.add_enum(fix::tag::SettlPriceType,
             p.settl_price_final ? fix::SettlPriceType::Final : fix::SettlPriceType::Theoretical);
  add_price(w, fix::tag::PriorSettlPrice, p.prior_settl_price);
  w.add_uint(fix::tag::NoPositions, 3);
  add_net_position(w, fix::pos_type::StartOfDay, p.opening);
  add_position(w, fix::pos_type::Transaction, p.bought, p.sold);
  add_net_position(w, fix::pos_type::EndOfDay, p.net());
  sessions_[member].send();
}

void Answers::trading_session_status(engine::MemberId member, int status,
                                     std::int32_t business_date, std::string_view text) {
  char buf[160];
  int n = std::snprintf(buf, sizeof buf, "%08d", static_cast<int>(business_date));
  if (!text.empty()) {
    n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), " %.*s",
                       static_cast<int>(std::min<std::size_t>(text.size(), 140)), text.data());
  }
  fix::MessageWriter& w = sessions_[member].begin(fix::msg_type::TradingSessionStatus);
  w.add_string(fix::tag::TradingSessionID, kTradingSessionId)
      .add_int(fix::tag::TradSesStatus, status)
      .add_string(fix::tag::Text, std::string_view(buf, static_cast<std::size_t>(n)));
  sessions_[member].send();
}

void Answers::security_status(engine::MemberId member, std::string_view symbol,
                              int security_trading_status, std::string_view text) {
  fix::MessageWriter& w = sessions_[member].begin(fix::msg_type::SecurityStatus);
  w.add_string(fix::tag::Symbol, symbol)
      .add_int(fix::tag::SecurityTradingStatus, security_trading_status)
      .add_timestamp(fix::tag::TransactTime, clock_.wall_ns, options_.timestamps);
  if (!text.empty()) w.add_string(fix::tag::Text, text);
  sessions_[member].send();
}

}  // namespace matchgate::gateway
