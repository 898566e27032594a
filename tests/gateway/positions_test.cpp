// Positions on the FIX side: RequestForPositions (AN) read into a
// PositionRequest (and checked against the profile as the gateway checks
// every inbound message), RequestForPositionsAck (AO) and PositionReport
// (AP) composed by Answers and read back field by field, each passing the
// profile check a member's engine makes with the same dictionary.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "fix/fix_test_util.hpp"
#include "matchgate/fix/field_check.hpp"
#include "matchgate/gateway/answers.hpp"
#include "matchgate/gateway/order_messages.hpp"
#include "matchgate/gateway/session_table.hpp"

namespace matchgate::gateway {
namespace {

using fix::testing::make_message;

constexpr std::int64_t kT0 = 1'710'495'000LL * 1'000'000'000;  // 2024-03-15 09:30:00 UTC
constexpr std::int32_t kToday = 20240315;
constexpr engine::Price kScale = engine::kPriceScale;

class RecordingSink final : public fix::SessionSink {
 public:
  void on_send(std::uint32_t member, const fix::Outgoing& o) override {
    members.push_back(member);
    sent.push_back(std::make_unique<std::string>(o.bytes));
  }
  std::vector<engine::MemberId> members;
  std::vector<std::unique_ptr<std::string>> sent;
};

NetworkOptions options() {
  NetworkOptions o;
  o.comp_id = "GW";
  o.members = {{"M1", "", {"M1-A", "M1-B"}, false, {}, {}}, {"M2", "", {"M2-A"}, false, {}, {}}};
  o.instruments = {{"ACME", 0, 0, 100 * kScale, 1, 1000 * kScale},
                   {"BOLT", 0, 1, 10 * kScale, 1, 1000 * kScale}};
  return o;
}

const std::string kTime = "60=20240315-09:30:00.000|";

class PositionsTest : public ::testing::Test {
 protected:
  PositionsTest()
      : options_(options()),
        sessions_(options_, sink_, clock_),
        answers_(0, options_, sessions_, clock_),
        symbols_(options_.instruments) {
    clock_.wall_ns = kT0;
    clock_.mono_ns = 1;
  }

  // An AN of member M1 with `body`, parsed; the frame lives as long as the
  // test (a PositionRequest points into it).
  const fix::MessageView& request(const std::string& body) {
    frames_.push_back(std::make_unique<std::string>(
        make_message("35=AN|49=M1|56=GW|34=2|52=20240315-09:30:00.000|" + body)));
    views_.push_back(std::make_unique<fix::MessageView>());
    EXPECT_TRUE(views_.back()->parse(*frames_.back()).ok()) << body;
    return *views_.back();
  }
  PositionRequest read(const std::string& body, std::int32_t business_date = kToday) {
    return read_position_request(request(body), options_.members[0], symbols_, business_date);
  }
  fix::FieldProblem strict(const std::string& body) {
    return fix::check_fields(request(body), fix::FieldValidation::Strict);
  }

  // The messages sent since the last call, parsed, each checked against
  // the profile.
  std::vector<fix::MessageView> sent() {
    std::vector<fix::MessageView> r;
    for (; taken_ < sink_.sent.size(); ++taken_) {
      fix::MessageView v;
      EXPECT_TRUE(v.parse_with_repeats(*sink_.sent[taken_]).ok());
      const fix::FieldProblem p = fix::check_fields(v, fix::FieldValidation::Strict);
      EXPECT_TRUE(p.ok()) << fix::to_text(p.reason) << " tag " << p.tag << " in "
                          << *sink_.sent[taken_];
      r.push_back(v);
    }
    return r;
  }

