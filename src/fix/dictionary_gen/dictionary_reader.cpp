// From the element tree of a data dictionary to a checked Dictionary. Every
// rule here stands for something the profile checker relies on; the
// generator refuses a dictionary that breaks one rather than guess.
#include <algorithm>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>

#include "dictionary_xml.hpp"
#include "fix44_spec.hpp"
#include "profile_types.hpp"

namespace matchgate::fix::dictionary {
namespace {

[[noreturn]] void fail(const XmlElement& at, const std::string& what) {
  throw DictionaryError(at.line, what);
}

// Exactly the attributes named: `required` ones present, no others.
void check_attributes(const XmlElement& e, std::initializer_list<std::string_view> required,
                      std::initializer_list<std::string_view> optional = {}) {
  for (std::string_view key : required) {
    if (e.attribute(key) == nullptr) {
      fail(e, "<" + e.name + "> needs the attribute " + std::string(key));
    }
  }
  for (const auto& [key, value] : e.attributes) {
    if (std::find(required.begin(), required.end(), key) == required.end() &&
        std::find(optional.begin(), optional.end(), key) == optional.end()) {
      fail(e, "<" + e.name + ">: attribute " + key + " is not understood");
    }
  }
}

const std::string& attr(const XmlElement& e, std::string_view key) {
  return *e.attribute(key);  // check_attributes ran first
}

void check_child_name(const XmlElement& parent, const XmlElement& child, std::string_view name) {
  if (child.name == name) return;
  if (child.name == "component") {
    fail(child, "<component> in <" + parent.name + ">: components are not supported");
  }
  if (child.name == "group") {
    fail(child,
         "<group> in <" + parent.name + ">: repeating groups are supported in messages only");
  }
  fail(child, "<" + child.name + "> is not expected in <" + parent.name + ">");
}

int field_number(const XmlElement& e) {
  const std::string& text = attr(e, "number");
  if (!profile::is_digits(text) || text[0] == '0' || text.size() > 9) {
    fail(e, "field " + attr(e, "name") + ": number \"" + text + "\" is not a tag number");
  }
  const int number = std::stoi(text);
  if (!fix44::is_field_number(number) && !fix44::is_user_defined(number)) {
    fail(e, "field " + attr(e, "name") + ": " + text +
                " is neither a FIX 4.4 field number nor user-defined (5000-9999)");
  }
  return number;
}

bool is_identifier(std::string_view s) {
  return !s.empty() && !profile::is_digit(s[0]) && std::all_of(s.begin(), s.end(), [](char c) {
    return profile::is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  });
}

bool is_plain_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 127; });
}

EnumValue read_value(const XmlElement& v, const FieldDef& f, profile::ValueFormat format) {
  check_attributes(v, {"enum"}, {"description"});
  if (!v.children.empty()) fail(v, "<value> has no content");
  EnumValue value{attr(v, "enum"), v.attribute("description") ? attr(v, "description") : ""};
  if (!is_plain_token(value.value)) {
    fail(v, "field " + f.name + ": value \"" + value.value +
                "\" is not printable ASCII without spaces");
  }
  if (format == profile::ValueFormat::UtcTimestamp) {
    fail(v, "field " + f.name + ": enumerated UTCTIMESTAMP values are not supported");
  }
  if (!profile::matches_syntax(format, value.value)) {
    fail(v, "field " + f.name + ": value \"" + value.value + "\" is not a valid " + f.type);
  }
  for (const EnumValue& other : f.values) {
    if (other.value == value.value)
      fail(v, "field " + f.name + ": value " + value.value + " twice");
  }
  return value;
}

const profile::DataType& data_type(const XmlElement& e, const std::string& type) {
  const profile::DataType* t = profile::find_data_type(type);
  if (t != nullptr) return *t;
  if (type == "DATA") {
    fail(e, "field " + attr(e, "name") +
                ": type DATA is not supported (its values may contain SOH, which the framing "
                "refuses)");
  }
  std::string known;
  for (const profile::DataType& k : profile::kDataTypes) known.append(" ").append(k.name);
  fail(e, "field " + attr(e, "name") + ": unknown type \"" + type + "\"; known types:" + known);
}

