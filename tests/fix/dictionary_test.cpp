// The profile checker against the dictionary it was generated from: every
// message type, field, enumeration and required flag of
// docs/fix/FIX44-matchgate.xml, read at test time, must show in what
// check_fields answers, so tables that do not match the XML fail here.
// Also: the generator's refusals of dictionaries it does not understand.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "dictionary_xml.hpp"
#include "fix/fix_test_util.hpp"
#include "matchgate/fix/field_check.hpp"
#include "matchgate/fix/message.hpp"
#include "support/command.hpp"

namespace matchgate::fix {
namespace {

namespace dict = dictionary;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const dict::Dictionary& profile_dictionary() {
  static const dict::Dictionary d = dict::read_dictionary(read_text(MATCHGATE_FIX_DICTIONARY));
  return d;
}

// Values by FIX type, chosen here rather than taken from the checker: one
// every checker must accept, one it must refuse ("" for types without a
// syntax), and candidates for a well-formed value outside an enumeration.
struct TypeSamples {
  std::string_view type;
  std::string_view good;
  std::string_view bad;
  std::vector<std::string_view> others;
};

const TypeSamples& samples(const std::string& type) {
  static const std::vector<TypeSamples> kSamples = {
      {"INT", "42", "4x", {"12345", "-3"}},
      {"SEQNUM", "7", "-7", {"12345"}},
      {"LENGTH", "7", "7.0", {"12345"}},
      {"NUMINGROUP", "1", "-1", {"12345"}},
      {"PRICE", "100.25", "+1", {"12345.5"}},
      {"AMT", "-0.02", "+1", {"12345.5"}},
      {"QTY", "100", "1e3", {"12345.5"}},
      {"CHAR", "X", "XY", {"Z", "z", "#", "7"}},
      {"BOOLEAN", "Y", "T", {}},
      {"UTCTIMESTAMP", "20240315-09:30:01.123", "20240315 09:30:01", {}},
      {"STRING", "ABC", "", {"ZZZ-unlisted"}},
      {"LOCALMKTDATE", "20240315", "", {}},
  };
  for (const TypeSamples& s : kSamples) {
    if (s.type == type) return s;
  }
  ADD_FAILURE() << "no test samples for type " << type;
  return kSamples.back();
}

using Fields = std::vector<std::pair<int, std::string>>;

FieldProblem check(const Fields& fields) {
  std::string body;
  for (const auto& [tag, value] : fields) body += std::to_string(tag) + "=" + value + "|";
  const std::string m = testing::make_message(body);
  MessageView view;
  const ParseError e = view.parse(m);
  EXPECT_TRUE(e.ok()) << body;
  return check_fields(view, FieldValidation::Strict);
}

// Every field of `m` and of the header (BeginString, BodyLength and CheckSum
// are the test helper's), each with a good value.
Fields full_message(const dict::Dictionary& d, const dict::MessageDef& m) {
  Fields fields{{35, m.msg_type}};
  for (const auto* uses : {&d.header, &m.fields}) {
    for (const dict::FieldUse& u : *uses) {
      if (u.number == 8 || u.number == 9 || u.number == 35) continue;
      const dict::FieldDef& f = *d.field(u.number);
      fields.emplace_back(
          u.number, f.values.empty() ? std::string(samples(f.type).good) : f.values.front().value);
    }
  }
  return fields;
}

std::string unlisted_value(const dict::FieldDef& f) {
  for (std::string_view candidate : samples(f.type).others) {
    bool listed = false;
    for (const dict::EnumValue& v : f.values) listed = listed || v.value == candidate;
    if (!listed) return std::string(candidate);
  }
  return "";
}

void expect(const FieldProblem& p, SessionRejectReason reason, int tag, const std::string& what) {
  EXPECT_EQ(p.reason, reason) << what << ": " << to_text(p.reason);
  EXPECT_EQ(p.tag, tag) << what;
}

void check_values(const dict::Dictionary& d, const dict::MessageDef& m) {
  const Fields full = full_message(d, m);
  for (std::size_t i = 1; i < full.size(); ++i) {
    const dict::FieldDef& f = *d.field(full[i].first);
    const std::string where = m.name + " " + f.name;
    Fields changed = full;
    for (const dict::EnumValue& v : f.values) {
      changed[i].second = v.value;
      EXPECT_TRUE(check(changed).ok()) << where << " = " << v.value;
    }
    if (!samples(f.type).bad.empty()) {
      changed[i].second = samples(f.type).bad;
      expect(check(changed), SessionRejectReason::IncorrectDataFormat, f.number, where);
    }
    changed[i].second = unlisted_value(f);
    if (!f.values.empty() && !changed[i].second.empty()) {
      expect(check(changed), SessionRejectReason::ValueIncorrect, f.number, where);
    }
  }
}

void check_required(const dict::Dictionary& d, const dict::MessageDef& m) {
  const Fields full = full_message(d, m);
  for (std::size_t i = 1; i < full.size(); ++i) {
    const int tag = full[i].first;
    const bool required = [&] {
      for (const auto* uses : {&d.header, &m.fields}) {
        for (const dict::FieldUse& u : *uses) {
          if (u.number == tag) return u.required_in_message();
        }
      }
      return false;
    }();
    Fields without = full;
    without.erase(without.begin() + static_cast<std::ptrdiff_t>(i));
    const FieldProblem p = check(without);
    if (required) {
      expect(p, SessionRejectReason::RequiredTagMissing, tag,
             m.name + " without " + d.field(tag)->name);
    } else {
      EXPECT_TRUE(p.ok()) << m.name << " without optional " << d.field(tag)->name;
    }
  }
}

void check_others(const dict::Dictionary& d, const dict::MessageDef& m) {
  const Fields full = full_message(d, m);
  for (const dict::FieldDef& f : d.fields) {
    // OnBehalfOfCompID(115) is defined only for the drop copies the gateway
    // sends; inbound it is a standard-header tag, refused by the header
    // rules (out of place here, or as routing) rather than as a body tag.
    bool in_message = f.number == 8 || f.number == 9 || f.number == 10 || f.number == 115;
    for (const auto& [tag, value] : full) in_message = in_message || tag == f.number;
    if (in_message) continue;
    Fields more = full;
    more.emplace_back(
        f.number, f.values.empty() ? std::string(samples(f.type).good) : f.values.front().value);
    expect(check(more), SessionRejectReason::TagNotDefinedForMessageType, f.number,
           m.name + " with " + f.name);
  }
}

TEST(ProfileTables, MatchTheDictionary) {
  const dict::Dictionary& d = profile_dictionary();
  ASSERT_FALSE(d.messages.empty());
  for (const dict::MessageDef& m : d.messages) {
    SCOPED_TRACE(m.name);
    EXPECT_TRUE(in_profile(m.msg_type));
    EXPECT_TRUE(check(full_message(d, m)).ok());
    check_values(d, m);
    check_required(d, m);
    check_others(d, m);
    Fields unknown = full_message(d, m);
    unknown.emplace_back(5001, "X");
    expect(check(unknown), SessionRejectReason::InvalidTagNumber, 5001, m.name + " with 5001");
  }
}

// Entries the profile decisions put there (docs/FIX.md), read from the XML.
TEST(ProfileTables, KnownEntries) {
  const dict::Dictionary& d = profile_dictionary();
  const dict::FieldDef* handl_inst = d.field(21);
  ASSERT_NE(handl_inst, nullptr);
  EXPECT_EQ(handl_inst->name, "HandlInst");
  EXPECT_EQ(handl_inst->type, "CHAR");
  std::vector<std::string> values;
  for (const dict::EnumValue& v : handl_inst->values) values.push_back(v.value);
  EXPECT_EQ(values, (std::vector<std::string>{"1", "2", "3"}));
  for (std::string_view type : {"D", "G"}) {
    const dict::MessageDef* m = d.message(type);
    ASSERT_NE(m, nullptr);
    bool optional_handl_inst = false;
    for (const dict::FieldUse& u : m->fields) optional_handl_inst |= u.number == 21 && !u.required;
    EXPECT_TRUE(optional_handl_inst) << type;
  }
  std::vector<int> d_required;
  for (const dict::FieldUse& u : d.message("D")->fields) {
    if (u.required) d_required.push_back(u.number);
  }
  EXPECT_EQ(d_required, (std::vector<int>{11, 55, 54, 38, 40, 60}));
  EXPECT_EQ(d.field(373)->values.size(), 19u);  // every FIX 4.4 SessionRejectReason
}

}  // namespace
}  // namespace matchgate::fix