  util::ThreadClock clock_;
  NetworkOptions options_;
  RecordingSink sink_;
  SessionTable sessions_;
  Answers answers_;
  SymbolIndex symbols_;
  std::vector<std::unique_ptr<std::string>> frames_;
  std::vector<std::unique_ptr<fix::MessageView>> views_;
  std::size_t taken_ = 0;
};

// What a FIX 4.4 engine sends when it fills in every field FIX 4.4 requires
// (Parties, Account, AccountType, ClearingBusinessDate).
const std::string kFullRequest =
    "710=R1|724=0|263=0|453=1|448=M1|447=D|452=4|1=M1-B|581=1|55=BOLT|"
    "715=20240315|" +
    kTime;

TEST_F(PositionsTest, ReadsAFullRequest) {
  EXPECT_TRUE(strict(kFullRequest).ok());
  const PositionRequest r = read(kFullRequest);
  ASSERT_TRUE(r.problem.ok()) << r.problem.text;
  EXPECT_EQ(r.pos_req_id, "R1");
  EXPECT_FALSE(r.all_accounts);
  EXPECT_EQ(r.account, 1u);
  EXPECT_EQ(r.account_name, "M1-B");
  EXPECT_EQ(r.instrument, 1u);
  EXPECT_EQ(r.symbol, "BOLT");
  EXPECT_EQ(r.business_date, kToday);
}

TEST_F(PositionsTest, ReadsAMinimalRequestAsAllAccountsAndInstruments) {
  const std::string body = "710=R2|724=0|" + kTime;
  EXPECT_TRUE(strict(body).ok());
  const PositionRequest r = read(body);
  ASSERT_TRUE(r.problem.ok()) << r.problem.text;
  EXPECT_TRUE(r.all_accounts);
  EXPECT_EQ(r.instrument, kNoInstrument);
  EXPECT_EQ(r.business_date, kToday);
  // A party naming one of the member's accounts is the member too.
  EXPECT_TRUE(read("710=R3|724=0|453=1|448=M1-A|452=38|" + kTime).problem.ok());
}

void expect_reject(const PositionRequest& r, fix::Tag tag, fix::SessionRejectReason reason) {
  EXPECT_EQ(r.problem.answer, MessageProblem::Answer::SessionReject);
  EXPECT_EQ(r.problem.tag, tag);
  EXPECT_EQ(r.problem.reason, reason) << r.problem.text;
}

TEST_F(PositionsTest, MissingRequiredFieldsAreRejectedInTheProfilesOrder) {
  const std::vector<std::pair<std::string, fix::Tag>> cases = {
      {"724=0|" + kTime, fix::tag::PosReqID},
      {"710=R|" + kTime, fix::tag::PosReqType},
      {"710=R|724=0|", fix::tag::TransactTime},
      {"1=M1-A|", fix::tag::PosReqID},
  };
  for (const auto& [body, tag] : cases) {
    const fix::FieldProblem p = strict(body);
    EXPECT_EQ(p.reason, fix::SessionRejectReason::RequiredTagMissing) << body;
    EXPECT_EQ(p.tag, tag) << body;
    expect_reject(read(body), tag, fix::SessionRejectReason::RequiredTagMissing);
  }
}

TEST_F(PositionsTest, MalformedRequestsAreRejected) {
  using R = fix::SessionRejectReason;
  const std::vector<std::tuple<std::string, fix::Tag, R>> cases = {
      {"710=R|724=7|" + kTime, fix::tag::PosReqType, R::ValueIncorrect},
      {"710=R|724=0|263=5|" + kTime, fix::tag::SubscriptionRequestType, R::ValueIncorrect},
      {"710=R|724=0|60=20240315 09:30:00|", fix::tag::TransactTime, R::IncorrectDataFormat},
      {"710=R|724=0|715=2024-03-15|" + kTime, fix::tag::ClearingBusinessDate,
       R::IncorrectDataFormat},
      {"710=R|724=0|715=20241315|" + kTime, fix::tag::ClearingBusinessDate, R::IncorrectDataFormat},
      {"710=R|724=0|453=2|448=M1|" + kTime, fix::tag::NoPartyIDs, R::IncorrectNumInGroupCount},
      {"710=R|724=0|448=M1|" + kTime, fix::tag::NoPartyIDs, R::IncorrectNumInGroupCount},
      {"710=" + std::string(65, 'x') + "|724=0|" + kTime, fix::tag::PosReqID, R::ValueIncorrect},
  };
  for (const auto& [body, tag, reason] : cases) {
    SCOPED_TRACE(body);
    expect_reject(read(body), tag, reason);
  }
  // The profile check names the same fields where the dictionary can say
  // what is wrong (enumerations, formats, fields not of the message).
  EXPECT_EQ(strict("710=R|724=7|" + kTime).tag, fix::tag::PosReqType);
  EXPECT_EQ(strict("710=R|724=0|453=1|448=M1|447=Z|" + kTime).tag, fix::tag::PartyIDSource);
  const fix::FieldProblem foreign = strict("710=R|724=0|703=TQ|" + kTime);
  EXPECT_EQ(foreign.reason, fix::SessionRejectReason::TagNotDefinedForMessageType);
  EXPECT_EQ(foreign.tag, fix::tag::PosType);
}

void expect_refusal(const PositionRequest& r, fix::PosReqResult result) {
  EXPECT_EQ(r.problem.answer, MessageProblem::Answer::OrderReject) << r.problem.text;
  EXPECT_EQ(r.refusal, result) << r.problem.text;
  EXPECT_FALSE(r.problem.text.empty());
}

TEST_F(PositionsTest, WellFormedRequestsNotCarriedOutGetAResult) {
  using P = fix::PosReqResult;
  const std::vector<std::pair<std::string, P>> cases = {
      {"710=R|724=1|" + kTime, P::NotSupported},
      {"710=R|724=3|" + kTime, P::NotSupported},
      {"710=R|724=0|263=1|" + kTime, P::NotSupported},
      {"710=R|724=0|1=M2-A|" + kTime, P::NotAuthorized},
      {"710=R|724=0|1=NOPE|" + kTime, P::NotAuthorized},
      {"710=R|724=0|453=1|448=M2|447=D|452=4|" + kTime, P::NotAuthorized},
      {"710=R|724=0|55=ZZZ|" + kTime, P::InvalidOrUnsupported},
      {"710=R|724=0|715=20240314|" + kTime, P::NoPositionsFound},
  };
  for (const auto& [body, result] : cases) {
    SCOPED_TRACE(body);
    EXPECT_TRUE(strict(body).ok());
    expect_refusal(read(body), result);
  }
  // The business date is the caller's: tomorrow's request is today's then.
  EXPECT_TRUE(read("710=R|724=0|715=20240316|" + kTime, 20240316).problem.ok());
}

TEST_F(PositionsTest, AckCarriesTheRequestsIdsAndTheResult) {
  const PositionRequest r = read(kFullRequest);
  answers_.position_ack(0, r, fix::PosReqResult::Valid, 2, {});
  const PositionRequest all = read("710=R9|724=1|" + kTime);
  answers_.position_ack(0, all, all.refusal, 0, all.problem.text);
  const std::vector<fix::MessageView> out = sent();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(sink_.members, (std::vector<engine::MemberId>{0, 0}));

  const fix::MessageView& ok = out[0];
  EXPECT_EQ(ok.msg_type(), "AO");
  EXPECT_EQ(ok.get(fix::tag::PosMaintRptID).substr(0, 3), "P0-");
  EXPECT_EQ(ok.get(fix::tag::PosReqID), "R1");
  EXPECT_EQ(ok.get(fix::tag::TotalNumPosReports), "2");
  EXPECT_EQ(ok.get(fix::tag::PosReqResult), "0");
  EXPECT_EQ(ok.get(fix::tag::PosReqStatus), "0");
  EXPECT_EQ(ok.get(fix::tag::NoPartyIDs), "1");
  EXPECT_EQ(ok.get(fix::tag::PartyID), "M1");
  EXPECT_EQ(ok.get(fix::tag::PartyIDSource), "D");
  EXPECT_EQ(ok.get(fix::tag::PartyRole), "4");
  EXPECT_EQ(ok.get(fix::tag::Account), "M1-B");
  EXPECT_EQ(ok.get(fix::tag::AccountType), "1");
  EXPECT_EQ(ok.get(fix::tag::Symbol), "BOLT");
  EXPECT_FALSE(ok.has(fix::tag::Text));

  const fix::MessageView& refused = out[1];
  EXPECT_EQ(refused.get(fix::tag::PosReqID), "R9");
  EXPECT_EQ(refused.get(fix::tag::TotalNumPosReports), "0");
  EXPECT_EQ(refused.get(fix::tag::PosReqResult), "4");
  EXPECT_EQ(refused.get(fix::tag::PosReqStatus), "2");
  EXPECT_FALSE(refused.has(fix::tag::Account));
  EXPECT_FALSE(refused.has(fix::tag::Symbol));
  EXPECT_EQ(refused.get(fix::tag::Text), all.problem.text);
  EXPECT_NE(refused.get(fix::tag::PosMaintRptID), ok.get(fix::tag::PosMaintRptID));
}

TEST_F(PositionsTest, NoPositionsIsACompletedRequest) {
  const PositionRequest r = read("710=R5|724=0|" + kTime);
  answers_.position_ack(1, r, fix::PosReqResult::NoPositionsFound, 0, "no positions");
  const std::vector<fix::MessageView> out = sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(sink_.members.back(), 1u);
  EXPECT_EQ(out[0].get(fix::tag::PosReqResult), "2");
  EXPECT_EQ(out[0].get(fix::tag::PosReqStatus), "0");
  EXPECT_EQ(out[0].get(fix::tag::PartyID), "M2");
}

// The NoPositions entries in message order: (PosType, LongQty, ShortQty).
std::vector<std::tuple<std::string, std::string, std::string>> positions(
    const fix::MessageView& m) {
  std::vector<std::tuple<std::string, std::string, std::string>> r;
  for (const fix::Field& f : m.fields()) {
    if (f.tag == fix::tag::PosType) r.emplace_back(f.value, "", "");
    if (f.tag == fix::tag::LongQty && !r.empty()) std::get<1>(r.back()) = f.value;
    if (f.tag == fix::tag::ShortQty && !r.empty()) std::get<2>(r.back()) = f.value;
  }
  return r;
}

TEST_F(PositionsTest, ReportGivesOpeningDayAndNetPositions) {
  const PositionRequest r = read(kFullRequest);
  PositionFacts p;
  p.account = "M1-B";
  p.symbol = "BOLT";
  p.business_date = kToday;
  p.opening = -5;
  p.bought = 12;
  p.sold = 3;
  p.settl_price = 10 * kScale + kScale / 4;
  p.prior_settl_price = 9 * kScale;
  answers_.position_report(0, r, 2, p);
  p.opening = 7;
  p.bought = 0;
  p.sold = 10;
  p.settl_price_final = true;
  answers_.position_report(0, r, 2, p);
  const std::vector<fix::MessageView> out = sent();
  ASSERT_EQ(out.size(), 2u);

  const fix::MessageView& first = out[0];
  EXPECT_EQ(first.msg_type(), "AP");
  EXPECT_EQ(first.get(fix::tag::PosMaintRptID).substr(0, 3), "P0-");
  EXPECT_EQ(first.get(fix::tag::PosReqID), "R1");
  EXPECT_EQ(first.get(fix::tag::PosReqType), "0");
  EXPECT_EQ(first.get(fix::tag::TotalNumPosReports), "2");
  EXPECT_EQ(first.get(fix::tag::PosReqResult), "0");
  EXPECT_EQ(first.get(fix::tag::ClearingBusinessDate), "20240315");
  EXPECT_EQ(first.get(fix::tag::PartyID), "M1");
  EXPECT_EQ(first.get(fix::tag::Account), "M1-B");
  EXPECT_EQ(first.get(fix::tag::AccountType), "1");
  EXPECT_EQ(first.get(fix::tag::Symbol), "BOLT");
  EXPECT_EQ(first.get(fix::tag::SettlPrice), "10.25");
  EXPECT_EQ(first.get(fix::tag::SettlPriceType), "2");
  EXPECT_EQ(first.get(fix::tag::PriorSettlPrice), "9");
  EXPECT_EQ(first.get(fix::tag::NoPositions), "3");
  using E = std::tuple<std::string, std::string, std::string>;
  // Short 5 carried, bought 12 and sold 3 today: long 4 now.
  EXPECT_EQ(positions(first),
            (std::vector<E>{{"SOD", "0", "5"}, {"TQ", "12", "3"}, {"FIN", "4", "0"}}));
  const fix::MessageView& second = out[1];
  EXPECT_EQ(second.get(fix::tag::SettlPriceType), "1");
  EXPECT_EQ(positions(second),
            (std::vector<E>{{"SOD", "7", "0"}, {"TQ", "0", "10"}, {"FIN", "0", "3"}}));
  EXPECT_NE(first.get(fix::tag::PosMaintRptID), second.get(fix::tag::PosMaintRptID));
}

}  // namespace
}  // namespace matchgate::gateway
