// The dictionary generator refuses, with the line and the reason, every
// dictionary it could misread, and the build's tables are what it makes of
// docs/fix/FIX44-matchgate.xml today.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "dictionary_xml.hpp"
#include "support/command.hpp"

namespace matchgate::fix::dictionary {
namespace {

// Line numbers matter below: the message is on line 8, the fields are on
// lines 13 to 17.
const std::string kMinimal = R"(<?xml version="1.0"?>
<!-- smallest dictionary the generator takes -->
<fix type="FIX" major="4" minor="4" servicepack="0">
  <header>
    <field name="BeginString" required="Y"/><field name="BodyLength" required="Y"/><field name="MsgType" required="Y"/>
  </header>
  <trailer><field name="CheckSum" required="Y"/></trailer>
  <messages><message name="Heartbeat" msgtype="0" msgcat="admin">
      <field name="TestReqID" required="N"/>
  </message></messages>
  <components/>
  <fields>
    <field number="8" name="BeginString" type="STRING"/>
    <field number="9" name="BodyLength" type="LENGTH"/>
    <field number="10" name="CheckSum" type="STRING"/>
    <field number="35" name="MsgType" type="STRING"><value enum="0" description="HEARTBEAT"/></field>
    <field number="112" name="TestReqID" type="STRING"/>
  </fields>
</fix>
)";

std::string replaced(std::string_view from, std::string_view to) {
  std::string s = kMinimal;
  const std::size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

struct Refusal {
  std::string_view from;
  std::string_view to;
  int line;
  std::string_view says;
};

TEST(DictionaryReader, ReadsTheMinimalDictionary) {
  const Dictionary d = read_dictionary(kMinimal);
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_EQ(d.messages[0].msg_type, "0");
  ASSERT_EQ(d.messages[0].fields.size(), 1u);
  EXPECT_EQ(d.messages[0].fields[0].number, 112);
  EXPECT_FALSE(d.messages[0].fields[0].required);
  EXPECT_EQ(d.header.size(), 3u);
  EXPECT_EQ(d.field("MsgType")->values.at(0).description, "HEARTBEAT");
  // Entities and single quotes, as XML allows.
  const Dictionary e = read_dictionary(
      replaced("description=\"HEARTBEAT\"", "description='HEART&amp;&lt;BEAT&gt;&quot;&apos;'"));
  EXPECT_EQ(e.field(35)->values.at(0).description, "HEART&<BEAT>\"'");
}

// A repeating group of a message: its NUMINGROUP field, then its fields,
// which no message requires (a field required in the group is required in
// each of its instances).
TEST(DictionaryReader, ReadsAGroupAsItsFields) {
  const std::string group =
      "<group name=\"NoHops\" required=\"Y\"><field name=\"HopCompID\" required=\"Y\"/>"
      "<field name=\"TestReqID\" required=\"N\"/></group>";
  std::string xml = replaced("<field name=\"TestReqID\" required=\"N\"/>", group);
  const std::string more_fields =
      "<field number=\"627\" name=\"NoHops\" type=\"NUMINGROUP\"/>"
      "<field number=\"628\" name=\"HopCompID\" type=\"STRING\"/></fields>";
  xml.replace(xml.find("</fields>"), 9, more_fields);
  const Dictionary d = read_dictionary(xml);
  const std::vector<FieldUse>& f = d.messages.at(0).fields;
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].number, 627);
  EXPECT_EQ(f[0].group, 0);
  EXPECT_TRUE(f[0].required_in_message());
  EXPECT_EQ(f[1].number, 628);
  EXPECT_EQ(f[1].group, 627);
  EXPECT_TRUE(f[1].required);
  EXPECT_FALSE(f[1].required_in_message());
  EXPECT_EQ(f[2].number, 112);
  EXPECT_EQ(f[2].group, 627);

  const std::string nested =
      "<group name=\"NoHops\" required=\"N\">"
      "<group name=\"NoHops\" required=\"N\"/></group>";
  xml = replaced("<field name=\"TestReqID\" required=\"N\"/>", nested);
  xml.replace(xml.find("</fields>"), 9, more_fields);
  try {
    read_dictionary(xml);
    ADD_FAILURE() << "accepted a nested group";
  } catch (const DictionaryError& e) {
    EXPECT_NE(e.message().find("nested repeating groups are not supported"), std::string::npos)
        << e.what();
  }
}

