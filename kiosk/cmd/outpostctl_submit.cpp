// outpostctl assess submit: the kiosk's Submit path (sync/submit_outbox.h)
// from the command line: seal, append to the outbox, fsync, print the id.
#include <iostream>

#include "kiosk/cmd/outpostctl_commands.h"
#include "kiosk/file_read.h"
#include "kiosk/terminal_text.h"

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

Result<std::string> read_subject(const std::string& subject, const std::string& subject_file) {
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
  auto id = (*sink)->submit(q, answers, assessment, meta);
  if (!id.ok()) {
    std::cerr << "outpostctl: " << terminal_safe(id.status().message()) << "\n";
    return id.status().code() == Errc::storage_full ? kExitStorageFull : 1;
  }
  std::cout << *id << std::endl;
  return 0;
}

}  // namespace outpost::ctl
