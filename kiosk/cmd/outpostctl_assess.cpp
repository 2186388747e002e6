// outpostctl assess: validate, score (and submit, with the outbox).
#include "kiosk/cmd/outpostctl_commands.h"

namespace outpost::ctl {

void register_assess(CLI::App& app, CommonOptions&, int&) {
  auto* assess = app.add_subcommand("assess", "check questionnaires and score responses");
  assess->require_subcommand(1);
}

}  // namespace outpost::ctl