TEST(DictionaryReader, RefusesWhatItDoesNotUnderstand) {
  const Refusal cases[] = {
      {"<field name=\"TestReqID\" required=\"N\"/>",
       "<group name=\"NoHops\" required=\"N\"><field name=\"TestReqID\" required=\"N\"/></group>",
       9, "group NoHops is not defined in <fields>"},
      {"<field name=\"TestReqID\" required=\"N\"/>",
       "<group name=\"TestReqID\" required=\"N\"><field name=\"MsgType\" required=\"N\"/></group>",
       9, "group TestReqID: its field is not of type NUMINGROUP"},
      {"<trailer><field name=\"CheckSum\" required=\"Y\"/></trailer>",
       "<trailer><group name=\"CheckSum\" required=\"Y\"/></trailer>", 7,
       "repeating groups are supported in messages only"},
      {"<components/>", "<components><component name=\"Instrument\"/></components>", 11,
       "components are not supported"},
      {"name=\"TestReqID\" type=\"STRING\"", "name=\"TestReqID\" type=\"PRCE\"", 17,
       "unknown type \"PRCE\""},
      {"name=\"TestReqID\" type=\"STRING\"", "name=\"TestReqID\" type=\"DATA\"", 17,
       "type DATA is not supported"},
      {"name=\"TestReqID\" type=\"STRING\"/>",
       "name=\"TestReqID\" type=\"CHAR\"><value enum=\"AB\"/></field>", 17,
       "value \"AB\" is not a valid CHAR"},
      {"name=\"TestReqID\" type=\"STRING\"/>",
       "name=\"TestReqID\" type=\"INT\"><value enum=\"1\"/><value enum=\"1\"/></field>", 17,
       "value 1 twice"},
      {"<field name=\"TestReqID\" required=\"N\"/>", "<field name=\"TestReqId\" required=\"N\"/>",
       9, "field TestReqId is not defined in <fields>"},
      {"required=\"N\"", "required=\"no\"", 9, "required must be Y or N"},
      {"number=\"112\"", "number=\"35\"", 17, "field number 35 twice"},
      {"number=\"112\"", "number=\"999\"", 17, "999 is neither a FIX 4.4 field number"},
      {"number=\"112\"", "number=\"0112\"", 17, "is not a tag number"},
      {"<field name=\"BeginString\" required=\"Y\"/><field name=\"BodyLength\" required=\"Y\"/>",
       "<field name=\"BodyLength\" required=\"Y\"/><field name=\"BeginString\" required=\"Y\"/>", 4,
       "<header> must start with BeginString, BodyLength, MsgType"},
      {"<trailer><field name=\"CheckSum\" required=\"Y\"/>",
       "<trailer><field name=\"CheckSum\" required=\"Y\"/><field name=\"TestReqID\" "
       "required=\"N\"/>",
       7, "<trailer> must be CheckSum alone"},
      {"<field name=\"TestReqID\" required=\"N\"/>", "<field name=\"BodyLength\" required=\"N\"/>",
       8, "lists header or trailer field BodyLength"},
      {"msgcat=\"admin\">", "msgcat=\"admin\" foo=\"1\">", 8, "attribute foo is not understood"},
      {"msgtype=\"0\"", "msgtype=\"0!\"", 8, "is not a MsgType"},
      {"<value enum=\"0\" description=\"HEARTBEAT\"/>", "<value enum=\"1\"/>", 8,
       "MsgType(35) has no value 0"},
      {"major=\"4\"", "major=\"5\"", 3, "not a FIX 4.4 dictionary"},
      {"</message></messages>", "</message>", 19, "</fix> closes <messages>"},
      {"<trailer>", "<trailer>hello", 7, "text is not expected inside <trailer>"},
      {"description=\"HEARTBEAT\"", "description=\"a &nbsp; b\"", 16, "unsupported entity"},
      {"generator takes -->", "generator takes", 2, "a comment is not closed"},
      {"<fields>", "<fields><![CDATA[x]]>", 12, "CDATA"},
      {"<components/>", "<components/><extras/>", 11, "<extras> is not expected in <fix>"},
  };
  for (const Refusal& c : cases) {
    const std::string xml = replaced(c.from, c.to);
    try {
      read_dictionary(xml);
      ADD_FAILURE() << "accepted: " << c.to;
    } catch (const DictionaryError& e) {
      EXPECT_NE(e.message().find(c.says), std::string::npos) << e.what() << "\nwanted: " << c.says;
      EXPECT_EQ(e.line(), c.line) << e.what();
    }
  }
}

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "fix_dictionary_gen_" + std::to_string(::getpid()) + "_" + name;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// What the build sees: the program fails, names file and line, writes nothing.
TEST(DictionaryGenerator, FailsTheBuildOnADictionaryItRefuses) {
  const std::string xml = temp_path("bad.xml");
  const std::string out = temp_path("bad.hpp");
  std::ofstream(xml) << replaced("type=\"LENGTH\"", "type=\"LENGHT\"");
  const auto run = matchgate::testing::run_command(std::string(MATCHGATE_FIX_DICTIONARY_GEN) + " " +
                                                   xml + " " + out);
  EXPECT_EQ(run.status, 1) << run.out;
  EXPECT_TRUE(run.has(xml + ":14: error: field BodyLength: unknown type \"LENGHT\"")) << run.out;
  EXPECT_TRUE(run.has("the FIX profile tables were not generated")) << run.out;
  EXPECT_FALSE(std::ifstream(out).good());
  std::remove(xml.c_str());
}

// The tables compiled into this test are the generator's output for the
// dictionary as it is now.
TEST(DictionaryGenerator, BuildTablesAreCurrent) {
  const std::string out = temp_path("current.hpp");
  const auto run = matchgate::testing::run_command(std::string(MATCHGATE_FIX_DICTIONARY_GEN) + " " +
                                                   MATCHGATE_FIX_DICTIONARY + " " + out);
  ASSERT_EQ(run.status, 0) << run.out;
  const std::string made = read_text(out);
  EXPECT_NE(made.find("{21, ValueFormat::Char, "), std::string::npos);
  EXPECT_EQ(made, read_text(MATCHGATE_FIX_TABLES));
  std::remove(out.c_str());
}

}  // namespace
}  // namespace matchgate::fix::dictionary
