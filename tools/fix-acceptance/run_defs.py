#!/usr/bin/env python3
"""Run QuickFIX's FIX 4.4 server acceptance scripts against matchgated.

Usage:
  python3 tools/fix-acceptance/run_defs.py --bin DIR --repo GITDIR
         [--only SUBSTRING ...] [--verbose]
         [--restart-per-connect | --no-restart-per-connect]
         [--timeout S] [--disconnect-timeout S] [--defs DIR] [--repo GITDIR]
         [--keep-tmp]

DIR holds matchgated, matchgate-admin and matchgate-wal. The exit status is
always 0; one line per script, then a summary.

Scripts
  test/definitions/server/fix44/*.def of a QuickFIX git repository (--repo,
  a clone or bare mirror of github.com/quickfix/quickfix; its scripts are not
  part of matchgate), extracted with `git show` into --defs (default: a
  temporary directory; refreshed on each run). Script language as interpreted by QuickFIX's test/Reflector.rb and
  ReflectorClient.rb:
    blank line / `#...`      ignored
    iCONNECT / iDISCONNECT   open / close the client connection
    eDISCONNECT              wait for the acceptor to close the connection
    I<msg>                   send: <TIME>, <TIME+n>, <TIME-n> become the UTC
                             time (YYYYMMDD-HH:MM:SS, +-n s); BodyLength(9)
                             and CheckSum(10) are added unless the script
                             writes them (then they are sent as written, so
                             deliberately wrong values stay wrong); a message
                             not starting with 8= is sent verbatim
    E<msg>                   read the next message on that connection and
                             compare it (below)
    X1,...                   the same on connection X (digit), e.g. I2,8=...
  Each message-level step reads exactly one message, in order, like the Ruby
  runner: an unexpected extra message is compared with the next E line.

Adaptations to matchgated
  * Every Logon (35=A) the script sends gets Password(554)=<PASSWORD>
    appended before the checksum (matchgated requires it). An explicit
    BodyLength/CheckSum that was correct for the script's text is corrected
    for the added field; an explicit wrong one is left wrong.
  * Per daemon: a fresh temporary directory with a config ([gateway]
    comp_id = "ISLD" on a free 127.0.0.1 port, one member TW44 whose
    password_hash comes from `matchgate-admin hash-password --iterations
    10000` (made once per run), one instrument per Symbol(55) found in the
    scripts: tick 0.01, lot 1, reference 100.00, no price band), the WAL in
    DIR/wal sealed with a key from `matchgate-wal keygen` (chmod 600). The
    harness waits until the port accepts connections; the daemon is stopped
    with SIGTERM (SIGKILL after 10 s) and the directory removed.
  * Sequence numbers. QuickFIX's acceptance acceptor (src/at.cpp with the
    cfg/at.cfg that test/setup.sh writes: SenderCompID=ISLD, session
    FIX.4.4/TW44 with DataDictionary=spec/FIX44.xml, ResetOnLogon=Y; not set,
    so QuickFIX defaults: ResetOnLogout=N, ResetOnDisconnect=N,
    CheckLatency=Y, MaxLatency=120 s) resets on every Logon: both sequence
    numbers start at 1, and the scripts rely on it (2i, 2k, 2o log on again with
    MsgSeqNum 1 and no ResetSeqNumFlag). matchgated keeps a member's
    sequence numbers across reconnects. With --restart-per-connect (the
    default, emulating the acceptor) every iCONNECT made while none of the
    script's connections is open gets a newly started matchgated with a new
    directory; an iCONNECT while another connection is open (1b, AlreadyLoggedOn)
    goes to the running daemon. The new directory also means no write-ahead
    log carries sequence numbers over. --no-restart-per-connect runs one
    daemon per script (then 2i, 2k, 2o fail on "MsgSeqNum too low").

Comparison ("loose"; QuickFIX's own Comparator is exact and ordered)
  * MsgType(35) must be equal.
  * Every other expected field must be present with the same value, except
    BodyLength(9), CheckSum(10), SendingTime(52), OrigSendingTime(122),
    TransactTime(60) and any value written as a zero time placeholder
    (00000000-00:00:00[.fff]): these are not compared.
  * Field order is not compared; extra received fields are allowed.
  * Text(58) is compared exactly, but a difference (or a missing 58) is
    reported separately as "text differs": a script whose only differences
    are Text(58) values is PASS-TEXT.
  * ECHO: QuickFIX's test application (src/at_application.h) echoes
    NewOrderSingle, SecurityDefinition and Email back to the sender (and the
    echo is later resent). An E line whose MsgType is an application type the
    script itself sent is such an echo. A mismatch there is classified ECHO
    (behaviour of QuickFIX's echo application, not of an exchange): the
    received message stands in for the echo and the script goes on; the
    script's status stays ECHO, and the first later mismatch (usually a
    consequence, e.g. different sequence numbers) is shown after "then".
  * eDISCONNECT passes when the peer closes within --disconnect-timeout
    (default 10 s, the Ruby runner's own limit: 6_SendTestRequest expects
    the acceptor's heartbeat-timeout disconnect, which takes ~8 s after the
    TestRequest). A Logout (35=5) received before the close is accepted
    (noted with --verbose); any other message is a mismatch. The Ruby runner
    would fail on any data.
  * An E line waits up to --timeout seconds (default 12; the scripts with
    HeartBtInt=6 wait up to ~7 s for the acceptor's heartbeat/TestRequest).
    A timeout or a closed connection is a mismatch and ends the script.
  * After the last line, with --verbose, connections still open are
    drained for 0.5 s (a short wait: the script expects nothing there) and
    what arrives is shown; it is never counted.

Statuses: PASS; PASS-TEXT (only Text(58) differences); ECHO (first
difference at an expected echo); FAIL (first difference elsewhere: the
script stops there; line number in the .def, expected vs received).
"""

