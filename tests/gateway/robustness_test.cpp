// Hostile and broken input against the real daemon. After every case a
// second, healthy session must still be answered.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>

#include "gateway/gateway_test_util.hpp"

namespace matchgate::testing {
namespace {

using namespace gw;

class RobustnessTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }
  void start(DaemonOptions o) {
    healthy_.reset();
    if (daemon_) stop_and_check(*daemon_);
    daemon_ = std::make_unique<Daemon>(small(std::move(o)));
    healthy_ = logged_on(*daemon_, "MEMBER2");
  }
  void TearDown() override {
    if (daemon_ && healthy_) {
      EXPECT_TRUE(alive(*healthy_, "healthy")) << "the healthy session stopped answering";
      new_order(*healthy_, "healthy-" + std::to_string(healthy_->next_seq()), "ACME", '1', "1",
                "90");
      EXPECT_EQ(next_er(*healthy_).get(150), "0");
    }
    if (daemon_) {
      EXPECT_TRUE(daemon_->running()) << "daemon died";
      healthy_.reset();
      stop_and_check(*daemon_);
    }
  }
  std::unique_ptr<FixClient> member1() { return logged_on(*daemon_, "MEMBER1"); }
  // A message with a recomputed checksum, so that only what the test broke
  // is wrong.
  static std::string with_checksum(std::string m) {
    const std::size_t cs = m.rfind("10=");
    unsigned sum = 0;
    for (std::size_t i = 0; i < cs; ++i) sum += static_cast<unsigned char>(m[i]);
    char buf[8];
    std::snprintf(buf, sizeof buf, "%03u", sum % 256);
    m.replace(cs + 3, 3, buf);
    return m;
  }

  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<FixClient> healthy_;
};

TEST_F(RobustnessTest, GarbageBeforeLogonClosesTheConnection) {
  FixClient c(daemon_->port(), "MEMBER1");
  c.send_raw("GET / HTTP/1.1\r\nHost: example\r\n\r\n");
  EXPECT_TRUE(c.peer_closed());
  FixClient d(daemon_->port(), "MEMBER1");
  d.send_raw(std::string(3000, 'x'));
  EXPECT_TRUE(d.peer_closed());
}

TEST_F(RobustnessTest, GarbageAfterLogonIsIgnored) {
  auto c = member1();
  c->send_raw(
      "hello\x01garbage\x01"
      "8=FIX.4.2\x01"
      "9=5\x01"
      "35=0\x01"
      "10=000\x01");
  c->send_raw(std::string(5000, 'z'));
  std::vector<FixMessage> before;
  EXPECT_TRUE(alive(*c, "after-garbage", &before));
  for (const FixMessage& m : before) ADD_FAILURE() << "answered garbage: " << m.printable();
  EXPECT_EQ(c->next_seq(), 3U);
}

TEST_F(RobustnessTest, BadChecksumAndWrongBodyLengthAreDropped) {
  auto c = member1();
  std::string m = FixClient::encode("1", "MEMBER1", "MATCHGATE", 2, {{112, "x"}});
  std::string bad_sum = m;
  bad_sum[bad_sum.size() - 2] = bad_sum[bad_sum.size() - 2] == '9' ? '8' : '9';
  c->send_raw(bad_sum);
  const std::size_t at = m.find(
                             "\x01"
                             "9=") +
                         3;
  const std::size_t end = m.find('\x01', at);
  const int len = std::stoi(m.substr(at, end - at));
  for (int delta : {-1, -10, 1, 40}) {
    c->send_raw(with_checksum(m.substr(0, at) + std::to_string(len + delta) + m.substr(end)));
  }
  c->set_next_seq(2);
  std::vector<FixMessage> before;
  EXPECT_TRUE(alive(*c, "ok", &before));
  for (const FixMessage& x : before) ADD_FAILURE() << "answered: " << x.printable();
}

TEST_F(RobustnessTest, HugeBodyLengthIsDroppedNotAwaited) {
  auto c = member1();
  c->send_raw(
      "8=FIX.4.4\x01"
      "9=999999999\x01"
      "35=1\x01"
      "49=MEMBER1\x01"
      "56=MATCHGATE\x01"
      "34=2\x01"
      "112=huge\x01"
      "10=000\x01");
  std::vector<FixMessage> before;
  EXPECT_TRUE(alive(*c, "after-huge", &before));  // seq 2 again
  for (const FixMessage& x : before) ADD_FAILURE() << "answered: " << x.printable();
  // Before logon the same is a closed connection.
  FixClient d(daemon_->port(), "MEMBER1");
  d.send_raw(
      "8=FIX.4.4\x01"
      "9=999999999\x01"
      "35=A\x01");
  EXPECT_TRUE(d.peer_closed());
}

