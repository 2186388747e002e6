// outpostctl assess submit: the kiosk's Submit path (sync/submit_outbox.h)
// from the command line: seal, append to the outbox, fsync, print the id.
#include <iostream>

#include "kiosk/cmd/outpostctl_commands.h"

namespace outpost::ctl {

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
    std::cerr << "outpostctl: " << kiosk.status().message() << "\n";
    return kiosk.status().code() == Errc::storage_full ? kExitStorageFull : 1;
  }
  auto sink = (*kiosk)->sink();
  if (!sink.ok()) {
    std::cerr << "outpostctl: " << sink.status().message() << "\n";
    return 1;
  }
  ResponseMeta meta{options.lang.empty() ? q.language() : options.lang, options.subject, format_utc(SystemClock().wall_ms())};
  auto id = (*sink)->submit(q, answers, assessment, meta);
  if (!id.ok()) {
    std::cerr << "outpostctl: " << id.status().message() << "\n";
    return id.status().code() == Errc::storage_full ? kExitStorageFull : 1;
  }
  std::cout << *id << std::endl;
  return 0;
}

}  // namespace outpost::ctl