import argparse
import datetime
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SOH = "\x01"
REPO_DEFS = "test/definitions/server/fix44"
PASSWORD = "qfdef-TW44-password"
MEMBER = "TW44"
GATEWAY = "ISLD"
SESSION_TYPES = set("012345A")
UNCOMPARED_TAGS = {"9", "10", "52", "60", "122"}
ZERO_TIME = re.compile(r"^00000000-00:00:00(\.\d+)?$")
DRAIN_AT_END_S = 0.5


def show(msg):
    return msg.replace(SOH, "|") if msg is not None else "<nothing>"


# ---------------------------------------------------------------- scripts

def extract_defs(repo, defs_dir):
    os.makedirs(defs_dir, exist_ok=True)
    names = subprocess.run(
        ["git", "-C", repo, "ls-tree", "--name-only", "HEAD", REPO_DEFS + "/"],
        check=True, capture_output=True, text=True).stdout.split()
    for path in names:
        if not path.endswith(".def"):
            continue
        data = subprocess.run(["git", "-C", repo, "show", "HEAD:" + path],
                              check=True, capture_output=True).stdout
        with open(os.path.join(defs_dir, os.path.basename(path)), "wb") as f:
            f.write(data)


class Step:
    def __init__(self, lineno, kind, cid, body, text):
        self.lineno, self.kind, self.cid, self.body, self.text = lineno, kind, cid, body, text


def parse_def(path):
    with open(path, "rb") as f:
        text = f.read().decode("latin-1")
    steps = []
    for lineno, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        if not line or line[0] == "#":
            continue
        m = re.match(r"^([IEie])(\d),", line)
        if m:
            steps.append(Step(lineno, m.group(1), int(m.group(2)), line[3:], line))
        else:
            steps.append(Step(lineno, line[0], 1, line[1:], line))
    return steps


def symbols_of(defs):
    found = set()
    for path in defs:
        with open(path, "rb") as f:
            for m in re.finditer(rb"\x0155=([^\x01\n]+)\x01", f.read()):
                found.add(m.group(1).decode("latin-1"))
    return sorted(s for s in found if re.fullmatch(r"[!-~]{1,32}", s) and '"' not in s)


# ------------------------------------------------------------ FIX helpers

def timeify(msg):
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    fmt = "%Y%m%d-%H:%M:%S"

    def repl(m):
        delta = int(m.group(2) or 0) * (-1 if m.group(1) == "-" else 1)
        return (now + datetime.timedelta(seconds=delta)).strftime(fmt)
    return re.sub(r"<TIME(?:([+-])(\d+))?>", repl, msg)


