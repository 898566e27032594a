// The XML subset of a QuickFIX data dictionary: elements with attributes,
// the XML declaration, comments and whitespace. No text content, CDATA,
// DOCTYPE, processing instructions, namespaces or numeric character
// references: a dictionary has none, and refusing them keeps this reader
// small enough to trust.
#include <cstddef>
#include <string>
#include <string_view>

#include "dictionary_xml.hpp"

namespace matchgate::fix::dictionary {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

class XmlReader {
 public:
  explicit XmlReader(std::string_view text) : text_(text) {}

  XmlElement document() {
    if (starts_with("\xEF\xBB\xBF")) advance(3);  // UTF-8 byte order mark
    skip_space();
    if (starts_with("<?xml")) skip_past("?>", "the XML declaration");
    skip_misc();
    if (at_end() || peek() != '<') fail("expected the root element");
    XmlElement root = element();
    skip_misc();
    if (!at_end()) fail("unexpected content after the root element </" + root.name + ">");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw DictionaryError(line_, what); }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  bool starts_with(std::string_view s) const { return text_.substr(pos_).starts_with(s); }

  void advance(std::size_t n) {
    for (std::size_t i = 0; i < n && !at_end(); ++i, ++pos_) {
      if (text_[pos_] == '\n') ++line_;
    }
  }

  void skip_space() {
    while (!at_end() && is_space(peek())) advance(1);
  }

  void skip_past(std::string_view end, std::string_view what) {
    const std::size_t found = text_.find(end, pos_);
    if (found == std::string_view::npos) fail(std::string(what) + " is not closed");
    advance(found + end.size() - pos_);
  }

  // Whitespace and comments, between elements.
  void skip_misc() {
    for (skip_space(); starts_with("<!--"); skip_space()) skip_past("-->", "a comment");
  }

  void expect(char c, std::string_view where) {
    if (at_end() || peek() != c) {
      fail("expected '" + std::string(1, c) + "' " + std::string(where));
    }
    advance(1);
  }

  std::string name(std::string_view what) {
    const std::size_t start = pos_;
    if (at_end() || !is_name_start(peek())) fail("expected " + std::string(what));
    while (!at_end() && is_name_char(peek())) advance(1);
    return std::string(text_.substr(start, pos_ - start));
  }

  std::string entity() {
    static constexpr std::pair<std::string_view, char> kEntities[] = {
        {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (const auto& [text, c] : kEntities) {
      if (starts_with(text)) {
        advance(text.size());
        return std::string(1, c);
      }
    }
    fail("unsupported entity or a bare '&' (only &lt; &gt; &amp; &quot; &apos;)");
  }

  std::string attribute_value() {
    if (at_end() || (peek() != '"' && peek() != '\'')) fail("expected a quoted attribute value");
    const char quote = peek();
    advance(1);
    std::string value;
    while (!at_end() && peek() != quote) {
      if (peek() == '<') fail("'<' in an attribute value");
      if (peek() == '&') {
        value += entity();
      } else {
        value += peek();
        advance(1);
      }
    }
    if (at_end()) fail("attribute value is not closed");
    advance(1);
    return value;
  }

  // After the element's name: attributes up to '>' (true) or "/>" (false).
  bool attributes(XmlElement& e) {
    for (;;) {
      const bool spaced = !at_end() && is_space(peek());
      skip_space();
      if (starts_with("/>")) {
        advance(2);
        return false;
      }
      if (!at_end() && peek() == '>') {
        advance(1);
        return true;
      }
      if (!spaced) fail("expected whitespace, '>' or '/>' in <" + e.name + ">");
      std::string key = name("an attribute name in <" + e.name + ">");
      skip_space();
      expect('=', "after attribute " + key);
      skip_space();
      if (e.attribute(key) != nullptr) fail("attribute " + key + " appears twice");
      e.attributes.emplace_back(std::move(key), attribute_value());
    }
  }

  void children(XmlElement& e) {
    for (;;) {
      skip_misc();
      if (at_end()) fail("<" + e.name + "> (line " + std::to_string(e.line) + ") is not closed");
      if (starts_with("</")) {
        advance(2);
        const std::string end = name("an element name after '</'");
        if (end != e.name) fail("</" + end + "> closes <" + e.name + ">");
        skip_space();
        expect('>', "to end </" + end);
        return;
      }
      if (starts_with("<!") || starts_with("<?")) {
        fail("CDATA, DOCTYPE and processing instructions are not supported");
      }
      if (peek() != '<') fail("text is not expected inside <" + e.name + ">");
      e.children.push_back(element());
    }
  }

  XmlElement element() {
    XmlElement e;
    e.line = line_;
    expect('<', "to start an element");
    e.name = name("an element name");
    if (attributes(e)) children(e);
    return e;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

DictionaryError::DictionaryError(int line, const std::string& message)
    : std::runtime_error("line " + std::to_string(line) + ": " + message),
      line_(line),
      message_(message) {}

const std::string* XmlElement::attribute(std::string_view attribute_name) const noexcept {
  for (const auto& [key, value] : attributes) {
    if (key == attribute_name) return &value;
  }
  return nullptr;
}

XmlElement parse_xml(std::string_view text) {
  return XmlReader(text).document();
}

}  // namespace matchgate::fix::dictionary
