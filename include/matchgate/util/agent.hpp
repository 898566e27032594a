#pragma once
// The agent model: every long-running thread (network, engine shard, admin)
// is a plain object with a duty cycle, run by an AgentRunner. Agents know
// nothing about threads, so tests can drive do_work() by hand.
#include <concepts>
#include <string_view>

namespace matchgate::util {

// An agent is any type with
//   int do_work();         one duty cycle; returns the amount of work done,
//                          0 when there was nothing to do (the runner idles)
//   const char* name();    stable, for thread names and error reports
// and optionally
//   void on_start();       on the agent's own thread before the first
//                          do_work (first-touch allocations land on the
//                          right NUMA node)
//   void on_close();       on the agent's own thread after the last do_work
// Exceptions escaping any of these are caught and reported by the runner.
template <class A>
concept Agent = requires(A& a) {
  { a.do_work() } -> std::convertible_to<int>;
  { a.name() } -> std::convertible_to<std::string_view>;
};

template <class A>
void agent_on_start(A& a) {
  if constexpr (requires { a.on_start(); }) a.on_start();
}

template <class A>
void agent_on_close(A& a) {
  if constexpr (requires { a.on_close(); }) a.on_close();
}

}  // namespace matchgate::util
