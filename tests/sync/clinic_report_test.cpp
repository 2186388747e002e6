// clinic_report: the alert order staff act on, CSV quoting, the fleet's clock check.
#include "sync/clinic_report.h"

#include <doctest/doctest.h>

#include <sstream>

using namespace outpost::sync;

namespace {

ClinicRecord record(std::string id, int priority, std::int64_t created_ms, std::vector<std::string> flags) {
  ClinicRecord r;
  r.id = std::move(id);
  r.priority = priority;
  r.created_ms = created_ms;
  r.flags = std::move(flags);
  return r;
}

}  // namespace

TEST_CASE("alerts: critical first, crisis alerts before responses, then newest first, unflagged left out") {
  const std::vector<ClinicRecord> records{
      record("old-flag", 2, 1000, {"phq9-item9-positive"}),
      record("none", 2, 9000, {}),
      record("response-critical-old", 2, 2000, {"critical"}),
      record("alert-critical", 0, 1500, {"critical"}),
      record("response-critical-new", 2, 3000, {"critical", "phq9-item9-positive"}),
      record("new-flag", 2, 4000, {"gad7-severe"}),
  };
  std::vector<std::string> order;
  for (const ClinicRecord* r : alerts_in_order(records)) order.push_back(r->id);
  CHECK(order == std::vector<std::string>{"alert-critical", "response-critical-new", "response-critical-old",
                                          "new-flag", "old-flag"});
}

TEST_CASE("CSV fields with commas, quotes and line breaks are quoted, and on a terminal control bytes are shown") {
  CHECK(csv_field("plain") == "plain");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_field("two\nlines") == "\"two\nlines\"");
  ClinicRecord r = record("01J", 2, 1'767'225'600'000, {"critical", "x"});
  r.kiosk_id = "kiosk-a";
  r.kind = "questionnaire-response";
  r.subject = "1234\x1b[2J";
  r.score = 12.5;
  std::ostringstream file, tty;
  write_records_csv({r}, file, false);
  write_records_csv({r}, tty, true);
  const std::string header =
      "record_id,kiosk,kind,created,questionnaire,subject,authored,score,severity,flags,created_corrected,clock\n";
  CHECK(file.str() == header + "01J,kiosk-a,questionnaire-response,2026-01-01T00:00:00Z,,1234\x1b[2J,,12.5,,critical;x,,\n");
  CHECK(tty.str().find('\x1b') == std::string::npos);
}

TEST_CASE("the fleet's clock check: within 10 min is ok, beyond is WRONG with the skew for people") {
  FleetEntry e;
  CHECK(clock_check(e) == "-");  // never seen
  e.received_ms = 1'767'225'600'000;
  e.heartbeat.clock_ms = e.received_ms + 10 * 60'000;
  CHECK(clock_check(e) == "ok");
  e.heartbeat.clock_ms = e.received_ms + 10 * 60'000 + 1;
  CHECK(clock_check(e) == "WRONG +10 min");
  e.heartbeat.clock_ms = e.received_ms - 3 * 3'600'000;
  CHECK(clock_check(e) == "WRONG -3 h");
  e.heartbeat.clock_ms = 0;  // a kiosk whose clock reset to 1970
  CHECK(clock_check(e) == "WRONG -56 years");
  CHECK(skew_text(2LL * 86'400'000) == "+2 days");
}
