#pragma once
// The order-entry messages a member sends, read into what order entry
// decides on: every check that needs only the message and the
// configuration (not the gateway's records) happens here, in the order
// docs/FIX.md lists, and yields either the request's values or the one
// answer its first problem gets. Pure functions: no state, no I/O.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "matchgate/engine/types.hpp"
#include "matchgate/fix/enums.hpp"
#include "matchgate/fix/message.hpp"
#include "matchgate/gateway/network_options.hpp"

namespace matchgate::gateway {

// The application messages order entry handles (any other FIX 4.4 type is
// answered with a BusinessMessageReject).
inline constexpr std::string_view kOrderEntryMessageTypes[] = {"D", "F", "G", "H", "q", "AN"};

// Symbol(55) -> the config's instrument number, by binary search over the
// sorted symbols (built once).
class SymbolIndex {
 public:
  explicit SymbolIndex(const std::vector<InstrumentRoute>& instruments);
  // False when the symbol is not configured.
  bool find(std::string_view symbol, std::uint32_t& instrument) const noexcept;

 private:
  std::vector<std::pair<std::string, std::uint32_t>> sorted_;
};

// The first problem of a message, and how it is answered.
struct MessageProblem {
  enum class Answer : std::uint8_t {
    None,           // no problem
    SessionReject,  // Reject(3): malformed (tag and reason)
    OrderReject,    // ExecutionReport 150=8 (new orders) or OrderCancelReject
  };
  Answer answer = Answer::None;
  fix::Tag tag = fix::kNoTag;
  fix::SessionRejectReason reason = fix::SessionRejectReason::Other;
  fix::OrdRejReason ord_rej_reason = fix::OrdRejReason::Other;
  fix::CxlRejReason cxl_rej_reason = fix::CxlRejReason::Other;
  std::string_view text;

  bool ok() const noexcept { return answer == Answer::None; }
};

// NewOrderSingle (D).
struct NewOrderRequest {
  MessageProblem problem;
  std::string_view cl_ord_id;
  engine::Side side = engine::Side::Buy;
  engine::OrdType type = engine::OrdType::Limit;
  engine::TimeInForce tif = engine::TimeInForce::Day;
  engine::Qty qty = 0;
  engine::Price price = 0;       // limit orders
  std::uint32_t instrument = 0;  // the config's numbering
  std::uint32_t account = 0;     // index into the member's accounts
  bool account_sent = false;
  std::uint64_t fingerprint = 0;  // dedup::request_fingerprint
};
NewOrderRequest read_new_order(const fix::MessageView& m, const MemberOptions& member,
                               const SymbolIndex& symbols) noexcept;

// OrderCancelRequest (F) and OrderCancelReplaceRequest (G). Checks that
// need the order (Symbol and Side unchanged) are order entry's.
struct CancelRequest {
  MessageProblem problem;
  bool replace = false;
  std::string_view cl_ord_id;
  std::string_view orig_cl_ord_id;
  engine::Qty qty = 0;  // replace: the new total quantity, whole units
  bool whole_qty = true;
  engine::Price price = 0;  // replace
  std::uint64_t fingerprint = 0;
};
CancelRequest read_cancel(const fix::MessageView& m, bool replace) noexcept;

// OrderStatusRequest (H).
struct StatusRequest {
  MessageProblem problem;
  std::string_view cl_ord_id;
  std::string_view ord_status_req_id;
};
StatusRequest read_status_request(const fix::MessageView& m) noexcept;

// OrderMassCancelRequest (q), for the sender's own orders. problem.answer
// SessionReject: malformed (Reject(3)); OrderReject: well formed but not
// carried out, answered with an OrderMassCancelReport 531=0 giving
// `reject_reason` and problem.text.
inline constexpr std::uint32_t kNoInstrument = 0xffffffffU;
struct MassCancelRequest {
  MessageProblem problem;
  std::string_view cl_ord_id;
  // MassCancelRequestType(530) as sent ('1' to '7' once well formed).
  char request_type = static_cast<char>(fix::MassCancelRequestType::AllOrders);
  std::uint32_t instrument = kNoInstrument;  // type 1: the config's numbering
  fix::MassCancelRejectReason reject_reason = fix::MassCancelRejectReason::Other;
};
MassCancelRequest read_mass_cancel(const fix::MessageView& m, const SymbolIndex& symbols) noexcept;

// RequestForPositions (AN), for the sender's own positions on the current
// business date (docs/FIX.md "Positions"). problem.answer SessionReject:
// malformed (Reject(3)); OrderReject: well formed but not carried out,
// answered with a RequestForPositionsAck giving `refusal` and problem.text
// and no PositionReport. ok(): report the positions of `account` (or every
// account of the member) in `instrument` (or every instrument) on
// `business_date`.
inline constexpr std::size_t kMaxPosReqIdLength = 64;
struct PositionRequest {
  MessageProblem problem;
  fix::PosReqResult refusal = fix::PosReqResult::Valid;  // problem.answer OrderReject
  std::string_view pos_req_id;
  std::string_view account_name;  // Account(1) as sent; empty: none
  std::string_view symbol;        // Symbol(55) as sent; empty: none
  bool all_accounts = true;       // no Account(1): every account of the member
  std::uint32_t account = 0;      // unless all_accounts: index into the member's accounts
  std::uint32_t instrument = kNoInstrument;  // the config's numbering; kNoInstrument: all
  std::int32_t business_date = 0;            // YYYYMMDD
};
PositionRequest read_position_request(const fix::MessageView& m, const MemberOptions& member,
                                      const SymbolIndex& symbols,
                                      std::int32_t business_date) noexcept;

}  // namespace matchgate::gateway
