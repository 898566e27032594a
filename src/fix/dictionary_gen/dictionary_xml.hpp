#pragma once
// Reading matchgate's FIX data dictionary (docs/fix/FIX44-matchgate.xml, the
// QuickFIX format) at build time, for the generator of the profile tables and
// for the tests that hold those tables against the XML.
//
// Deliberately small: it understands exactly what a profile without
// components needs (elements fix, header, trailer, messages, message, group
// (in a message, of fields only), components (empty), fields, field and
// value, with their attributes, plus the XML declaration and comments) and
// refuses everything
// else with a DictionaryError naming the line, so a dictionary the checker
// could misread never becomes tables. Not for the hot path: it allocates and
// throws.
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace matchgate::fix::dictionary {

class DictionaryError : public std::runtime_error {
 public:
  // what() is "line <line>: <message>".
  DictionaryError(int line, const std::string& message);
  int line() const noexcept { return line_; }
  const std::string& message() const noexcept { return message_; }

 private:
  int line_;
  std::string message_;
};

struct XmlElement {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;  // in document order
  std::vector<XmlElement> children;
  int line = 0;

  // nullptr when absent.
  const std::string* attribute(std::string_view attribute_name) const noexcept;
};

// The root element of `text`, entities in attribute values decoded.
XmlElement parse_xml(std::string_view text);

// A <value enum="..."> of a field.
struct EnumValue {
  std::string value;
  std::string description;
};

// A <field> of <fields>.
struct FieldDef {
  int number = 0;
  std::string name;
  std::string type;
  std::vector<EnumValue> values;
  int line = 0;
};

// A <field name=... required=...> in <header>, <trailer> or a <message>,
// resolved to its number; or a <group> of a message (number: its NUMINGROUP
// field), followed in MessageDef::fields by the group's fields.
struct FieldUse {
  int number = 0;
  // In a group: required in every instance of the group. Elsewhere (the
  // group's own NUMINGROUP field included): required in the message.
  bool required = false;
  // The NUMINGROUP field of the group this field belongs to; 0: none.
  int group = 0;

  // Whether every message of its type must carry the field.
  bool required_in_message() const noexcept { return required && group == 0; }
};

struct MessageDef {
  std::string name;
  std::string msg_type;
  std::string category;  // "admin" or "app"
  std::vector<FieldUse> fields;
  int line = 0;
};

struct Dictionary {
  std::vector<FieldDef> fields;  // in the order of <fields>
  std::vector<FieldUse> header;
  std::vector<FieldUse> trailer;
  std::vector<MessageDef> messages;

  // nullptr when absent.
  const FieldDef* field(int number) const noexcept;
  const FieldDef* field(std::string_view name) const noexcept;
  const MessageDef* message(std::string_view msg_type) const noexcept;
};

// Parses and checks a whole dictionary: well-formed as above, every field
// number a FIX 4.4 or user-defined (5000-9999) tag number, every type one the
// checker knows, every enumeration value valid for its type, every field a
// message names defined, no duplicates, MsgType(35)'s values the message
// types, a header starting 8 9 35 and a trailer of CheckSum(10) only.
Dictionary read_dictionary(std::string_view xml_text);

}  // namespace matchgate::fix::dictionary
