#include "matchgate/gateway/fix_values.hpp"

#include <array>
#include <utility>

namespace matchgate::gateway {

namespace {

template <class Engine, class Fix, std::size_t N>
using Table = std::array<std::pair<Engine, Fix>, N>;

constexpr Table<engine::Side, fix::Side, 2> kSides{{
    {engine::Side::Buy, fix::Side::Buy},
    {engine::Side::Sell, fix::Side::Sell},
}};

constexpr Table<engine::OrdType, fix::OrdType, 2> kOrdTypes{{
    {engine::OrdType::Market, fix::OrdType::Market},
    {engine::OrdType::Limit, fix::OrdType::Limit},
}};

constexpr Table<engine::TimeInForce, fix::TimeInForce, 4> kTimesInForce{{
    {engine::TimeInForce::Day, fix::TimeInForce::Day},
    {engine::TimeInForce::Gtc, fix::TimeInForce::GoodTillCancel},
    {engine::TimeInForce::Ioc, fix::TimeInForce::ImmediateOrCancel},
    {engine::TimeInForce::Fok, fix::TimeInForce::FillOrKill},
}};

// Engine reasons that have a FIX reason of their own; every other one is
// "other" (99), with the engine's text in Text(58).
constexpr Table<engine::RejectReason, fix::OrdRejReason, 3> kOrdRejReasons{{
    {engine::RejectReason::UnknownInstrument, fix::OrdRejReason::UnknownSymbol},
    {engine::RejectReason::InvalidQuantity, fix::OrdRejReason::IncorrectQuantity},
    {engine::RejectReason::QuantityAboveMax, fix::OrdRejReason::IncorrectQuantity},
}};

constexpr Table<engine::RejectReason, fix::CxlRejReason, 3> kCxlRejReasons{{
    {engine::RejectReason::OrderDone, fix::CxlRejReason::TooLateToCancel},
    {engine::RejectReason::UnknownOrder, fix::CxlRejReason::UnknownOrder},
    {engine::RejectReason::NotOwner, fix::CxlRejReason::UnknownOrder},
}};

template <class Engine, class Fix, std::size_t N>
Fix fix_of(const Table<Engine, Fix, N>& table, Engine value, Fix otherwise) noexcept {
  for (const auto& [e, f] : table) {
    if (e == value) return f;
  }
  return otherwise;
}

template <class Engine, class Fix, std::size_t N>
std::optional<Engine> engine_of(const Table<Engine, Fix, N>& table,
                                std::string_view value) noexcept {
  if (value.size() != 1) return std::nullopt;
  for (const auto& [e, f] : table) {
    if (static_cast<char>(f) == value[0]) return e;
  }
  return std::nullopt;
}

}  // namespace

fix::Side to_fix(engine::Side s) noexcept {
  return fix_of(kSides, s, fix::Side::Buy);
}
fix::OrdType to_fix(engine::OrdType t) noexcept {
  return fix_of(kOrdTypes, t, fix::OrdType::Limit);
}
fix::TimeInForce to_fix(engine::TimeInForce t) noexcept {
  return fix_of(kTimesInForce, t, fix::TimeInForce::Day);
}

std::optional<engine::Side> side_from_fix(std::string_view value) noexcept {
  return engine_of(kSides, value);
}
std::optional<engine::OrdType> ord_type_from_fix(std::string_view value) noexcept {
  return engine_of(kOrdTypes, value);
}
std::optional<engine::TimeInForce> time_in_force_from_fix(std::string_view value) noexcept {
  return engine_of(kTimesInForce, value);
}

fix::OrdRejReason ord_rej_reason(engine::RejectReason r) noexcept {
  return fix_of(kOrdRejReasons, r, fix::OrdRejReason::Other);
}
fix::CxlRejReason cxl_rej_reason(engine::RejectReason r) noexcept {
  return fix_of(kCxlRejReasons, r, fix::CxlRejReason::Other);
}

}  // namespace matchgate::gateway
