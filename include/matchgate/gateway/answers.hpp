#pragma once
// Every answer order entry gives a member, composed in one place: the
// ExecutionReport in its two shapes (about an order the gateway tracks, or
// about a request that has none), the OrderCancelReject, the
// OrderMassCancelReport, the session Rejects and BusinessMessageRejects of
// application messages; and the gateway's announcements, TradingSessionStatus
// and SecurityStatus. Each answer
// to a request carries that request's ClOrdID(11), and OrigClOrdID(41) /
// OrdStatusReqID(790) when the request named one (RequestIds). docs/FIX.md
// lists every field of every shape.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "matchgate/engine/types.hpp"
#include "matchgate/fix/enums.hpp"
#include "matchgate/fix/message.hpp"
#include "matchgate/gateway/gateway_metrics.hpp"
#include "matchgate/gateway/network_options.hpp"
#include "matchgate/gateway/order_messages.hpp"
#include "matchgate/gateway/order_records.hpp"
#include "matchgate/gateway/session_table.hpp"
#include "matchgate/util/clock.hpp"

namespace matchgate::gateway {

// The identifiers of the request being answered, as the member sent them.
struct RequestIds {
  std::string_view cl_ord_id;
  std::string_view orig_cl_ord_id;     // empty: the request named none
  std::string_view ord_status_req_id;  // empty: none

  explicit RequestIds(std::string_view cl, std::string_view orig = {},
                      std::string_view status_req = {}) noexcept
      : cl_ord_id(cl), orig_cl_ord_id(orig), ord_status_req_id(status_req) {}
};

// What an ExecutionReport says besides the order's own fields.
struct ReportFacts {
  fix::ExecType exec_type = fix::ExecType::OrderStatus;
  // Engine event id; 0: the report is the gateway's own (a G-prefixed ExecID).
  engine::ExecId exec_id = 0;
  bool maker_side = false;  // the resting side of a trade
  bool has_rej_reason = false;
  fix::OrdRejReason rej_reason = fix::OrdRejReason::Other;
  engine::Qty last_qty = 0;  // ExecType F only
  engine::Price last_px = 0;
  // ExecType F with clearing on: this side's fee of this fill (1e-8
  // units), Commission(12) with CommType(13) = 3 (absolute).
  bool has_commission = false;
  std::int64_t commission = 0;
  std::string_view text;
};

// One account's position in one instrument, as a PositionReport gives it
// (clearing::Position's quantities; docs/FIX.md "Positions").
struct PositionFacts {
  std::string_view account;             // the member's account name: Account(1)
  std::string_view symbol;              // Symbol(55)
  std::int32_t business_date = 0;       // YYYYMMDD: ClearingBusinessDate(715)
  engine::Qty opening = 0;              // net carried from the previous business date (signed)
  engine::Qty bought = 0;               // today's
  engine::Qty sold = 0;                 // today's
  engine::Price settl_price = 0;        // SettlPrice(730), engine::kPriceScale units
  bool settl_price_final = false;       // SettlPriceType(731): 1 (final) or 2 (theoretical)
  engine::Price prior_settl_price = 0;  // PriorSettlPrice(734)

  engine::Qty net() const noexcept { return opening + bought - sold; }
};

// An ExecutionReport about an operator's bust (ExecType H) or correction
// (G) of one side's fill (docs/FIX.md "Trade bust and correction").
struct AdjustmentFacts {
  fix::ExecType exec_type = fix::ExecType::TradeCancel;
  std::uint64_t exec_ref_id = 0;  // ExecRefID(19): the fill report's ExecID
  engine::OrderId order_id = engine::kNoOrder;
  std::string_view cl_ord_id;  // the order's, or "NONE" when its record is gone
  std::uint32_t account = 0;
  std::uint32_t instrument = 0;
  engine::Side side = engine::Side::Buy;
  engine::Qty last_qty = 0;  // H: the busted fill's; G: the corrected values
  engine::Price last_px = 0;
  bool has_commission = false;  // G with clearing: the new fee
  std::int64_t commission = 0;
  fix::OrdStatus ord_status = fix::OrdStatus::New;
  engine::Qty leaves_qty = 0;
  engine::Qty cum_qty = 0;
  engine::Price avg_px = 0;
  std::string_view text;
};

class Answers {
 public:
  Answers(std::uint32_t net_index, const NetworkOptions& options, SessionTable& sessions,
          const util::ThreadClock& clock, AnswerMetrics metrics = {});

  // Start count of the log: part of gateway-made ExecIDs, which must not
  // repeat after a restart.
  void set_boot(std::uint64_t boot) noexcept { boot_ = boot; }