def checksum(data):
    return "%03d" % (sum(data.encode("latin-1")) % 256)


def body_length(msg):
    """BodyLength the message should carry (needs 8= and 9= first)."""
    m = re.match(r"8=[^\x01]*\x019=[^\x01]*\x01", msg)
    if not m:
        return None
    end = msg.rfind(SOH + "10=")
    end = len(msg) if end < 0 else end + 1
    return end - m.end()


def split_checksum(msg):
    m = re.search(r"\x0110=[^\x01]*\x01$", msg)
    if m:
        return msg[:m.start() + 1], msg[m.start() + 1:]
    return msg, None


def fixify(msg):
    """Reflector.rb fixify!: add BodyLength(9) and CheckSum(10) unless present."""
    if not msg.startswith("8=") or SOH not in msg:
        return msg
    has_length = re.search(r"\x019=.*?\x01", msg) is not None
    i = msg.index(SOH) + 1
    head, (rest, trailer) = msg[:i], split_checksum(msg[i:])
    length = "" if has_length else "9=%d%s" % (len(rest), SOH)
    if trailer is None:
        trailer = "10=" + checksum(head + length + rest) + SOH
    return head + length + rest + trailer


def is_logon(msg):
    return re.search(r"(^|\x01)35=A\x01", msg) is not None


def add_password(msg):
    """Append 554 to a Logon, keeping explicit 9/10 as right or wrong as they were."""
    if not is_logon(msg):
        return msg
    field = "554=%s%s" % (PASSWORD, SOH)
    body, trailer = split_checksum(msg)
    if not body.endswith(SOH):
        body += SOH
    m = re.match(r"(8=[^\x01]*\x019=)(\d+)(\x01)", body)
    if m and int(m.group(2)) == body_length(msg):
        body = m.group(1) + str(int(m.group(2)) + len(field)) + m.group(3) + body[m.end():]
    new_body = body + field
    if trailer is not None:
        old_ok = trailer == "10=%s%s" % (checksum(msg[:len(msg) - len(trailer)]), SOH)
        if old_ok:
            trailer = "10=%s%s" % (checksum(new_body), SOH)
        return new_body + trailer
    return new_body


def fields(msg):
    out = []
    for part in msg.split(SOH):
        if part == "":
            continue
        tag, _, value = part.partition("=")
        out.append((tag, value))
    return out


def msg_type(msg):
    for tag, value in fields(msg):
        if tag == "35":
            return value
    return None


def compare(expected, received):
    """Returns (differences, text_differences) as lists of strings."""
    exp = fields(expected)
    got = {}
    for tag, value in fields(received):
        got.setdefault(tag, []).append(value)
    et, rt = msg_type(expected), msg_type(received)
    if et != rt:
        return ["MsgType 35=%s expected, received 35=%s" % (et, rt)], []
    diffs, texts = [], []
    for tag, value in exp:
        if tag in UNCOMPARED_TAGS or ZERO_TIME.match(value):
            continue
        values = got.get(tag)
        if tag == "58":
            if values is None:
                texts.append("58 missing (expected %r)" % value)
            elif value not in values:
                texts.append("58=%r expected, received %r" % (value, values[0]))
            continue
        if values is None:
            diffs.append("%s missing (expected %s)" % (tag, value))
        elif value not in values:
            diffs.append("%s=%s expected, received %s" % (tag, value, values[0]))
    return diffs, texts


