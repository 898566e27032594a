#pragma once
// What clearing needs to know from the config ([clearing] and the clearing
// keys of [[members]] and [[instruments]], docs/CONFIG.md): names to print,
// which positions carry over, the fee rates. The daemon's config loader
// fills it; matchgate-clearing reads the same config with the same loader.
#include <filesystem>
#include <string>
#include <vector>

#include "matchgate/clearing/fees.hpp"
#include "matchgate/clearing/ledger.hpp"

namespace matchgate::clearing {

struct MemberNames {
  std::string comp_id;
  std::vector<std::string> accounts;  // AccountId = index
};

struct InstrumentClearing {
  std::string symbol;
  bool carry_positions = false;  // [[instruments]] carry_positions
  FeeRates fees;                 // [clearing] defaults, overridden key by key
};

struct ClearingOptions {
  // Off: no Trade records, no fees on reports, no ledger, no settlement
  // reports (a venue that clears elsewhere; the benchmark's baseline).
  bool enabled = true;
  int fee_decimals = 2;
  // Where the daemon writes each business date's settlement report.
  std::filesystem::path report_dir = "var/settlement";
  std::vector<MemberNames> members;             // engine MemberId = index
  std::vector<InstrumentClearing> instruments;  // the config's numbering

  LedgerShape ledger_shape() const {
    LedgerShape s;
    s.members = members.size();
    for (const InstrumentClearing& i : instruments) s.carry_positions.push_back(i.carry_positions);
    return s;
  }
  FeeSchedule fee_schedule() const {
    std::vector<FeeRates> rates;
    for (const InstrumentClearing& i : instruments) rates.push_back(i.fees);
    return FeeSchedule(std::move(rates), fee_decimals);
  }
};

}  // namespace matchgate::clearing
