// outpostctl: the site staff's command line. Each command group lives in its
// own file (outpostctl_<group>.cpp) and registers itself here.
#include <iostream>

#include <CLI/CLI.hpp>

#include "kiosk/cmd/outpostctl_commands.h"
#include "kiosk/process_hardening.h"

int main(int argc, char** argv) {
  if (auto s = outpost::disable_core_dumps(); !s.ok())
    std::cerr << "outpostctl: warning: " << s.message() << "\n";
  CLI::App app{"outpostctl: Outpost kiosk staff tool"};
  app.set_version_flag("--version", "outpostctl " OUTPOST_VERSION);
  app.require_subcommand(1);
  outpost::ctl::CommonOptions common;
  app.add_option("--config", common.config_file, "site config (outpost.toml)");
  app.add_option("--data-dir", common.data_dir, "data directory (overrides the config)");
  int exit_code = 0;
  outpost::ctl::register_assess(app, common, exit_code);
  outpost::ctl::register_status(app, common, exit_code);
  outpost::ctl::register_export(app, common, exit_code);
  outpost::ctl::register_content(app, common, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
