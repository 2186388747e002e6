// outpostctl assess submit: the kiosk's Submit path (sync/submit_outbox.h)
// from the command line: seal, append to the outbox, fsync, print the id.
// A critical result raises the crisis alert first, as the kiosk does when
// the answer is confirmed.
#include <algorithm>
#include <iostream>
#include <optional>

#include "kiosk/cmd/outpostctl_commands.h"
#include "kiosk/file_read.h"
#include "kiosk/patient_code.h"
#include "kiosk/terminal_text.h"
#include "kiosk/utc_time.h"

namespace outpost::ctl {

namespace {
// A patient code is 9 digits, perhaps grouped ("1234 5678 9"); a file much
// longer than a line of that is not a patient code file.
constexpr std::size_t kMaxSubjectFileBytes = 256;

std::string first_line(std::string_view text) {
  text = text.substr(0, text.find('\n'));
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return std::string(text);
}
}  // namespace

namespace {
Result<std::string> read_subject_text(const std::string& subject, const std::string& subject_file) {
  if (!subject_file.empty()) {
    auto text = read_file_checked(subject_file, kMaxSubjectFileBytes, "patient code file");
    if (!text.ok()) return text.status();
    std::string code = first_line(*text);
    if (code.empty())
      return Status(Errc::invalid_argument, subject_file + ": no patient code on the first line");
    return code;
  }
  if (subject != "-") return subject;
  std::string line;
  if (!std::getline(std::cin, line) || first_line(line).empty()) {
    return Status(Errc::invalid_argument, "--subject -: no patient code on standard input");
  }
  return first_line(line);
}
}  // namespace

Result<std::string> read_subject(const std::string& subject, const std::string& subject_file) {
  auto text = read_subject_text(subject, subject_file);
  if (!text.ok() || text->empty()) return text;  // empty: anonymous
  const PatientCodeCheck c = check_patient_code(*text);
  std::fill(text->begin(), text->end(), '\0');
  if (c.error != PatientCodeError::ok) return Status(Errc::invalid_argument, patient_code_error_message(c.error));
  return c.normalized;
}

int submit_checkin(const CommonOptions& common, const Questionnaire& q, const Answers& answers,
                   const Assessment& assessment, const SubmitOptions& options) {
  if (!q.deployable()) {
    // The clinic could not tell this questionnaire from another one.
    for (const auto& p : q.deploy_problems()) std::cerr << "outpostctl: " << p << "\n";
    std::cerr << "outpostctl: refusing to submit a check-in of a questionnaire the kiosk does not offer\n";
    return 4;
  }
  auto kiosk = open_kiosk_outbox(common);
  if (!kiosk.ok()) {
    std::cerr << "outpostctl: " << terminal_safe(kiosk.status().message()) << "\n";
    return kiosk.status().code() == Errc::storage_full ? kExitStorageFull : 1;
  }
  auto sink = (*kiosk)->sink();
  if (!sink.ok()) {
    std::cerr << "outpostctl: " << terminal_safe(sink.status().message()) << "\n";
    return 1;
  }
  ResponseMeta meta{options.lang.empty() ? q.language() : options.lang, options.subject, format_utc(SystemClock().wall_ms())};
  std::optional<std::string> crisis_id;
  if (is_critical(assessment)) {
    auto raised = (*sink)->raise_crisis(q, assessment.critical_items, meta);
    if (!raised.ok()) {
      std::cerr << "outpostctl: crisis alert: " << terminal_safe(raised.status().message()) << "\n";
      return 1;
    }
    crisis_id = *raised;
  }
  auto id = (*sink)->submit(q, answers, assessment, meta);
  // First line: the check-in's record id (or nothing when it failed).
  if (id.ok()) std::cout << *id << "\n";
  if (crisis_id) std::cout << "crisis-alert " << *crisis_id << "\n";
  std::cout.flush();
  if (const std::size_t unsaved = (*sink)->unsaved_crisis_alerts(); unsaved > 0) {
    const std::string& problem = (*kiosk)->crisis_slot_problem();
    std::cerr << "outpostctl: " << unsaved << " crisis alert(s) not in the outbox yet: "
              << (problem.empty() ? "kept in crisis-pending/; the next program to open the outbox queues them"
                                  : "LOST when this exits (" + terminal_safe(problem) + ")")
              << "\n";
  }
  if (!id.ok()) {
    std::cerr << "outpostctl: " << terminal_safe(id.status().message()) << "\n";
    return id.status().code() == Errc::storage_full ? kExitStorageFull : 1;
  }
  return 0;
}

}  // namespace outpost::ctl