FieldDef read_field(const XmlElement& e, const Dictionary& d) {
  check_attributes(e, {"number", "name", "type"});
  FieldDef f{field_number(e), attr(e, "name"), attr(e, "type"), {}, e.line};
  if (!is_identifier(f.name)) fail(e, "field name \"" + f.name + "\" is not an identifier");
  if (d.field(f.number) != nullptr) fail(e, "field number " + std::to_string(f.number) + " twice");
  if (d.field(f.name) != nullptr) fail(e, "field name " + f.name + " twice");
  const profile::DataType& type = data_type(e, f.type);
  for (const XmlElement& v : e.children) {
    check_child_name(e, v, "value");
    f.values.push_back(read_value(v, f, type.format));
  }
  return f;
}

FieldUse read_use(const XmlElement& e, const Dictionary& d) {
  check_attributes(e, {"name", "required"});
  const std::string& name = attr(e, "name");
  const FieldDef* f = d.field(name);
  if (f == nullptr) fail(e, e.name + " " + name + " is not defined in <fields>");
  const std::string& required = attr(e, "required");
  if (required != "Y" && required != "N") fail(e, "required must be Y or N, not " + required);
  return {f->number, required == "Y"};
}

void add_use(std::vector<FieldUse>& uses, const XmlElement& e, const XmlElement& parent,
             FieldUse use, const Dictionary& d) {
  for (const FieldUse& u : uses) {
    if (u.number == use.number) {
      fail(e, "field " + d.field(use.number)->name + " twice in <" + parent.name + ">");
    }
  }
  uses.push_back(use);
}

// A <group> of a message: its NUMINGROUP field, then its fields (flat: the
// checker knows which fields a message may carry, not the groups' shape).
void read_group(std::vector<FieldUse>& uses, const XmlElement& g, const XmlElement& message,
                const Dictionary& d) {
  const FieldUse count = read_use(g, d);
  if (d.field(count.number)->type != "NUMINGROUP") {
    fail(g, "group " + attr(g, "name") + ": its field is not of type NUMINGROUP");
  }
  if (g.children.empty()) fail(g, "group " + attr(g, "name") + " has no fields");
  add_use(uses, g, message, count, d);
  for (const XmlElement& e : g.children) {
    if (e.name == "group") fail(e, "nested repeating groups are not supported");
    check_child_name(g, e, "field");
    if (!e.children.empty()) fail(e, "<field> here has no content");
    FieldUse use = read_use(e, d);
    use.group = count.number;
    add_use(uses, e, message, use, d);
  }
}

// The <field name=... required=...> children of <header>, <trailer> or a
// <message>, and a message's <group>s.
std::vector<FieldUse> read_uses(const XmlElement& parent, const Dictionary& d) {
  std::vector<FieldUse> uses;
  const bool groups_allowed = parent.name == "message";
  for (const XmlElement& e : parent.children) {
    if (groups_allowed && e.name == "group") {
      read_group(uses, e, parent, d);
      continue;
    }
    check_child_name(parent, e, "field");
    if (!e.children.empty()) fail(e, "<field> here has no content");
    add_use(uses, e, parent, read_use(e, d), d);
  }
  return uses;
}

bool uses_field(const std::vector<FieldUse>& uses, int number) {
  return std::any_of(uses.begin(), uses.end(),
                     [&](const FieldUse& u) { return u.number == number; });
}

MessageDef read_message(const XmlElement& e, const Dictionary& d) {
  check_attributes(e, {"name", "msgtype", "msgcat"});
  MessageDef m{attr(e, "name"), attr(e, "msgtype"), attr(e, "msgcat"), read_uses(e, d), e.line};
  const bool type_ok =
      (m.msg_type.size() == 1 || m.msg_type.size() == 2) &&
      std::all_of(m.msg_type.begin(), m.msg_type.end(), [](char c) {
        return profile::is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
      });
  if (!is_identifier(m.name)) fail(e, "message name \"" + m.name + "\" is not an identifier");
  if (!type_ok) fail(e, "message " + m.name + ": msgtype \"" + m.msg_type + "\" is not a MsgType");
  if (m.category != "admin" && m.category != "app") {
    fail(e, "message " + m.name + ": msgcat must be admin or app");
  }
  if (d.message(m.msg_type) != nullptr) fail(e, "msgtype " + m.msg_type + " twice");
  for (const MessageDef& other : d.messages) {
    if (other.name == m.name) fail(e, "message name " + m.name + " twice");
  }
  for (const FieldUse& u : m.fields) {
    if (uses_field(d.header, u.number) || uses_field(d.trailer, u.number)) {
      fail(e, "message " + m.name + " lists header or trailer field " + d.field(u.number)->name);
    }
  }
  return m;
}

