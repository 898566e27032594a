#pragma once
// Helpers for building FIX messages in tests. They compute BodyLength and
// CheckSum independently of the code under test, with '|' standing for SOH
// so that test messages stay readable.
#include <cstdio>
#include <string>
#include <string_view>

namespace matchgate::fix::testing {

inline std::string soh(std::string_view pipes) {
  std::string s(pipes);
  for (char& c : s) {
    if (c == '|') c = '\x01';
  }
  return s;
}

inline unsigned byte_sum(std::string_view s) {
  unsigned sum = 0;
  for (unsigned char c : s) sum += c;
  return sum % 256;
}

inline std::string with_trailer(std::string head) {
  char trailer[8];
  std::snprintf(trailer, sizeof trailer, "10=%03u\x01", byte_sum(head));
  return head + trailer;
}

// "8=<begin>|9=<len>|<body>10=<sum>|" with body given in pipe notation and
// ending with '|'.
inline std::string make_message(std::string_view body_pipes, std::string_view begin = "FIX.4.4") {
  const std::string body = soh(body_pipes);
  std::string head =
      "8=" + std::string(begin) + '\x01' + "9=" + std::to_string(body.size()) + '\x01' + body;
  return with_trailer(std::move(head));
}

// A typical NewOrderSingle.
inline std::string new_order_body() {
  return "35=D|49=MEMBER01|56=MATCHGATE|34=1042|52=20240315-09:30:01.123456|11=ORD-000123|1=ACC42|"
         "55=XYZ|"
         "54=1|60=20240315-09:30:01.123|38=100|40=2|44=101.25|59=0|";
}

}  // namespace matchgate::fix::testing
