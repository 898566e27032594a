#include "matchgate/gateway/order_messages.hpp"

#include <algorithm>

#include "matchgate/dedup/fingerprint.hpp"
#include "matchgate/fix/tags.hpp"
#include "matchgate/gateway/fix_values.hpp"
#include "matchgate/records/request.hpp"
#include "matchgate/util/decimal.hpp"

namespace matchgate::gateway {

namespace {

constexpr std::string_view kRequiredTagMissing = "Required tag missing";

MessageProblem session_reject(fix::Tag tag, fix::SessionRejectReason reason,
                              std::string_view text) noexcept {
  MessageProblem p;
  p.answer = MessageProblem::Answer::SessionReject;
  p.tag = tag;
  p.reason = reason;
  p.text = text;
  return p;
}

MessageProblem missing(fix::Tag tag) noexcept {
  return session_reject(tag, fix::SessionRejectReason::RequiredTagMissing, kRequiredTagMissing);
}

MessageProblem order_reject(fix::OrdRejReason reason, std::string_view text) noexcept {
  MessageProblem p;
  p.answer = MessageProblem::Answer::OrderReject;
  p.ord_rej_reason = reason;
  p.text = text;
  return p;
}

MessageProblem first_missing(const fix::MessageView& m,
                             std::initializer_list<fix::Tag> tags) noexcept {
  for (const fix::Tag t : tags) {
    if (!m.has(t)) return missing(t);
  }
  return {};
}

MessageProblem check_cl_ord_id(std::string_view id) noexcept {
  if (id.size() <= records::kMaxClOrdIdLength) return {};
  return session_reject(fix::tag::ClOrdID, fix::SessionRejectReason::ValueIncorrect,
                        "ClOrdID longer than 64 characters");
}

// Side, OrdType and TimeInForce of a NewOrderSingle (value checks).
MessageProblem read_order_kind(const fix::MessageView& m, NewOrderRequest& r) noexcept {
  const auto side = side_from_fix(m.get(fix::tag::Side));
  if (!side) {
    return session_reject(fix::tag::Side, fix::SessionRejectReason::ValueIncorrect,
                          "Side must be 1 or 2");
  }
  r.side = *side;
  const auto type = ord_type_from_fix(m.get(fix::tag::OrdType));
  if (!type) {
    return session_reject(fix::tag::OrdType, fix::SessionRejectReason::ValueIncorrect,
                          "OrdType must be 1 (market) or 2 (limit)");
  }
  r.type = *type;
  if (m.has(fix::tag::TimeInForce)) {
    const auto tif = time_in_force_from_fix(m.get(fix::tag::TimeInForce));
    if (!tif) {
      return session_reject(fix::tag::TimeInForce, fix::SessionRejectReason::ValueIncorrect,
                            "TimeInForce must be 0, 1, 3 or 4");
    }
    r.tif = *tif;
  }
  return {};
}

// OrderQty, Price (limit orders) and TransactTime formats.
MessageProblem read_amounts(const fix::MessageView& m, NewOrderRequest& r,
                            util::DecimalParse& qty) noexcept {
  qty = util::parse_decimal(m.get(fix::tag::OrderQty));
  if (!qty) {
    return session_reject(fix::tag::OrderQty, fix::SessionRejectReason::IncorrectDataFormat,
                          qty.message());
  }
  if (r.type == engine::OrdType::Limit) {
    if (!m.has(fix::tag::Price)) return missing(fix::tag::Price);
    const util::DecimalParse price = util::parse_decimal(m.get(fix::tag::Price));
    if (!price) {
      return session_reject(fix::tag::Price, fix::SessionRejectReason::IncorrectDataFormat,
                            price.message());
    }
    r.price = price.value;
  }
  if (!m.get_timestamp(fix::tag::TransactTime)) {
    return session_reject(fix::tag::TransactTime, fix::SessionRejectReason::IncorrectDataFormat,
                          "TransactTime must be a UTCTimestamp");
  }
  return {};
}

std::uint64_t new_order_fingerprint(const fix::MessageView& m, const NewOrderRequest& r) noexcept {
  dedup::OrderRequestFields f;
  f.msg_type = fix::msg_type::NewOrderSingle[0];
  f.symbol = m.get(fix::tag::Symbol);
  f.side = static_cast<char>(to_fix(r.side));
  f.qty = r.qty;
  f.ord_type = static_cast<char>(to_fix(r.type));
  f.has_price = r.type == engine::OrdType::Limit;
  f.price = r.price;
  f.time_in_force = static_cast<char>(to_fix(r.tif));
  f.account = m.get(fix::tag::Account);
  return dedup::request_fingerprint(f);
}

}  // namespace

SymbolIndex::SymbolIndex(const std::vector<InstrumentRoute>& instruments) {
  for (std::uint32_t i = 0; i < instruments.size(); ++i) {
    sorted_.emplace_back(instruments[i].symbol, i);
  }
  std::sort(sorted_.begin(), sorted_.end());
}

bool SymbolIndex::find(std::string_view symbol, std::uint32_t& instrument) const noexcept {
  const auto it = std::lower_bound(sorted_.begin(), sorted_.end(), symbol,
                                   [](const std::pair<std::string, std::uint32_t>& e,
                                      std::string_view s) { return e.first < s; });
  if (it == sorted_.end() || it->first != symbol) return false;
  instrument = it->second;
  return true;
}

NewOrderRequest read_new_order(const fix::MessageView& m, const MemberOptions& member,
                               const SymbolIndex& symbols) noexcept {
  NewOrderRequest r;
  r.problem = first_missing(m, {fix::tag::ClOrdID, fix::tag::Symbol, fix::tag::Side,
                                fix::tag::OrderQty, fix::tag::OrdType, fix::tag::TransactTime});
  if (!r.problem.ok()) return r;
  r.cl_ord_id = m.get(fix::tag::ClOrdID);
  util::DecimalParse qty;
  for (const MessageProblem p :
       {check_cl_ord_id(r.cl_ord_id), read_order_kind(m, r), read_amounts(m, r, qty)}) {
    if (!p.ok()) {
      r.problem = p;
      return r;
    }
  }
  // From here on the message is well formed: business problems are
  // answered with a rejecting ExecutionReport.
  if (!symbols.find(m.get(fix::tag::Symbol), r.instrument)) {
    r.problem = order_reject(fix::OrdRejReason::UnknownSymbol, "unknown symbol");
    return r;
  }
  r.account_sent = m.has(fix::tag::Account);
  if (r.account_sent) {
    const auto it =
        std::find(member.accounts.begin(), member.accounts.end(), m.get(fix::tag::Account));
    if (it == member.accounts.end()) {
      r.problem = order_reject(fix::OrdRejReason::Other, "unknown account");
      return r;
    }
    r.account = static_cast<std::uint32_t>(it - member.accounts.begin());
  }
  if (qty.value % util::kDecimalScale != 0) {
    r.problem =
        order_reject(fix::OrdRejReason::IncorrectQuantity, "quantity must be a whole number");
    return r;
  }
  r.qty = qty.value / util::kDecimalScale;
  r.fingerprint = new_order_fingerprint(m, r);
  return r;
}

CancelRequest read_cancel(const fix::MessageView& m, bool replace) noexcept {
  CancelRequest r;
  r.replace = replace;
  r.problem = first_missing(m, {fix::tag::ClOrdID, fix::tag::OrigClOrdID});
  if (!r.problem.ok()) return r;
  r.cl_ord_id = m.get(fix::tag::ClOrdID);
  r.orig_cl_ord_id = m.get(fix::tag::OrigClOrdID);
  r.problem = check_cl_ord_id(r.cl_ord_id);
  if (!r.problem.ok()) return r;
  dedup::OrderRequestFields f;
  f.msg_type =
      replace ? fix::msg_type::OrderCancelReplaceRequest[0] : fix::msg_type::OrderCancelRequest[0];
  f.orig_cl_ord_id = r.orig_cl_ord_id;
  if (replace) {
    r.problem = first_missing(m, {fix::tag::OrderQty, fix::tag::Price});
    if (!r.problem.ok()) return r;
    const util::DecimalParse qty = util::parse_decimal(m.get(fix::tag::OrderQty));
    const util::DecimalParse price = util::parse_decimal(m.get(fix::tag::Price));
    if (!qty || !price) {
      r.problem = session_reject(!qty ? fix::tag::OrderQty : fix::tag::Price,
                                 fix::SessionRejectReason::IncorrectDataFormat,
                                 !qty ? qty.message() : price.message());
      return r;
    }
    r.qty = qty.value / util::kDecimalScale;
    r.whole_qty = qty.value % util::kDecimalScale == 0;
    r.price = price.value;
    f.qty = r.qty;
    f.has_price = true;
    f.price = r.price;
  }
  r.fingerprint = dedup::request_fingerprint(f);
  return r;
}

StatusRequest read_status_request(const fix::MessageView& m) noexcept {
  StatusRequest r;
  r.problem = first_missing(m, {fix::tag::ClOrdID});
  if (!r.problem.ok()) return r;
  r.cl_ord_id = m.get(fix::tag::ClOrdID);
  r.ord_status_req_id = m.get(fix::tag::OrdStatusReqID);
  return r;
}

namespace {

// A well formed request the gateway does not carry out: 35=r 531=0.
void refuse_mass_cancel(MassCancelRequest& r, fix::MassCancelRejectReason reason,
                        std::string_view text) noexcept {
  r.problem.answer = MessageProblem::Answer::OrderReject;
  r.problem.text = text;
  r.reject_reason = reason;
}

}  // namespace

MassCancelRequest read_mass_cancel(const fix::MessageView& m, const SymbolIndex& symbols) noexcept {
  MassCancelRequest r;
  r.problem = first_missing(
      m, {fix::tag::ClOrdID, fix::tag::MassCancelRequestType, fix::tag::TransactTime});
  if (!r.problem.ok()) return r;
  r.cl_ord_id = m.get(fix::tag::ClOrdID);
  r.problem = check_cl_ord_id(r.cl_ord_id);
  if (!r.problem.ok()) return r;
  const std::string_view type = m.get(fix::tag::MassCancelRequestType);
  // FIX 4.4 defines 1 to 7; the profile check refuses others before this
  // (and this catches them with validation relaxed too).
  if (type.size() != 1 || type[0] < '1' || type[0] > '7') {
    r.problem =
        session_reject(fix::tag::MassCancelRequestType, fix::SessionRejectReason::ValueIncorrect,
                       "MassCancelRequestType must be 1 to 7");
    return r;
  }
  r.request_type = type[0];
  const bool one_security =
      r.request_type == static_cast<char>(fix::MassCancelRequestType::SecurityOrders);
  if (one_security && !m.has(fix::tag::Symbol)) {
    r.problem = missing(fix::tag::Symbol);
    return r;
  }
  if (!m.get_timestamp(fix::tag::TransactTime)) {
    r.problem =
        session_reject(fix::tag::TransactTime, fix::SessionRejectReason::IncorrectDataFormat,
                       "TransactTime must be a UTCTimestamp");
    return r;
  }
  // From here on the message is well formed.
  if (!one_security && r.request_type != static_cast<char>(fix::MassCancelRequestType::AllOrders)) {
    refuse_mass_cancel(r, fix::MassCancelRejectReason::NotSupported,
                       "MassCancelRequestType not supported: 1 and 7 are");
    return r;
  }
  if (m.has(fix::tag::Side)) {
    refuse_mass_cancel(r, fix::MassCancelRejectReason::Other, "Side not supported");
    return r;
  }
  if (one_security && !symbols.find(m.get(fix::tag::Symbol), r.instrument)) {
    refuse_mass_cancel(r, fix::MassCancelRejectReason::UnknownSecurity, "unknown symbol");
  }
  return r;
}

namespace {

// A well formed request the gateway does not carry out: 35=AO, PosReqResult
// `result`.
void refuse_positions(PositionRequest& r, fix::PosReqResult result,
                      std::string_view text) noexcept {
  r.problem.answer = MessageProblem::Answer::OrderReject;
  r.problem.text = text;
  r.refusal = result;
}

// YYYYMMDD with a month 01-12 and a day 01-31, or -1.
std::int32_t parse_yyyymmdd(std::string_view s) noexcept {
  if (s.size() != 8 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return -1;
  std::int32_t v = 0;
  for (const char c : s) v = v * 10 + (c - '0');
  const std::int32_t month = v / 100 % 100;
  const std::int32_t day = v % 100;
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 ? v : -1;
}

// Formats and values the profile check also refuses (with validation
// relaxed it does not see every field): Reject(3).
MessageProblem check_position_fields(const fix::MessageView& m, std::int32_t& date) noexcept {
  if (m.get(fix::tag::PosReqID).size() > kMaxPosReqIdLength) {
    return session_reject(fix::tag::PosReqID, fix::SessionRejectReason::ValueIncorrect,
                          "PosReqID longer than 64 characters");
  }
  const std::string_view type = m.get(fix::tag::PosReqType);
  if (type.size() != 1 || type[0] < '0' || type[0] > '3') {
    return session_reject(fix::tag::PosReqType, fix::SessionRejectReason::ValueIncorrect,
                          "PosReqType must be 0 to 3");
  }
  const std::string_view subscription = m.get(fix::tag::SubscriptionRequestType);
  if (m.has(fix::tag::SubscriptionRequestType) &&
      (subscription.size() != 1 || subscription[0] < '0' || subscription[0] > '2')) {
    return session_reject(fix::tag::SubscriptionRequestType,
                          fix::SessionRejectReason::ValueIncorrect,
                          "SubscriptionRequestType must be 0, 1 or 2");
  }
  if (!m.get_timestamp(fix::tag::TransactTime)) {
    return session_reject(fix::tag::TransactTime, fix::SessionRejectReason::IncorrectDataFormat,
                          "TransactTime must be a UTCTimestamp");
  }
  if (m.has(fix::tag::ClearingBusinessDate)) {
    date = parse_yyyymmdd(m.get(fix::tag::ClearingBusinessDate));
    if (date < 0) {
      return session_reject(fix::tag::ClearingBusinessDate,
                            fix::SessionRejectReason::IncorrectDataFormat,
                            "ClearingBusinessDate must be YYYYMMDD");
    }
  }
  return {};
}

// The Parties group: NoPartyIDs(453) must count the PartyID(448)s, and every
// PartyID must name the member (its CompID or one of its accounts).
MessageProblem check_parties(const fix::MessageView& m, const MemberOptions& member,
                             bool& foreign_party) noexcept {
  std::uint64_t parties = 0;
  for (const fix::Field& f : m.fields()) {
    if (f.tag != fix::tag::PartyID) continue;
    ++parties;
    const bool own =
        f.value == member.comp_id ||
        std::find(member.accounts.begin(), member.accounts.end(), f.value) != member.accounts.end();
    foreign_party = foreign_party || !own;
  }
  const auto count = m.get_uint(fix::tag::NoPartyIDs);
  if (m.has(fix::tag::NoPartyIDs) && !count) {
    return session_reject(fix::tag::NoPartyIDs, fix::SessionRejectReason::IncorrectDataFormat,
                          "NoPartyIDs must be a count");
  }
  if (count.value_or(0) != parties) {
    return session_reject(fix::tag::NoPartyIDs, fix::SessionRejectReason::IncorrectNumInGroupCount,
                          "NoPartyIDs must count the PartyIDs");
  }
  return {};
}

// What a well formed request asks for, or why it is not carried out.
void read_position_scope(const fix::MessageView& m, const MemberOptions& member,
                         const SymbolIndex& symbols, bool foreign_party,
                         PositionRequest& r) noexcept {
  if (m.get(fix::tag::PosReqType) != "0") {
    refuse_positions(r, fix::PosReqResult::NotSupported,
                     "PosReqType not supported: 0 (positions) is");
  } else if (m.has(fix::tag::SubscriptionRequestType) &&
             m.get(fix::tag::SubscriptionRequestType) != "0") {
    refuse_positions(r, fix::PosReqResult::NotSupported,
                     "SubscriptionRequestType not supported: 0 (snapshot) is");
  } else if (foreign_party) {
    refuse_positions(r, fix::PosReqResult::NotAuthorized, "a party is not the member");
  } else if (!r.all_accounts) {
    const auto it = std::find(member.accounts.begin(), member.accounts.end(), r.account_name);
    if (it == member.accounts.end()) {
      refuse_positions(r, fix::PosReqResult::NotAuthorized, "not an account of the member");
    } else {
      r.account = static_cast<std::uint32_t>(it - member.accounts.begin());
    }
  }
  if (r.problem.ok() && m.has(fix::tag::Symbol) && !symbols.find(r.symbol, r.instrument)) {
    refuse_positions(r, fix::PosReqResult::InvalidOrUnsupported, "unknown symbol");
  }
}

}  // namespace

PositionRequest read_position_request(const fix::MessageView& m, const MemberOptions& member,
                                      const SymbolIndex& symbols,
                                      std::int32_t business_date) noexcept {
  PositionRequest r;
  r.business_date = business_date;
  r.problem = first_missing(m, {fix::tag::PosReqID, fix::tag::PosReqType, fix::tag::TransactTime});
  if (!r.problem.ok()) return r;
  r.pos_req_id = m.get(fix::tag::PosReqID);
  r.account_name = m.get(fix::tag::Account);
  r.symbol = m.get(fix::tag::Symbol);
  r.all_accounts = !m.has(fix::tag::Account);
  std::int32_t date = business_date;
  bool foreign_party = false;
  for (const MessageProblem p :
       {check_position_fields(m, date), check_parties(m, member, foreign_party)}) {
    if (!p.ok()) {
      r.problem = p;
      return r;
    }
  }
  // From here on the message is well formed.
  read_position_scope(m, member, symbols, foreign_party, r);
  if (r.problem.ok() && date != business_date) {
    refuse_positions(r, fix::PosReqResult::NoPositionsFound,
                     "positions are held for the current business date only");
  }
  return r;
}

}  // namespace matchgate::gateway
