#pragma once
// FIX 4.4 vocabulary used by the gateway: tag numbers, MsgType values and the
// SessionRejectReason(373) codes. Numbers and values are from the FIX 4.4
// specification; only what the gateway speaks is listed.
#include <cstdint>
#include <limits>
#include <string_view>

namespace matchgate::fix {

// Tag numbers are plain ints because they travel as RefTagID(371) values.
using Tag = int;
// "No tag": a Reject without RefTagID(371). (0 and -1 are tags a
// counterparty can send, and a Reject names them.)
inline constexpr Tag kNoTag = std::numeric_limits<Tag>::min();

inline constexpr char kSoh = '\x01';
inline constexpr std::string_view kBeginStringFix44 = "FIX.4.4";

namespace tag {
inline constexpr Tag Account = 1;
inline constexpr Tag AvgPx = 6;
inline constexpr Tag BeginSeqNo = 7;
inline constexpr Tag BeginString = 8;
inline constexpr Tag BodyLength = 9;
inline constexpr Tag CheckSum = 10;
inline constexpr Tag ClOrdID = 11;
inline constexpr Tag Commission = 12;
inline constexpr Tag CommType = 13;
inline constexpr Tag CumQty = 14;
inline constexpr Tag EndSeqNo = 16;
inline constexpr Tag ExecID = 17;
inline constexpr Tag ExecRefID = 19;
inline constexpr Tag LastPx = 31;
inline constexpr Tag LastQty = 32;
inline constexpr Tag MsgSeqNum = 34;
inline constexpr Tag MsgType = 35;
inline constexpr Tag NewSeqNo = 36;
inline constexpr Tag OrderID = 37;
inline constexpr Tag OrderQty = 38;
inline constexpr Tag OrdStatus = 39;
inline constexpr Tag OrdType = 40;
inline constexpr Tag OrigClOrdID = 41;
inline constexpr Tag PossDupFlag = 43;
inline constexpr Tag Price = 44;
inline constexpr Tag RefSeqNum = 45;
inline constexpr Tag SenderCompID = 49;
inline constexpr Tag SendingTime = 52;
inline constexpr Tag Side = 54;
inline constexpr Tag Symbol = 55;
inline constexpr Tag TargetCompID = 56;
inline constexpr Tag Text = 58;
inline constexpr Tag TimeInForce = 59;
inline constexpr Tag TransactTime = 60;
inline constexpr Tag PossResend = 97;
inline constexpr Tag EncryptMethod = 98;
inline constexpr Tag CxlRejReason = 102;
inline constexpr Tag OrdRejReason = 103;
inline constexpr Tag HeartBtInt = 108;
inline constexpr Tag TestReqID = 112;
inline constexpr Tag OnBehalfOfCompID = 115;
inline constexpr Tag OrigSendingTime = 122;
inline constexpr Tag GapFillFlag = 123;
inline constexpr Tag ResetSeqNumFlag = 141;
inline constexpr Tag ExecType = 150;
inline constexpr Tag LeavesQty = 151;
inline constexpr Tag SubscriptionRequestType = 263;
inline constexpr Tag SecurityTradingStatus = 326;
inline constexpr Tag TradingSessionID = 336;
inline constexpr Tag TradSesStatus = 340;
inline constexpr Tag RefTagID = 371;
inline constexpr Tag RefMsgType = 372;
inline constexpr Tag SessionRejectReason = 373;
inline constexpr Tag BusinessRejectRefID = 379;
inline constexpr Tag BusinessRejectReason = 380;
inline constexpr Tag CxlRejResponseTo = 434;
inline constexpr Tag MassCancelRequestType = 530;
inline constexpr Tag MassCancelResponse = 531;
inline constexpr Tag MassCancelRejectReason = 532;
inline constexpr Tag TotalAffectedOrders = 533;
inline constexpr Tag PartyIDSource = 447;
inline constexpr Tag PartyID = 448;
inline constexpr Tag PartyRole = 452;
inline constexpr Tag NoPartyIDs = 453;
inline constexpr Tag AccountType = 581;
inline constexpr Tag NoPositions = 702;
inline constexpr Tag PosType = 703;
inline constexpr Tag LongQty = 704;
inline constexpr Tag ShortQty = 705;
inline constexpr Tag PosReqID = 710;
inline constexpr Tag ClearingBusinessDate = 715;
inline constexpr Tag PosMaintRptID = 721;
inline constexpr Tag PosReqType = 724;
inline constexpr Tag TotalNumPosReports = 727;
inline constexpr Tag PosReqResult = 728;
inline constexpr Tag PosReqStatus = 729;
inline constexpr Tag SettlPrice = 730;
inline constexpr Tag SettlPriceType = 731;
inline constexpr Tag PriorSettlPrice = 734;
inline constexpr Tag OrdStatusReqID = 790;
inline constexpr Tag CopyMsgIndicator = 797;
inline constexpr Tag Password = 554;
}  // namespace tag

namespace msg_type {
inline constexpr std::string_view Heartbeat = "0";
inline constexpr std::string_view TestRequest = "1";
inline constexpr std::string_view ResendRequest = "2";
inline constexpr std::string_view Reject = "3";
inline constexpr std::string_view SequenceReset = "4";
inline constexpr std::string_view Logout = "5";
inline constexpr std::string_view ExecutionReport = "8";
inline constexpr std::string_view OrderCancelReject = "9";
inline constexpr std::string_view Logon = "A";
inline constexpr std::string_view NewOrderSingle = "D";
inline constexpr std::string_view OrderCancelRequest = "F";
inline constexpr std::string_view OrderCancelReplaceRequest = "G";
inline constexpr std::string_view OrderStatusRequest = "H";
inline constexpr std::string_view BusinessMessageReject = "j";
inline constexpr std::string_view SecurityStatus = "f";
inline constexpr std::string_view TradingSessionStatus = "h";
inline constexpr std::string_view OrderMassCancelRequest = "q";
inline constexpr std::string_view OrderMassCancelReport = "r";
inline constexpr std::string_view RequestForPositions = "AN";
inline constexpr std::string_view RequestForPositionsAck = "AO";
inline constexpr std::string_view PositionReport = "AP";

// Session-level (administrative) messages are handled by the session layer
// itself and never reach the application.
constexpr bool is_admin(std::string_view type) noexcept {
  return type.size() == 1 && ((type[0] >= '0' && type[0] <= '5') || type[0] == 'A');
}
}  // namespace msg_type

// SessionRejectReason(373) values, FIX 4.4.
enum class SessionRejectReason : int {
  InvalidTagNumber = 0,
  RequiredTagMissing = 1,
  TagNotDefinedForMessageType = 2,
  UndefinedTag = 3,
  TagSpecifiedWithoutValue = 4,
  ValueIncorrect = 5,
  IncorrectDataFormat = 6,
  DecryptionProblem = 7,
  SignatureProblem = 8,
  CompIdProblem = 9,
  SendingTimeAccuracyProblem = 10,
  InvalidMsgType = 11,
  XmlValidationError = 12,
  TagAppearsMoreThanOnce = 13,
  TagSpecifiedOutOfRequiredOrder = 14,
  RepeatingGroupFieldsOutOfOrder = 15,
  IncorrectNumInGroupCount = 16,
  NonDataValueIncludesFieldDelimiter = 17,
  Other = 99,
};

}  // namespace matchgate::fix
