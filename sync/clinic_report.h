// What outpost-clinic prints from the clinic database (docs/design.md,
// "Clinic server layout"): the alert list in the order staff act on it, the
// CSV export, and the fleet's clock check. Pure functions over ClinicRecord
// and FleetEntry; the program only opens the store and picks the stream.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "sync/clinic_store.h"

namespace outpost::sync {

// The flagged records, critical first; within each, crisis alerts (priority
// 0) before the rest, then newest first. Pointers into `records`.
std::vector<const ClinicRecord*> alerts_in_order(const std::vector<ClinicRecord>& records);
bool is_critical(const ClinicRecord& r);

// RFC 4180 CSV, one header line and one line per record. Fields come from
// kiosks: with `for_terminal` their control bytes are shown, not sent.
void write_records_csv(const std::vector<ClinicRecord>& records, std::ostream& out, bool for_terminal);
// One CSV field: quoted when it holds a comma, quote or line break.
std::string csv_field(const std::string& s);

// A kiosk clock further than this from the drop box's is shown as wrong.
inline constexpr std::int64_t kClockTolerance_ms = 10 * 60'000;
// "-" never seen, "ok", or "WRONG +3 h" (kiosk clock minus the drop box's).
std::string clock_check(const FleetEntry& e);
// "+75 years", "-3 h", "+12 min": a clock skew for people.
std::string skew_text(std::int64_t ms);

}  // namespace outpost::sync