  // Every ExecutionReport to a member that has drop-copy sessions
  // (MemberOptions::drop_copy_for) is also sent to each of them
  // (docs/FIX.md "Drop copy"), with the same cause.
  // ExecutionReport about order record `order` (its state as it is now).
  void report(const OrderRecord& order, const RequestIds& request, const ReportFacts& facts);
  // ExecutionReport H or G about member's fill; a gateway ExecID, no
  // engine cause (the message is logged verbatim).
  void trade_adjustment(engine::MemberId member, const AdjustmentFacts& facts);
  // ExecutionReport about a request that has no order: OrderID NONE,
  // OrdStatus `status`, nothing done, echoing the request's Account,
  // Symbol, Side and OrderQty where it had them.
  void report_without_order(engine::MemberId member, const fix::MessageView& request,
                            const RequestIds& ids, fix::OrdStatus status, const ReportFacts& facts);
  // OrderCancelReject; `order` is the order the request acted on, if known.
  void cancel_reject(engine::MemberId member, const RequestIds& request, const OrderRecord* order,
                     bool replace, fix::CxlRejReason reason, std::string_view text,
                     std::uint64_t cause = 0);
  void session_reject(engine::MemberId member, std::uint64_t seq, std::string_view msg_type,
                      fix::Tag tag, fix::SessionRejectReason reason, std::string_view text);
  void business_reject(engine::MemberId member, std::uint64_t seq, std::string_view msg_type,
                       fix::BusinessRejectReason reason, std::string_view text);
  // OrderMassCancelReport (r) answering an OrderMassCancelRequest: OrderID
  // NONE, MassCancelRequestType(530) `request_type` as the request had it,
  // MassCancelResponse(531) `response` (fix::MassCancelResponse), with
  // MassCancelRejectReason(532) when given (fix::MassCancelRejectReason),
  // TotalAffectedOrders(533) `affected`, Symbol(55) when not empty.
  void mass_cancel_report(engine::MemberId member, const RequestIds& ids, char request_type,
                          char response, std::optional<int> reject_reason, std::uint32_t affected,
                          std::string_view symbol, std::string_view text);
  // RequestForPositionsAck (AO) answering `request`: PosReqResult(728)
  // `result`, PosReqStatus(729) 0 (completed) for results 0 and 2 and 2
  // (rejected) for the others, TotalNumPosReports(727) `total_reports` (the
  // PositionReports that follow it), the member as the one party, the
  // request's Account and Symbol when it had them, Text(58) when not empty.
  void position_ack(engine::MemberId member, const PositionRequest& request,
                    fix::PosReqResult result, std::uint32_t total_reports, std::string_view text);
  // PositionReport (AP), one of the `total_reports` answering `request`:
  // `position` as the NoPositions entries SOD (opening), TQ (bought, sold)
  // and FIN (net), each as LongQty(704) / ShortQty(705).
  void position_report(engine::MemberId member, const PositionRequest& request,
                       std::uint32_t total_reports, const PositionFacts& position);
  // TradingSessionStatus (h) of the session "DAY": TradSesStatus(340)
  // `status` (fix::TradSesStatus). FIX 4.4's h has no TradeDate(75), so
  // Text(58) carries the business date (YYYYMMDD), then `text` if any.
  void trading_session_status(engine::MemberId member, int status, std::int32_t business_date,
                              std::string_view text);
  // SecurityStatus (f): SecurityTradingStatus(326) `security_trading_status`
  // (fix::SecurityTradingStatus) of `symbol`.
  void security_status(engine::MemberId member, std::string_view symbol,
                       int security_trading_status, std::string_view text);

 private:
  static constexpr std::size_t kExecIdChars = 48;
  // "G<net>-<boot>-<n>" for a report the gateway makes itself, or the
  // engine's event id (* 2, + 1 for the maker's side of a trade).
  // The ExecutionReport member `member`'s session has just sent (with
  // `cause`), copied to each of its drop-copy sessions: OnBehalfOfCompID(115)
  // the member in the header, the body as sent, then CopyMsgIndicator(797)=Y.
  void copy_report(engine::MemberId member, std::uint64_t cause);
  std::string_view exec_id_text(const ReportFacts& f, char (&buf)[kExecIdChars]) noexcept;
  void write_ids(fix::MessageWriter& w, const RequestIds& request, const ReportFacts& f,
                 char (&exec_id)[kExecIdChars]);
  // PosMaintRptID(721) "P<net>-<boot>-<n>", then PosReqID(710).
  void write_position_ids(fix::MessageWriter& w, const PositionRequest& request);
  // NoPartyIDs(453) = 1: the member's CompID, 447=D, 452=4.
  void write_member_party(fix::MessageWriter& w, engine::MemberId member);

  std::uint32_t net_index_;
  const NetworkOptions& options_;
  SessionTable& sessions_;
  const util::ThreadClock& clock_;
  std::uint64_t boot_ = 0;
  std::uint64_t gateway_exec_ids_ = 0;
  std::uint64_t position_report_ids_ = 0;
  AnswerMetrics metrics_;
  // Per member, the drop-copy sessions that receive its reports.
  std::vector<std::vector<engine::MemberId>> drop_copies_;
  // The body of the report being copied (the sessions' scratch is reused
  // by each copy); sized once, empty when no drop copy is configured.
  std::vector<char> copy_body_;
};

}  // namespace matchgate::gateway
