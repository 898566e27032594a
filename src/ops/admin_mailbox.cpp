#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "matchgate/ops/admin_server.hpp"

namespace matchgate::ops {

namespace {

constexpr const char* kStopping = "the gateway is stopping";

std::string duration_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

// The operator name goes into logs inside quotes: no quotes, spaces or
// anything a log reader could misread.
bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == '@';
}

std::string check_bytes(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto byte = static_cast<unsigned char>(line[i]);
    if (byte < 0x20 || byte >= 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", byte);
      return std::string("byte ") + hex + " at offset " + std::to_string(i) +
             ": only printable ASCII and single spaces are allowed";
    }
  }
  return {};
}

std::vector<std::string> split_words(std::string_view line, std::string& error) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (true) {
    const std::size_t space = std::min(line.find(' ', start), line.size());
    if (space == start) {
      error = "empty word at offset " + std::to_string(start) +
              ": words are separated by single spaces";
      return {};
    }
    words.emplace_back(line.substr(start, space - start));
    if (space == line.size()) return words;
    start = space + 1;
  }
}

std::string check_operator_name(std::string_view name) {
  if (name.empty()) return "empty operator name after operator=";
  if (name.size() > kMaxOperatorNameBytes)
    return "operator name longer than " + std::to_string(kMaxOperatorNameBytes) + " bytes";
  if (!std::all_of(name.begin(), name.end(), is_name_char))
    return "operator name may hold only letters, digits and . _ - @";
  return {};
}

}  // namespace

std::string no_answer_reason(std::chrono::milliseconds timeout) {
  return "the gateway did not answer in " + duration_text(timeout);
}

ParsedAdminLine parse_admin_line(std::string_view line) {
  ParsedAdminLine out;
  constexpr std::string_view kOperator = "operator=";
  if (line.empty()) {
    out.error = "empty request line";
  } else if (line.size() > kMaxAdminLineBytes) {
    out.error = "request line longer than " + std::to_string(kMaxAdminLineBytes) + " bytes";
  } else if (out.error = check_bytes(line); out.error.empty()) {
    out.words = split_words(line, out.error);
  }
  if (!out.error.empty()) return out;
  if (!out.words.front().starts_with(kOperator)) {
    out.error = "the line must start with operator=NAME";
  } else if (out.words.size() < 2) {
    out.error = "no command after operator=NAME";
  } else {
    out.operator_name = out.words.front().substr(kOperator.size());
    out.error = check_operator_name(out.operator_name);
  }
  if (out.error.empty()) {
    out.words.erase(out.words.begin());
  } else {
    out.words.clear();
    out.operator_name.clear();
  }
  return out;
}

std::string admin_identity(uid_t uid, std::string_view operator_name) {
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  const bool named = ::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 &&
                     found != nullptr && found->pw_name != nullptr;
  std::string out = "uid " + std::to_string(uid) + " (" + (named ? found->pw_name : "?") + ")";
  if (!operator_name.empty()) out += " as \"" + std::string(operator_name) + "\"";
  return out;
}

bool AdminMailbox::take(AdminRequest& out) {
  if (!posted_.load(std::memory_order_acquire)) return false;
  std::lock_guard lock(mutex_);
  if (!pending_) return false;
  out = std::move(*pending_);
  pending_.reset();
  posted_.store(false, std::memory_order_relaxed);
  return true;
}

void AdminMailbox::answer(std::uint64_t id, AdminAnswer a) {
  {
    std::lock_guard lock(mutex_);
    // The caller gave up waiting (it was told the gateway did not answer).
    if (id != awaited_id_ || answer_) return;
    answer_ = std::move(a);
  }
  answered_cv_.notify_all();
}

AdminAnswer AdminMailbox::call(AdminRequest request, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mutex_);
  if (!turn_cv_.wait_until(lock, deadline, [&] { return !turn_taken_ || closed_; })) {
    return {false, no_answer_reason(timeout) + " (an earlier command was still in flight)"};
  }
  if (closed_) return {false, kStopping};
  turn_taken_ = true;
  // However this call returns, the next caller's turn comes (mutex_ is still
  // held: `lock` is destroyed after this).
  struct TurnPassesOn {
    AdminMailbox& box;
    ~TurnPassesOn() {
      box.turn_taken_ = false;
      box.turn_cv_.notify_one();
    }
  } turn_passes_on{*this};
  request.id = ++next_id_;
  awaited_id_ = request.id;
  answer_.reset();
  pending_ = std::move(request);
  posted_.store(true, std::memory_order_release);
  lock.unlock();
  if (wake_) wake_();
  lock.lock();
  const bool answered =
      answered_cv_.wait_until(lock, deadline, [&] { return answer_.has_value() || closed_; });
  awaited_id_ = 0;
  if (answered && !answer_) {
    const bool withdrawn = pending_.has_value();
    pending_.reset();
    posted_.store(false, std::memory_order_relaxed);
    return {false, withdrawn ? std::string(kStopping) + " (the command was withdrawn: not executed)"
                             : std::string(kStopping)};
  }
  if (!answered) {
    // Not taken yet: withdrawn, so it never runs. Taken: it may still run.
    const bool withdrawn = pending_.has_value();
    pending_.reset();
    posted_.store(false, std::memory_order_relaxed);
    return {false, no_answer_reason(timeout) +
                       (withdrawn ? " (the command was withdrawn: not executed)"
                                  : " (the command was taken and may still take effect)")};
  }
  AdminAnswer a = std::move(*answer_);
  answer_.reset();
  return a;
}

void AdminMailbox::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  answered_cv_.notify_all();
  turn_cv_.notify_all();
}

}  // namespace matchgate::ops