// The sections of <fix>, each exactly once.
struct Sections {
  const XmlElement* header = nullptr;
  const XmlElement* trailer = nullptr;
  const XmlElement* messages = nullptr;
  const XmlElement* components = nullptr;
  const XmlElement* fields = nullptr;
};

Sections sections(const XmlElement& root) {
  if (root.name != "fix") fail(root, "the root element is <" + root.name + ">, not <fix>");
  check_attributes(root, {"type", "major", "minor"}, {"servicepack"});
  if (attr(root, "type") != "FIX" || attr(root, "major") != "4" || attr(root, "minor") != "4") {
    fail(root, "not a FIX 4.4 dictionary (type=\"FIX\" major=\"4\" minor=\"4\")");
  }
  Sections s;
  for (const XmlElement& e : root.children) {
    const XmlElement** slot = e.name == "header"       ? &s.header
                              : e.name == "trailer"    ? &s.trailer
                              : e.name == "messages"   ? &s.messages
                              : e.name == "components" ? &s.components
                              : e.name == "fields"     ? &s.fields
                                                       : nullptr;
    if (slot == nullptr) fail(e, "<" + e.name + "> is not expected in <fix>");
    if (*slot != nullptr) fail(e, "<" + e.name + "> twice");
    check_attributes(e, {});
    *slot = &e;
  }
  for (const XmlElement* e : {s.header, s.trailer, s.messages, s.fields}) {
    if (e == nullptr) fail(root, "<fix> needs <header>, <trailer>, <messages> and <fields>");
  }
  if (s.components != nullptr && !s.components->children.empty()) {
    fail(s.components->children.front(), "components are not supported");
  }
  return s;
}

// MessageView guarantees 8, 9, 35 first and 10 last; the tables must say the
// same.
void check_header_and_trailer(const Dictionary& d, const Sections& s) {
  const std::vector<FieldUse> first = {{8, true}, {9, true}, {35, true}};
  if (d.header.size() < 3 ||
      !std::equal(first.begin(), first.end(), d.header.begin(), [](auto a, auto b) {
        return a.number == b.number && a.required == b.required;
      })) {
    fail(*s.header, "<header> must start with BeginString, BodyLength, MsgType, required");
  }
  if (d.trailer.size() != 1 || d.trailer[0].number != 10 || !d.trailer[0].required) {
    fail(*s.trailer, "<trailer> must be CheckSum alone, required");
  }
  for (const FieldUse& u : d.header) {
    if (uses_field(d.trailer, u.number)) fail(*s.header, "a field in both header and trailer");
  }
}

// QuickFIX checks a MsgType against <messages>, and its value against
// MsgType(35)'s <value>s: the two lists must agree.
void check_msg_types(const Dictionary& d, const Sections& s) {
  const FieldDef* msg_type = d.field(35);
  if (msg_type == nullptr || msg_type->values.empty()) return;
  std::set<std::string> listed;
  for (const EnumValue& v : msg_type->values) listed.insert(v.value);
  for (const MessageDef& m : d.messages) {
    if (listed.erase(m.msg_type) == 0) {
      fail(*s.messages, "message " + m.name + ": MsgType(35) has no value " + m.msg_type);
    }
  }
  if (!listed.empty()) {
    throw DictionaryError(msg_type->line,
                          "MsgType(35) value " + *listed.begin() + " names no <message>");
  }
}

}  // namespace

Dictionary read_dictionary(std::string_view xml_text) {
  const XmlElement root = parse_xml(xml_text);
  const Sections s = sections(root);
  Dictionary d;
  for (const XmlElement& e : s.fields->children) {
    check_child_name(*s.fields, e, "field");
    d.fields.push_back(read_field(e, d));
  }
  d.header = read_uses(*s.header, d);
  d.trailer = read_uses(*s.trailer, d);
  check_header_and_trailer(d, s);
  for (const XmlElement& e : s.messages->children) {
    check_child_name(*s.messages, e, "message");
    d.messages.push_back(read_message(e, d));
  }
  if (d.messages.empty()) fail(*s.messages, "<messages> is empty");
  check_msg_types(d, s);
  return d;
}

const FieldDef* Dictionary::field(int number) const noexcept {
  for (const FieldDef& f : fields) {
    if (f.number == number) return &f;
  }
  return nullptr;
}

const FieldDef* Dictionary::field(std::string_view name) const noexcept {
  for (const FieldDef& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const MessageDef* Dictionary::message(std::string_view msg_type) const noexcept {
  for (const MessageDef& m : messages) {
    if (m.msg_type == msg_type) return &m;
  }
  return nullptr;
}

}  // namespace matchgate::fix::dictionary
