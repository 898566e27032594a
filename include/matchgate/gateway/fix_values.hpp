#pragma once
// Where FIX values meet engine values: one table per FIX field, read in
// both directions. The named FIX values are in fix/enums.hpp; the engine's
// in engine/types.hpp; nothing else in the gateway spells a FIX character.
#include <optional>
#include <string_view>

#include "matchgate/engine/types.hpp"
#include "matchgate/fix/enums.hpp"

namespace matchgate::gateway {

fix::Side to_fix(engine::Side s) noexcept;
fix::OrdType to_fix(engine::OrdType t) noexcept;
fix::TimeInForce to_fix(engine::TimeInForce t) noexcept;

// From the one-character value of the field; nullopt for anything the
// profile does not accept.
std::optional<engine::Side> side_from_fix(std::string_view value) noexcept;
std::optional<engine::OrdType> ord_type_from_fix(std::string_view value) noexcept;
std::optional<engine::TimeInForce> time_in_force_from_fix(std::string_view value) noexcept;

// Why the engine refused a new order (OrdRejReason(103)) or a cancel or
// replace (CxlRejReason(102)).
fix::OrdRejReason ord_rej_reason(engine::RejectReason r) noexcept;
fix::CxlRejReason cxl_rej_reason(engine::RejectReason r) noexcept;

}  // namespace matchgate::gateway
