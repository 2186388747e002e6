// outpost-clinic: the clinic's tool. Each command group lives in its own file
// (outpost_clinic_<group>.cpp) and registers itself here.
#include <iostream>

#include <CLI/CLI.hpp>

#include "kiosk/cmd/outpost_clinic_commands.h"
#include "sync/keys.h"

int main(int argc, char** argv) {
  if (!outpost::sync::crypto_init()) {
    std::cerr << "outpost-clinic: libsodium failed to initialise\n";
    return 1;
  }
  CLI::App app{"outpost-clinic: Outpost clinic tool"};
  app.require_subcommand(1);
  outpost::clinic::CommonOptions common;
  app.add_option("--config", common.config_file, "clinic config file");
  app.add_option("--data-dir", common.data_dir, "clinic data directory");
  int exit_code = 0;
  outpost::clinic::register_keys(app, common, exit_code);
  outpost::clinic::register_ingest(app, common, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
