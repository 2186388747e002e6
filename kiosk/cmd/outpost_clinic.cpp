// outpost-clinic: the clinic's tool. Each command group lives in its own file
// (outpost_clinic_<group>.cpp) and registers itself here.
#include <sys/stat.h>

#include <iostream>

#include <CLI/CLI.hpp>

#include "kiosk/cmd/outpost_clinic_commands.h"
#include "kiosk/process_hardening.h"
#include "sync/keys.h"

int main(int argc, char** argv) {
  if (auto s = outpost::disable_core_dumps(); !s.ok()) {
    std::cerr << "outpost-clinic: warning: " << s.message() << "\n";
  }
  // Everything this tool writes holds patient data or keys (clinic.db and its
  // -wal/-shm, exports, key files, the folder enroll makes): owner only,
  // whatever the caller's umask. Secret key files are also made 0600 explicitly.
  ::umask(077);
  if (!outpost::sync::crypto_init()) {
    std::cerr << "outpost-clinic: libsodium failed to initialise\n";
    return 1;
  }
  CLI::App app{"outpost-clinic: Outpost clinic tool"};
  app.set_version_flag("--version", "outpost-clinic " OUTPOST_VERSION);
  app.require_subcommand(1);
  int exit_code = 0;
  outpost::clinic::register_keys(app, exit_code);
  outpost::clinic::register_ingest(app, exit_code);
  outpost::clinic::register_content(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
