#pragma once
// Checking an inbound message's fields against matchgate's FIX 4.4 profile,
// as a QuickFIX acceptor with a data dictionary does. The profile is
// docs/fix/FIX44-matchgate.xml, the dictionary published to members: the
// tables behind these functions are generated from it at build time, so
// what the gateway accepts and what members are told it accepts cannot
// drift apart. docs/FIX.md "Field validation" is the member-facing
// description.
//
// Every function here is noexcept, allocates nothing and costs O(fields) per
// message: meant for every inbound message.
#include <cstdint>
#include <string_view>

#include "matchgate/fix/message.hpp"
#include "matchgate/fix/tags.hpp"

namespace matchgate::fix {

enum class FieldValidation : std::uint8_t {
  // Every rule below.
  Strict,
  // Tags outside the profile, and profile tags not defined for the message
  // type, are ignored as if absent (2a and 2b below); everything else is
  // checked.
  Relaxed,
};

// "strict", "relaxed" (the config's words).
const char* to_string(FieldValidation v) noexcept;

// What a Reject(3) says about the first problem: SessionRejectReason(373) =
// reason, RefTagID(371) = tag.
struct FieldProblem {
  SessionRejectReason reason = SessionRejectReason::Other;
  Tag tag = 0;

  // Every problem names a field, and a parsed message has no tag 0.
  constexpr bool ok() const noexcept { return tag == 0; }
};

// The first problem of `m` (a message MessageView::parse accepted) against
// the profile, or ok(). Checks, in this order:
//  1. structure: a header field after the first body field ->
//     TagSpecifiedOutOfRequiredOrder (14), tag = that header field. Header
//     fields are those of the profile's <header> and FIX 4.4's standard
//     header (so 50=SenderSubID among the header fields is not taken for
//     the start of the body).
//  2. each field in message order, its first problem of:
//     a. Strict only: a tag outside the profile (FIX 4.4 or not, user-defined
//        5000-9999 and >= 10000 alike) -> InvalidTagNumber (0), as QuickFIX
//        answers for a field its dictionary lacks;
//     b. Strict only: a profile tag that is not in the message type's
//        fields, header or trailer -> TagNotDefinedForMessageType (2);
//     c. the value's syntax for the field's type -> IncorrectDataFormat (6);
//     d. a value outside the field's enumeration -> ValueIncorrect (5).
//  3. the first required field of the message type that is absent, header
//     fields first, in the XML's order -> RequiredTagMissing (1).
// A MsgType outside the profile gives InvalidMsgType (11), tag 35: call this
// for the types in_profile() accepts.
FieldProblem check_fields(const MessageView& m, FieldValidation v) noexcept;

// The standard texts of the SessionRejectReason values as FIX 4.4 names them
// ("Invalid tag number", "Required tag missing", ...), for Text(58).
std::string_view to_text(SessionRejectReason r) noexcept;

// Whether a MsgType is one of the profile's <messages> (both directions:
// the session messages, D F G H, and 8 9 j).
bool in_profile(std::string_view msg_type) noexcept;

}  // namespace matchgate::fix
