// matchgate-admin: the operator's command line.
//
//   matchgate-admin hash-password [--iterations N]   < password
//   matchgate-admin verify-password --hash HASH      < password
//
// Passwords are read from standard input, one line (the trailing newline is
// not part of the password), never from the command line where `ps` and shell
// history would see them. When standard input is a terminal the password is
// read without echo and asked for twice.
//
//   matchgate-admin [--socket PATH | --config FILE] [--operator NAME] COMMAND ARGS...
//
// The commands to a running daemon (kill, release, halt, resume, stop,
// resume-all, mass-cancel, set-limit, status, session, bust, correct, ping)
// go over its admin socket (docs/ADMIN.md, endpoint.cpp); the daemon
// executes them.
//
// Each subcommand is one entry in `commands()` below: adding one needs no
// change elsewhere in this file.
#include "endpoint.hpp"
#include "matchgate/crypto/password_hash.hpp"
#include "matchgate/ops/admin_server.hpp"

#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace {

namespace mc = matchgate::crypto;

constexpr unsigned kMinIterations = 10'000;
constexpr unsigned kMaxIterations = 10'000'000;

// Exit codes shared by the subcommands.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;    // a check said no, or the input was unusable
constexpr int kExitMalformed = 2;  // a given hash is not well formed

// ---------------------------------------------------------------- terminal

struct termios g_saved_termios;
volatile std::sig_atomic_t g_echo_off = 0;

void restore_echo_and_reraise(int sig) {
  if (g_echo_off) tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_termios);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// Turns terminal echo off for its lifetime (and on SIGINT/SIGTERM/SIGHUP).
class NoEcho {
 public:
  NoEcho() {
    if (tcgetattr(STDIN_FILENO, &g_saved_termios) != 0) return;
    struct termios quiet = g_saved_termios;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) std::signal(sig, restore_echo_and_reraise);
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0) g_echo_off = 1;
  }
  ~NoEcho() {
    if (g_echo_off) tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_termios);
    g_echo_off = 0;
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) std::signal(sig, SIG_DFL);
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;
};