class Conn:
    def __init__(self, sock):
        self.sock, self.buf, self.eof = sock, b"", False

    def _frame(self):
        """One message from the buffer like FixParser.rb, or None."""
        i = self.buf.find(b"\x019=")
        if i < 0:
            return None
        j = self.buf.find(b"\x01", i + 3)
        if j < 0:
            return None
        try:
            length = int(self.buf[i + 3:j])
        except ValueError:
            msg, self.buf = self.buf, b""
            return msg
        end = j + 1 + length
        if len(self.buf) < end:
            return None
        k = self.buf.find(b"\x01", end)
        if k < 0:
            return None
        msg, self.buf = self.buf[:k + 1], self.buf[k + 1:]
        return msg

    def read(self, timeout):
        """(message, None) or (None, 'timeout'|'closed')."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self._frame()
            if msg is not None:
                return msg.decode("latin-1"), None
            if self.eof:
                return None, "closed"
            left = deadline - time.monotonic()
            if left <= 0:
                return None, "timeout"
            ready, _, _ = select.select([self.sock], [], [], left)
            if not ready:
                continue
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if data:
                self.buf += data
            else:
                self.eof = True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ----------------------------------------------------------------- daemon

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def can_connect(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def make_password_hash(bindir):
    out = subprocess.run([os.path.join(bindir, "matchgate-admin"), "hash-password",
                          "--iterations", "10000"], input=PASSWORD + "\n",
                         capture_output=True, text=True, check=True).stdout
    return out.strip().splitlines()[-1].strip()


class Daemon:
    def __init__(self, bindir, pw_hash, symbols, keep, log):
        self.bindir, self.pw_hash, self.symbols, self.keep, self.log = (
            bindir, pw_hash, symbols, keep, log)
        self.proc, self.dir, self.port = None, None, None

    def _config(self):
        lines = [
            "[gateway]", 'listen = "127.0.0.1:%d"' % self.port, 'comp_id = "%s"' % GATEWAY, "",
            "[engine]", "shards = 1", "max_orders = 65536", 'idle = "wait"',
            "ring_capacity = 4096", "",
            "[wal]", 'dir = "%s/wal"' % self.dir, 'sign_key = "%s/wal-key.pem"' % self.dir,
            "segment_mb = 4", "",
            "[dedup]", "max_keys = 65536", "",
            "[log]", 'level = "info"', 'file = "%s/matchgated.log"' % self.dir, "",
            "[admin]", 'socket = "%s/admin.sock"' % self.dir, "",
            "[[members]]", 'comp_id = "%s"' % MEMBER, 'password_hash = "%s"' % self.pw_hash,
            'accounts = ["%s-MAIN"]' % MEMBER, "",
        ]
        for sym in self.symbols:
            lines += ["[[instruments]]", 'symbol = "%s"' % sym, 'tick_size = "0.01"',
                      "lot_size = 1", 'reference_price = "100.00"', "price_band_pct = 0",
                      "max_order_qty = 1000000", ""]
        return "\n".join(lines)

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="qfdef-")
        key = os.path.join(self.dir, "wal-key.pem")
        subprocess.run([os.path.join(self.bindir, "matchgate-wal"), "keygen", "--private", key,
                        "--public", os.path.join(self.dir, "wal-key.pub.pem")],
                       check=True, capture_output=True)
        os.chmod(key, 0o600)
        for _attempt in range(5):
            self.port = free_port()
            cfg = os.path.join(self.dir, "matchgate.toml")
            with open(cfg, "w") as f:
                f.write(self._config())
            out = open(os.path.join(self.dir, "stdout.log"), "ab")
            self.proc = subprocess.Popen([os.path.join(self.bindir, "matchgated"), "--config", cfg],
                                         cwd=self.dir, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
            out.close()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and self.proc.poll() is None:
                if can_connect(self.port):
                    self.log("-- matchgated pid %d on 127.0.0.1:%d, dir %s"
                             % (self.proc.pid, self.port, self.dir))
                    return
                time.sleep(0.02)
            self._kill()
        raise RuntimeError("matchgated did not start; log tail:\n" + self.log_tail())

    def log_tail(self):
        text = ""
        for name in ("matchgated.log", "stdout.log"):
            try:
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    text += f.read()
            except OSError:
                pass
        return "\n".join(text.splitlines()[-15:])

    def _kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self._kill()
        self.log("-- matchgated stopped (exit %s)" % self.proc.returncode)
        self.proc = None
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


# ----------------------------------------------------------------- runner

class Stop(Exception):
    pass


class ScriptRun:
    def __init__(self, path, opts, pw_hash, symbols):
        self.path, self.opts = path, opts
        self.name = os.path.basename(path)[:-4]
        self.verbose_lines = []
        self.daemon = Daemon(opts.bin, pw_hash, symbols, opts.keep_tmp, self.log)
        self.daemon_used = False
        self.conns = {}
        self.sent_app_types = set()
        self.fail = None        # first non-echo mismatch (text)
        self.echo = None        # first echo mismatch (text)
        self.texts = []         # text-only differences

    def log(self, line):
        if self.opts.verbose:
            print("    " + line, flush=True)

    # -- outcome bookkeeping
    def mismatch(self, step, what, expected=None, received=None, echo=False):
        detail = "line %d: %s" % (step.lineno, what)
        if expected is not None:
            detail += "; expected: %s; received: %s" % (show(expected), show(received))
        self.log("!! " + ("ECHO " if echo else "") + detail)
        if echo:
            if self.echo is None:
                self.echo = detail
            return
        self.fail = detail
        raise Stop()

    def status(self):
        if self.echo is not None:
            extra = "; then %s" % self.fail if self.fail else ""
            return "ECHO", self.echo + extra
        if self.fail is not None:
            return "FAIL", self.fail
        if self.texts:
            return "PASS-TEXT", "text differs: " + " / ".join(self.texts)
        return "PASS", ""

    # -- steps
    def connect(self, step):
        if self.daemon.proc is None:
            self.daemon.start()
        elif self.opts.restart_per_connect and not self.conns and self.daemon_used:
            self.log("-- restart (ResetOnLogon emulation): no connection open at this iCONNECT")
            self.daemon.stop()
            self.daemon.start()
        self.daemon_used = True
        try:
            sock = socket.create_connection(("127.0.0.1", self.daemon.port), timeout=5)
        except OSError as e:
            self.mismatch(step, "connect failed: %s" % e)
        sock.setblocking(True)
        sock.settimeout(None)
        self.conns[step.cid] = Conn(sock)
        self.log("-- %d connected" % step.cid)

    def send(self, step):
        conn = self.conns.get(step.cid)
        if conn is None:
            self.mismatch(step, "unable to send: connection %d not open" % step.cid)
        msg = fixify(add_password(timeify(step.body)))
        mt = msg_type(msg)
        if mt is not None and mt not in SESSION_TYPES:
            self.sent_app_types.add(mt)
        self.log(">> %d %s" % (step.cid, show(msg)))
        try:
            conn.sock.sendall(msg.encode("latin-1"))
        except OSError as e:
            self.mismatch(step, "send failed (%s)" % e)

    def expect(self, step):
        conn = self.conns.get(step.cid)
        expected = timeify(step.body)
        if conn is None:
            self.mismatch(step, "connection %d not open" % step.cid, expected, None)
        et = msg_type(expected)
        echo = et is not None and et not in SESSION_TYPES and et in self.sent_app_types
        got, why = conn.read(self.opts.timeout)
        if got is None:
            what = ("no message within %gs" % self.opts.timeout if why == "timeout"
                    else "connection closed by matchgated")
            self.mismatch(step, what + (" (expected echo)" if echo else ""), expected, None,
                          echo=False)
        self.log("<< %d %s" % (step.cid, show(got)))
        diffs, texts = compare(expected, got)
        if diffs:
            tag = "echo expected; " if echo else ""
            self.mismatch(step, tag + "; ".join(diffs + texts), expected, got, echo=echo)
        elif texts:
            self.texts.append("line %d: %s" % (step.lineno, "; ".join(texts)))
            self.log("~~ text differs: " + "; ".join(texts))

    def wait_disconnect(self, step):
        conn = self.conns.get(step.cid)
        if conn is None:
            self.mismatch(step, "connection %d not open" % step.cid)
        deadline = time.monotonic() + self.opts.disconnect_timeout
        while True:
            got, why = conn.read(max(0.0, deadline - time.monotonic()))
            if got is None:
                if why == "closed":
                    self.log("-- %d closed by matchgated" % step.cid)
                    conn.close()
                    del self.conns[step.cid]
                    return
                self.mismatch(step, "expected disconnect; still open after %gs"
                              % self.opts.disconnect_timeout)
            self.log("<< %d %s" % (step.cid, show(got)))
            if msg_type(got) != "5":
                self.mismatch(step, "expected disconnect, received data", "DISCONNECT", got)
            self.log("-- Logout before disconnect accepted")

    def close(self, step):
        conn = self.conns.pop(step.cid, None)
        if conn is not None:
            conn.close()
        self.log("-- %d closed by us" % step.cid)

    def run_steps(self):
        for step in parse_def(self.path):
            body = step.body
            if step.kind == "I":
                self.send(step)
            elif step.kind == "E":
                self.expect(step)
            elif step.kind == "i" and body == "CONNECT":
                self.connect(step)
            elif step.kind == "i" and body == "DISCONNECT":
                self.close(step)
            elif step.kind == "e" and body == "DISCONNECT":
                self.wait_disconnect(step)
            else:
                self.mismatch(step, "unsupported script line: %r" % step.text)

    def run(self):
        try:
            self.run_steps()
        except Stop:
            pass
        except Exception as e:  # harness problem: report, do not abort the run
            self.fail = "harness error: %s" % e
        finally:
            for cid, conn in sorted(self.conns.items()):
                while self.opts.verbose:
                    got, _ = conn.read(DRAIN_AT_END_S)
                    if got is None:
                        break
                    self.log("<< %d (after the script) %s" % (cid, show(got)))
                conn.close()
            self.conns.clear()
            self.daemon.stop()
        return self.status()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True, help="directory with matchgated, matchgate-admin, matchgate-wal")
    ap.add_argument("--only", nargs="+", action="extend", default=[], metavar="SUBSTRING",
                    help="run only scripts whose name contains one of these")
    ap.add_argument("--verbose", action="store_true", help="print the exchange")
    ap.add_argument("--restart-per-connect", action=argparse.BooleanOptionalAction, default=True,
                    help="fresh matchgated at each iCONNECT with no open connection "
                         "(emulates the QuickFIX acceptor's ResetOnLogon=Y; default on)")
    ap.add_argument("--timeout", type=float, default=12.0, help="seconds an E line waits (12)")
    ap.add_argument("--disconnect-timeout", type=float, default=10.0,
                    help="seconds eDISCONNECT waits for the close (10, as ReflectorClient.rb)")
    ap.add_argument("--defs", default=None, help="where the .def files go (default: a temp dir)")
    ap.add_argument("--repo", required=True, help="a QuickFIX git repository (clone or mirror)")
    ap.add_argument("--keep-tmp", action="store_true", help="keep the daemons' temporary dirs")
    opts = ap.parse_args()
    opts.bin = os.path.abspath(opts.bin)
    if opts.defs is None:
        opts.defs = tempfile.mkdtemp(prefix="matchgate-qfdefs-")
    if not os.path.isdir(opts.repo):
        raise SystemExit("run_defs.py: --repo %s is not a directory" % opts.repo)
    extract_defs(opts.repo, opts.defs)
    defs = sorted(os.path.join(opts.defs, n) for n in os.listdir(opts.defs) if n.endswith(".def"))
    symbols = symbols_of(defs)
    if opts.only:
        defs = [d for d in defs if any(s in os.path.basename(d) for s in opts.only)]
    pw_hash = make_password_hash(opts.bin)
    commit = ""
    if os.path.isfile(os.path.join(opts.bin, "COMMIT")):
        with open(os.path.join(opts.bin, "COMMIT")) as f:
            commit = " (commit %s)" % f.read().strip()[:12]
    print("# matchgated in %s%s; %d scripts; restart-per-connect=%s; symbols %s"
          % (opts.bin, commit, len(defs), "on" if opts.restart_per_connect else "off",
             ",".join(symbols)), flush=True)

    counts = {"PASS": 0, "PASS-TEXT": 0, "ECHO": 0, "FAIL": 0}
    width = max([len(os.path.basename(d)) - 4 for d in defs] + [10])
    for path in defs:
        run = ScriptRun(path, opts, pw_hash, symbols)
        if opts.verbose:
            print("== %s" % run.name, flush=True)
        status, detail = run.run()
        counts[status] += 1
        print("%-9s %-*s %s" % (status, width, run.name, detail), flush=True)
    print("Summary: %d scripts: PASS %d, PASS-TEXT %d, ECHO %d, FAIL %d"
          % (len(defs), counts["PASS"], counts["PASS-TEXT"], counts["ECHO"], counts["FAIL"]))
    return 0


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
    except Exception as e:  # the exit status is 0 whatever happens (see usage)
        print("run_defs.py: error: %s" % e, flush=True)
    sys.exit(0)