TEST_F(RobustnessTest, MissingRequiredTagsAreSessionRejectsNamingTheTag) {
  auto c = member1();
  const Fields full = order_fields("req", "ACME", '1', "5", "99");
  for (int tag : {11, 55, 54, 38, 40, 60, 44}) {
    Fields f;
    for (const auto& kv : full) {
      if (kv.first != tag) f.push_back(kv);
    }
    const std::uint64_t seq = c->next_seq();
    c->send("D", f);
    auto r = c->receive_type("3", 5s);
    ASSERT_TRUE(r.has_value()) << "tag " << tag;
    EXPECT_EQ(r->type, "3") << r->printable();
    EXPECT_EQ(r->get(373), "1") << "tag " << tag;
    EXPECT_EQ(r->get(371), std::to_string(tag));
    EXPECT_EQ(r->get(45), std::to_string(seq));
    EXPECT_EQ(r->get(372), "D");
  }
  c->send("F", {{11, "x"}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  auto r = next_of(*c, "3");
  EXPECT_EQ(r.get(373), "1");
  EXPECT_EQ(r.get(371), "41");
  c->send("G",
          {{11, "y"}, {41, "x"}, {55, "ACME"}, {54, "1"}, {40, "2"}, {44, "1"}, {60, utc_now()}});
  r = next_of(*c, "3");
  EXPECT_EQ(r.get(371), "38");
  c->send("H", {{55, "ACME"}, {54, "1"}});
  r = next_of(*c, "3");
  EXPECT_EQ(r.get(371), "11");
  EXPECT_TRUE(alive(*c));
}

TEST_F(RobustnessTest, UnknownMsgTypeIsARejectAndUnsupportedIsABusinessReject) {
  auto c = member1();
  c->send("ZZ", {{58, "what"}});
  auto r = next_of(*c, "3");
  EXPECT_EQ(r.get(373), "11");
  EXPECT_EQ(r.get(371), "35");
  EXPECT_EQ(r.get(372), "ZZ");
  EXPECT_EQ(r.get(45), "2");
  c->send("R", {{131, "q1"}, {146, "1"}, {55, "ACME"}});
  auto b = next_of(*c, "j");
  EXPECT_EQ(b.get(380), "3");
  EXPECT_EQ(b.get(372), "R");
  EXPECT_EQ(b.get(45), "3");
  EXPECT_FALSE(b.get(58).empty());
  EXPECT_TRUE(alive(*c));
}

TEST_F(RobustnessTest, InvalidValues) {
  auto c = member1();
  // Business problems: rejecting ExecutionReports.
  new_order(*c, "v-qty0", "ACME", '1', "0", "99");
  auto e = next_er(*c);
  EXPECT_EQ(e.get(150), "8");
  EXPECT_EQ(e.get(39), "8");
  EXPECT_EQ(e.get(103), "13");
  EXPECT_EQ(e.get(11), "v-qty0");
  new_order(*c, "v-qtyneg", "ACME", '1', "-5", "99");
  e = next_er(*c);
  EXPECT_EQ(e.get(150), "8");
  EXPECT_EQ(e.get(103), "13");
  new_order(*c, "v-qtyfrac", "ACME", '1', "1.5", "99");
  e = next_er(*c);
  EXPECT_EQ(e.get(150), "8");
  EXPECT_EQ(e.get(103), "13");
  new_order(*c, "v-tick", "ACME", '1', "1", "99.001");
  e = next_er(*c);
  EXPECT_EQ(e.get(150), "8");
  EXPECT_EQ(e.get(103), "99");
  EXPECT_FALSE(e.get(58).empty());
  new_order(*c, "v-band", "ACME", '1', "1", "200");
  e = next_er(*c);
  EXPECT_EQ(e.get(103), "99");
  EXPECT_FALSE(e.get(58).empty());
  new_order(*c, "v-sym", "NOPE", '1', "1", "99");
  e = next_er(*c);
  EXPECT_EQ(e.get(150), "8");
  EXPECT_EQ(e.get(103), "1");
  EXPECT_EQ(e.get(55), "NOPE");
  new_order(*c, "v-big", "ACME", '1', "1000001", "99");
  e = next_er(*c);
  EXPECT_EQ(e.get(103), "13");
  // Malformed values: session Rejects naming the tag.
  const auto expect_reject = [&](const Fields& f, const std::string& tag,
                                 const std::string& reason) {
    const std::uint64_t seq = c->next_seq();
    c->send("D", f);
    auto r = next_of(*c, "3");
    EXPECT_EQ(r.get(371), tag) << r.printable();
    EXPECT_EQ(r.get(373), reason) << r.printable();
    EXPECT_EQ(r.get(45), std::to_string(seq));
  };
  expect_reject(order_fields("v-side", "ACME", '7', "1", "99"), "54", "5");
  Fields f = order_fields("v-type9", "ACME", '1', "1", "99");
  for (auto& kv : f) {
    if (kv.first == 40) kv.second = "9";
  }
  expect_reject(f, "40", "5");
  expect_reject(order_fields("v-tif", "ACME", '1', "1", "99", {{59, "6"}}), "59", "5");
  expect_reject(order_fields("v-px", "ACME", '1', "1", "abc"), "44", "6");
  expect_reject(order_fields("v-qtytext", "ACME", '1', "ten", "99"), "38", "6");
  Fields t = order_fields("v-time", "ACME", '1', "1", "99");
  for (auto& kv : t) {
    if (kv.first == 60) kv.second = "yesterday";
  }
  expect_reject(t, "60", "6");
  expect_reject(order_fields(std::string(65, 'L'), "ACME", '1', "1", "99"), "11", "5");
  EXPECT_TRUE(alive(*c));
}

TEST_F(RobustnessTest, WellFramedButMalformedMessagesAreRejectedAndConsumeTheirNumber) {
  auto c = member1();
  const auto frame = [](const std::string& body) { return FixClient::frame(body); };
  const std::string head =
      "35=1\x01"
      "49=MEMBER1\x01"
      "56=MATCHGATE\x01";
  // A tag twice.
  c->send_raw(frame(head + "34=2\x01"
                           "112=a\x01"
                           "112=b\x01"));
  auto r = next_of(*c, "3");
  EXPECT_EQ(r.get(45), "2");
  EXPECT_EQ(r.get(371), "112");
  EXPECT_EQ(r.get(373), "13");
  // An empty value.
  c->send_raw(frame(head + "34=3\x01"
                           "112=\x01"));
  r = next_of(*c, "3");
  EXPECT_EQ(r.get(45), "3");
  EXPECT_EQ(r.get(371), "112");
  EXPECT_EQ(r.get(373), "4");
  // A tag that is not a number.
  c->send_raw(frame(head + "34=4\x01"
                           "abc=1\x01"));
  r = next_of(*c, "3");
  EXPECT_EQ(r.get(45), "4");
  EXPECT_EQ(r.get(373), "0");
  // MsgType not third: garbled, ignored, number not consumed.
  c->send_raw(
      frame("49=MEMBER1\x01"
            "35=1\x01"
            "56=MATCHGATE\x01"
            "34=5\x01"
            "112=z\x01"));
  c->set_next_seq(5);
  std::vector<FixMessage> before;
  EXPECT_TRUE(alive(*c, "x", &before));
  for (const FixMessage& x : before) ADD_FAILURE() << "answered: " << x.printable();
}

TEST_F(RobustnessTest, ApplicationMessageBeforeLogonClosesTheConnection) {
  FixClient c(daemon_->port(), "MEMBER1");
  new_order(c, "early", "ACME", '1', "1", "99");
  EXPECT_TRUE(c.peer_closed());
  FixClient d(daemon_->port(), "MEMBER1");
  d.send("0", {});
  EXPECT_TRUE(d.peer_closed());
}

TEST_F(RobustnessTest, MessageAboveMaxMessageBytesIsDroppedAsGarbled) {
  auto c = member1();
  // Default max_message_bytes 8192: a 10 KB field makes the message garbled.
  new_order(*c, "big", "ACME", '1', "1", "99", {{58, std::string(10 * 1024, 't')}});
  c->set_next_seq(2);
  std::vector<FixMessage> before;
  EXPECT_TRUE(alive(*c, "after-big", &before));
  for (const FixMessage& x : before) ADD_FAILURE() << "answered: " << x.printable();
}

TEST_F(RobustnessTest, TenKilobyteFieldsUnderALargerMaxMessageBytes) {
  DaemonOptions o;
  o.gateway_extra = "max_message_bytes = 16384";
  start(o);
  auto c = member1();
  const std::string big(10 * 1024, 'b');
  // A long Text is fine.
  new_order(*c, "big-text", "ACME", '1', "1", "99", {{58, big}});
  auto e = next_er(*c);
  EXPECT_EQ(e.get(150), "0");
  EXPECT_EQ(e.get(11), "big-text");
  // A long ClOrdID is not.
  new_order(*c, big, "ACME", '1', "1", "99");
  auto r = next_of(*c, "3");
  EXPECT_EQ(r.get(371), "11");
  EXPECT_EQ(r.get(373), "5");
  // Values echoed in answers: a long unknown symbol, account, OrigClOrdID,
  // TestReqID are still answered.
  new_order(*c, "big-sym", big, '1', "1", "99");
  e = next_er(*c);
  EXPECT_EQ(e.get(150), "8");
  EXPECT_EQ(e.get(103), "1");
  new_order(*c, "big-acct", "ACME", '1', "1", "99", {{1, big}});
  e = next_er(*c);
  EXPECT_EQ(e.get(150), "8");
  EXPECT_EQ(e.get(58), "unknown account");
  c->send("F", {{11, "big-orig"}, {41, big}, {55, "ACME"}, {54, "1"}, {60, utc_now()}});
  auto x = next_of(*c, "9");
  EXPECT_EQ(x.get(102), "1");
  c->send("H", {{11, big}, {55, "ACME"}, {54, "1"}});
  e = next_er(*c);
  EXPECT_EQ(e.get(150), "I");
  EXPECT_EQ(e.get(39), "8");
  c->send("1", {{112, big}});
  auto hb = next_of(*c, "0");
  EXPECT_TRUE(hb.get(112) == big) << "TestReqID not echoed whole";
  EXPECT_TRUE(alive(*c));
  // And a resend of all of it works.
  const std::uint64_t last = hb.seq();
  c->send("2", {{7, "1"}, {16, "0"}});
  std::uint64_t highest = 0;
  for (int i = 0; i < 64 && highest < last; ++i) {
    auto m = c->receive(5s);
    ASSERT_TRUE(m.has_value()) << "resend stopped at " << highest;
    highest = m->type == "4" ? std::stoull(m->get(36)) - 1 : m->seq();
  }
  EXPECT_GE(highest, last);
}

TEST_F(RobustnessTest, SlowReaderIsDisconnectedAndOthersAreUnaffected) {
  DaemonOptions o;
  o.gateway_extra = "max_output_bytes = 65536";
  start(o);
  // MEMBER1 never reads; its receive buffer is tiny.
  const int fd = raw_connect(daemon_->port());
  ASSERT_GE(fd, 0);
  int small = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  std::string logon = FixClient::encode("A", "MEMBER1", "MATCHGATE", 1,
                                        {{98, "0"}, {108, "30"}, {141, "Y"}, {554, "secret-1"}});
  ASSERT_EQ(::send(fd, logon.data(), logon.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(logon.size()));
  // Each status request of an unknown order is answered with an ~8 KB
  // ExecutionReport (the ClOrdID is echoed); send until the gateway gives up.
  const std::string id(7000, 's');
  bool cut = false;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  std::uint64_t seq = 2;
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  std::string pending;
  while (!cut && std::chrono::steady_clock::now() < deadline) {
    if (pending.empty()) {
      for (int i = 0; i < 16; ++i) {
        pending += FixClient::encode("1", "MEMBER1", "MATCHGATE", seq++, {{112, id}});
      }
    }
    const ssize_t n = ::send(fd, pending.data(), pending.size(), MSG_NOSIGNAL);
    if (n > 0) {
      pending.erase(0, static_cast<std::size_t>(n));
    } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      cut = true;  // reset by the gateway
    } else {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 50);
      if (p.revents & (POLLERR | POLLHUP)) cut = true;
    }
  }
  ::close(fd);
  EXPECT_TRUE(cut) << "the gateway kept a client that never reads";
  // The member can log on again once the gateway has closed the old session.
  std::unique_ptr<FixClient> again;
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (!again && std::chrono::steady_clock::now() < until) {
    auto t = std::make_unique<FixClient>(daemon_->port(), "MEMBER1");
    if (t->logon("secret-1")) {
      again = std::move(t);
    } else {
      std::this_thread::sleep_for(20ms);
    }
  }
  ASSERT_TRUE(again) << "MEMBER1 could not log on again";
  EXPECT_TRUE(alive(*again));
}

TEST_F(RobustnessTest, DisconnectInTheMiddleOfAMessage) {
  std::uint64_t next = 0;
  {
    auto c = member1();
    const std::string m = FixClient::encode("D", "MEMBER1", "MATCHGATE", 2,
                                            order_fields("half", "ACME", '1', "1", "99"));
    c->send_raw(m.substr(0, m.size() / 2));
    next = 2;
  }
  // The half message was never processed: MEMBER1 continues at 2 and the
  // ClOrdID is unknown.
  auto c = relogon(*daemon_, "MEMBER1", next);
  ASSERT_TRUE(c);
  c->send("H", {{11, "half"}, {55, "ACME"}, {54, "1"}});
  EXPECT_EQ(next_er(*c).get(39), "8");
  // Before logon, too.
  for (std::size_t cut : {std::size_t{3}, std::size_t{20}, std::size_t{60}}) {
    const int fd = raw_connect(daemon_->port());
    ASSERT_GE(fd, 0);
    const std::string l = FixClient::encode("A", "MEMBER3", "MATCHGATE", 1, {{108, "30"}});
    ::send(fd, l.data(), cut, MSG_NOSIGNAL);
    ::close(fd);
  }
}

TEST_F(RobustnessTest, ThousandConnectionsOpenedAndDroppedQuickly) {
  const std::string logon_start =
      "8=FIX.4.4\x01"
      "9=70\x01"
      "35=A\x01";
  int opened = 0;
  for (int i = 0; i < 1000; ++i) {
    const int fd = raw_connect(daemon_->port());
    if (fd < 0) continue;
    ++opened;
    if (i % 3 == 1) ::send(fd, logon_start.data(), logon_start.size(), MSG_NOSIGNAL);
    if (i % 3 == 2) {
      linger l{1, 0};  // reset instead of FIN
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    ::close(fd);
  }
  EXPECT_EQ(opened, 1000);
  // The storm is as big as max_sessions (1000 by default). A daemon that did
  // not run while it went on (a loaded CI machine; a SIGSTOP shows it every
  // time) finds up to 1000 connections in its accept queue at once and sees
  // their closes only after accepting them, so the first connections after
  // the storm can still be over the limit and are closed at once
  // (docs/CONFIG.md max_sessions). What a member relies on is that the
  // storm leaves nothing behind: once the closes are read every slot is free
  // again, and a logon retried as FIX engines retry it is answered.
  std::unique_ptr<FixClient> c;
  int refused = 0;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!c) {
    auto attempt = std::make_unique<FixClient>(daemon_->port(), "MEMBER1");
    if (attempt->logon(password_of("MEMBER1"))) {
      c = std::move(attempt);
      break;
    }
    ++refused;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "MEMBER1's logon was refused " << refused << " times after the storm";
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(alive(*c));
  new_order(*c, "after-storm", "ACME", '2', "1", "110");
  EXPECT_EQ(next_er(*c).get(150), "0");
}

TEST_F(RobustnessTest, MaxSessionsExceededClosesTheExtraConnection) {
  DaemonOptions o;
  o.gateway_extra = "max_sessions = 2";
  start(o);            // healthy_ is connection 1
  auto c = member1();  // connection 2
  FixClient extra(daemon_->port(), "MEMBER3");
  extra.send("A", {{98, "0"}, {108, "30"}, {141, "Y"}, {554, "x"}});
  EXPECT_TRUE(extra.peer_closed());
  auto m = extra.receive(100ms);
  EXPECT_FALSE(m.has_value()) << m->printable();
  EXPECT_TRUE(alive(*c));
  // Once a session leaves, a new connection is taken again.
  c->send("5", {});
  ASSERT_TRUE(c->receive_type("5", 5s).has_value());
  ASSERT_TRUE(c->peer_closed());
  std::unique_ptr<FixClient> back;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!back && std::chrono::steady_clock::now() < deadline) {
    auto t = std::make_unique<FixClient>(daemon_->port(), "MEMBER1");
    if (t->logon("secret-1")) back = std::move(t);
  }
  ASSERT_TRUE(back);
  EXPECT_TRUE(alive(*back));
}

}  // namespace
}  // namespace matchgate::testing
