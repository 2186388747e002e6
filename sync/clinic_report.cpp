#include "sync/clinic_report.h"

#include <algorithm>
#include <sstream>

#include "kiosk/terminal_text.h"
#include "kiosk/utc_time.h"

namespace outpost::sync {

namespace {

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out.append(out.empty() ? "" : sep).append(s);
  return out;
}

std::string format_score(const std::optional<double>& score) {
  if (!score) return "";
  std::ostringstream ss;
  ss << *score;
  return ss.str();
}

}  // namespace

bool is_critical(const ClinicRecord& r) {
  return std::find(r.flags.begin(), r.flags.end(), "critical") != r.flags.end();
}

std::vector<const ClinicRecord*> alerts_in_order(const std::vector<ClinicRecord>& records) {
  std::vector<const ClinicRecord*> flagged;
  for (const auto& r : records)
    if (!r.flags.empty()) flagged.push_back(&r);
  std::stable_sort(flagged.begin(), flagged.end(), [](const ClinicRecord* a, const ClinicRecord* b) {
    if (is_critical(*a) != is_critical(*b)) return is_critical(*a);
    if (a->priority != b->priority) return a->priority < b->priority;
    return a->created_ms > b->created_ms;
  });
  return flagged;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void write_records_csv(const std::vector<ClinicRecord>& records, std::ostream& out, bool for_terminal) {
  auto field = [for_terminal](const std::string& v) {
    return for_terminal ? terminal_safe(csv_field(v)) : csv_field(v);
  };
  out << "record_id,kiosk,kind,created,questionnaire,subject,authored,score,severity,flags,created_corrected,clock\n";
  for (const auto& r : records) {
    out << r.id << "," << field(r.kiosk_id) << "," << r.kind << "," << format_utc(r.created_ms) << ","
        << field(r.questionnaire) << "," << field(r.subject) << "," << field(r.authored) << ","
        << format_score(r.score) << "," << field(r.severity) << "," << field(join(r.flags, ";")) << ","
        << (r.corrected_ms ? format_utc(*r.corrected_ms) : "") << "," << field(r.clock_note) << "\n";
  }
}

std::string skew_text(std::int64_t ms) {
  const std::int64_t a = ms < 0 ? -ms : ms;
  // Appended rather than "+" + std::to_string(...): GCC 12 in Release sees a
  // false -Wrestrict in that.
  std::string out(ms < 0 ? "-" : "+");
  if (a >= 2LL * 365 * 86'400'000) return out.append(std::to_string(a / (365LL * 86'400'000))).append(" years");
  if (a >= 2LL * 86'400'000) return out.append(std::to_string(a / 86'400'000)).append(" days");
  if (a >= 2LL * 3'600'000) return out.append(std::to_string(a / 3'600'000)).append(" h");
  return out.append(std::to_string(a / 60'000)).append(" min");
}

std::string clock_check(const FleetEntry& e) {
  if (e.received_ms <= 0) return "-";
  const std::int64_t skew = e.heartbeat.clock_ms - e.received_ms;
  return (skew > kClockTolerance_ms || skew < -kClockTolerance_ms) ? "WRONG " + skew_text(skew) : "ok";
}

}  // namespace outpost::sync
