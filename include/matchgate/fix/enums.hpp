#pragma once
// Named values of the FIX 4.4 enumerated fields the gateway reads or
// writes. Values are those of the FIX 4.4 specification; only the ones the
// profile (docs/fix/FIX44-matchgate.xml) uses are listed. Char-valued fields
// are `enum class X : char`, int-valued ones `enum class X : int`, so a
// value cannot be written into the wrong field (MessageWriter::add_enum).
#include <string_view>
#include <type_traits>

namespace matchgate::fix {

// Side(54).
enum class Side : char { Buy = '1', Sell = '2' };

// OrdType(40).
enum class OrdType : char { Market = '1', Limit = '2' };

// TimeInForce(59).
enum class TimeInForce : char {
  Day = '0',
  GoodTillCancel = '1',
  ImmediateOrCancel = '3',
  FillOrKill = '4'
};

// OrdStatus(39).
enum class OrdStatus : char {
  New = '0',
  PartiallyFilled = '1',
  Filled = '2',
  DoneForDay = '3',  // a bust/correction report of an order whose record is gone
  Canceled = '4',
  Replaced = '5',
  Rejected = '8',
  PendingNew = 'A',
  Expired = 'C',
};

// ExecType(150).
enum class ExecType : char {
  New = '0',
  Canceled = '4',
  Replaced = '5',
  Rejected = '8',
  Expired = 'C',
  Trade = 'F',
  TradeCorrect = 'G',  // an operator's correction of a fill
  TradeCancel = 'H',   // an operator's bust of a fill
  OrderStatus = 'I',
};

// CxlRejResponseTo(434).
enum class CxlRejResponseTo : char { OrderCancelRequest = '1', OrderCancelReplaceRequest = '2' };

// OrdRejReason(103).
enum class OrdRejReason : int {
  BrokerOption = 0,
  UnknownSymbol = 1,
  ExchangeClosed = 2,
  OrderExceedsLimit = 3,
  DuplicateOrder = 6,
  IncorrectQuantity = 13,
  Other = 99,
};

// CxlRejReason(102).
enum class CxlRejReason : int {
  TooLateToCancel = 0,
  UnknownOrder = 1,
  BrokerOption = 2,
  DuplicateClOrdId = 6,
  Other = 99,
};

// BusinessRejectReason(380).
enum class BusinessRejectReason : int { UnsupportedMessageType = 3, NotAuthorized = 6 };

// MassCancelRequestType(530): the gateway carries out 1 and 7; the profile
// lists FIX 4.4's 1 to 7 so that 2 to 6 get an OrderMassCancelReport.
enum class MassCancelRequestType : char { SecurityOrders = '1', AllOrders = '7' };

// MassCancelResponse(531).
enum class MassCancelResponse : char { Rejected = '0', SecurityOrders = '1', AllOrders = '7' };

// MassCancelRejectReason(532).
enum class MassCancelRejectReason : int {
  NotSupported = 0,
  UnknownSecurity = 1,
  Other = 99,
};

// TradSesStatus(340).
enum class TradSesStatus : int { Halted = 1, Open = 2, Closed = 3, PreOpen = 4 };

// PosReqType(724): the gateway carries out 0; the profile lists FIX 4.4's 0
// to 3 so that 1 to 3 get a RequestForPositionsAck 728=4.
enum class PosReqType : int { Positions = 0 };

// SubscriptionRequestType(263): the gateway carries out 0 only.
enum class SubscriptionRequestType : char { Snapshot = '0' };

// PosReqResult(728).
enum class PosReqResult : int {
  Valid = 0,
  InvalidOrUnsupported = 1,
  NoPositionsFound = 2,
  NotAuthorized = 3,
  NotSupported = 4,
};

// PosReqStatus(729).
enum class PosReqStatus : int { Completed = 0, Rejected = 2 };

// PartyIDSource(447) and PartyRole(452) of the member on AO and AP.
enum class PartyIDSource : char { Proprietary = 'D' };
enum class PartyRole : int { ClearingFirm = 4 };

// AccountType(581) of every account on AO and AP.
enum class AccountType : int { CarriedOnCustomerSide = 1 };

// SettlPriceType(731).
enum class SettlPriceType : int { Final = 1, Theoretical = 2 };

// PosType(703) values (STRING in FIX 4.4) of the NoPositions entries.
namespace pos_type {
inline constexpr std::string_view StartOfDay = "SOD";
inline constexpr std::string_view Transaction = "TQ";
inline constexpr std::string_view EndOfDay = "FIN";
}  // namespace pos_type

// SecurityTradingStatus(326).
enum class SecurityTradingStatus : int { TradingHalt = 2, Resume = 3 };

template <class E>
inline constexpr bool kCharEnum =
    std::is_enum_v<E>&& std::is_same_v<std::underlying_type_t<E>, char>;
template <class E>
inline constexpr bool kIntEnum = std::is_enum_v<E>&& std::is_same_v<std::underlying_type_t<E>, int>;

}  // namespace matchgate::fix