// One line from stdin without its line ending; nullopt at end of input.
std::optional<std::string> read_line() {
  std::string line;
  if (!std::getline(std::cin, line) && line.empty()) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// The password from stdin; on a terminal, prompted for without echo and, when
// `confirm`, asked for twice. Throws std::runtime_error with what went wrong.
std::string read_password(bool confirm) {
  const bool tty = isatty(STDIN_FILENO) != 0;
  std::optional<std::string> first;
  std::optional<std::string> second;
  if (tty) {
    NoEcho no_echo;
    std::cerr << "Password: " << std::flush;
    first = read_line();
    if (first && confirm) {
      std::cerr << "Repeat password: " << std::flush;
      second = read_line();
    }
  } else {
    first = read_line();
  }
  if (!first) throw std::runtime_error("no password on standard input");
  if (first->empty()) throw std::runtime_error("empty password refused");
  if (tty && confirm && (!second || *second != *first)) {
    throw std::runtime_error("the two passwords differ");
  }
  return *first;
}

// ---------------------------------------------------------------- commands

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

struct HashPasswordOptions {
  unsigned iterations = mc::kDefaultPbkdf2Iterations;
};

Command add_hash_password(CLI::App& root) {
  auto opts = std::make_shared<HashPasswordOptions>();
  auto* sub = root.add_subcommand(
      "hash-password",
      "Read a password from standard input (one line) and print its PBKDF2-SHA256 hash, "
      "for the members table of the configuration");
  sub->add_option("--iterations", opts->iterations, "PBKDF2 iteration count")
      ->check(CLI::Range(kMinIterations, kMaxIterations))
      ->capture_default_str();
  sub->add_flag("--password-stdin")
      ->description("Read the password from standard input (the default; accepted for scripts)");
  return {sub, [opts] {
            const std::string password = read_password(/*confirm=*/true);
            std::cout << mc::hash_password(password, opts->iterations) << '\n' << std::flush;
            return kExitOk;
          }};
}

struct VerifyPasswordOptions {
  std::string hash;
};

Command add_verify_password(CLI::App& root) {
  auto opts = std::make_shared<VerifyPasswordOptions>();
  auto* sub = root.add_subcommand(
      "verify-password",
      "Read a password from standard input and check it against a hash: prints 'ok' and exits 0 "
      "when it matches, 'mismatch' and 1 when not, 2 when the hash is malformed");
  sub->add_option("--hash", opts->hash, "The stored hash (pbkdf2-sha256$...)")->required();
  return {sub, [opts] {
            if (const std::string error = mc::password_hash_format_error(opts->hash);
                !error.empty()) {
              std::cerr << "matchgate-admin: malformed hash: " << error << '\n';
              return kExitMalformed;
            }
            const std::string password = read_password(/*confirm=*/false);
            const bool ok = mc::verify_password(password, opts->hash);
            std::cout << (ok ? "ok" : "mismatch") << '\n' << std::flush;
            return ok ? kExitOk : kExitFailure;
          }};
}

// ---------------------------------------------------------------- daemon commands

namespace at = matchgate::admin_tool;

// A command the daemon executes: its name, then `required` and `optional`
// positional arguments (named as in the help), sent as words.
struct DaemonCommandSpec {
  const char* name;
  const char* description;
  std::vector<const char*> required;
  std::vector<const char*> optional = {};
};

Command add_daemon_command(CLI::App& root, const DaemonCommandSpec& spec,
                           const std::shared_ptr<at::EndpointOptions>& endpoint) {
  auto* sub = root.add_subcommand(spec.name, spec.description);
  sub->add_option("--socket", endpoint->socket,
                  "The daemon's admin socket (default: [admin] socket of --config, else " +
                      std::string(matchgate::ops::kDefaultAdminSocket) + ")");
  sub->add_option("--config", endpoint->config, "The daemon's config file, for its [admin] socket");
  sub->add_option("--operator", endpoint->operator_name,
                  "Your name in the daemon's log (default: $USER)");
  const std::size_t n = spec.required.size() + spec.optional.size();
  auto args = std::make_shared<std::vector<std::string>>(n);
  for (std::size_t i = 0; i < n; ++i) {
    const bool required = i < spec.required.size();
    const char* arg = required ? spec.required[i] : spec.optional[i - spec.required.size()];
    auto* option = sub->add_option(arg, (*args)[i]);
    if (required) option->required();
    if (std::string_view(spec.name) == "session") option->check(CLI::IsMember({"open", "close"}));
  }
  const std::string name = spec.name;
  const std::size_t required = spec.required.size();
  return {sub, [endpoint, args, name, required] {
            std::vector<std::string> words{name};
            for (std::size_t i = 0; i < args->size(); ++i) {
              // An optional argument left out is not sent; a given "" is (and refused).
              if (i < required || !(*args)[i].empty()) words.push_back((*args)[i]);
            }
            return at::run_daemon_command(*endpoint, words);
          }};
}

std::vector<DaemonCommandSpec> daemon_commands() {
  return {
      {"kill", "Kill switch: stop a member trading", {"MEMBER"}},
      {"release", "Lift a member's kill switch", {"MEMBER"}},
      {"halt", "Halt trading in an instrument", {"SYMBOL"}},
      {"resume", "Resume trading in a halted instrument", {"SYMBOL"}},
      {"stop", "Stop all trading", {}},
      {"resume-all", "Resume all trading after a stop", {}},
      {"mass-cancel",
       "Cancel a member's resting orders, in one instrument or all",
       {"MEMBER"},
       {"SYMBOL"}},
      {"set-limit", "Set one of a member's risk limits", {"MEMBER", "KEY", "VALUE"}},
      {"status", "Print the daemon's trading state", {}},
      {"session", "Open or close the trading session", {"ACTION"}},
      {"bust", "Bust a trade of the current business date", {"TRADE_ID"}},
      {"correct",
       "Correct a trade of the current business date to a new price and quantity",
       {"TRADE_ID", "PRICE", "QTY"}},
      {"ping", "Check that the daemon answers on its admin socket", {}},
  };
}

std::vector<Command> commands(CLI::App& root) {
  std::vector<Command> out{add_hash_password(root), add_verify_password(root)};
  // One endpoint for all: only the parsed subcommand's options are filled.
  auto endpoint = std::make_shared<at::EndpointOptions>();
  for (const DaemonCommandSpec& spec : daemon_commands()) {
    out.push_back(add_daemon_command(root, spec, endpoint));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"matchgate-admin: operator tools for the matchgate gateway"};
  app.name("matchgate-admin");
  app.require_subcommand(1);
  const std::vector<Command> cmds = commands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11's own codes (105, 106, 109, ...) are not ours: every usage error
    // is 2 (docs/ADMIN.md); --help stays 0.
    return app.exit(e) == 0 ? 0 : at::kExitUsage;
  }

  for (const auto& cmd : cmds) {
    if (!cmd.app->parsed()) continue;
    try {
      return cmd.run();
    } catch (const std::exception& e) {
      std::cerr << "matchgate-admin " << cmd.app->get_name() << ": " << e.what() << '\n';
      return kExitFailure;
    }
  }
  return kExitFailure;
}
