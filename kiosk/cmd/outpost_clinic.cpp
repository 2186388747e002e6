// outpost-clinic: the clinic's tool. Each command group lives in its own file
// (outpost_clinic_<group>.cpp) and registers itself here.
#include <sys/stat.h>

#include <iostream>

#include <CLI/CLI.hpp>

#include "kiosk/cmd/outpost_clinic_commands.h"
#include "kiosk/file_read.h"
#include "kiosk/process_hardening.h"
#include "kiosk/terminal_text.h"
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
  outpost::clinic::CommonOptions common;
  // No command reads a clinic config yet; one that is given must at least be
  // a readable file, not silently ignored.
  app.add_option("--config", common.config_file, "clinic config file")
      ->check(CLI::Validator(
          [](std::string& path) {
            auto text = outpost::read_file_checked(path, 1 << 20, "config file");
            return text.ok() ? std::string() : outpost::terminal_safe(text.status().message());
          },
          "FILE"));
  app.add_option("--data-dir", common.data_dir, "clinic data directory");
  int exit_code = 0;
  outpost::clinic::register_keys(app, common, exit_code);
  outpost::clinic::register_ingest(app, common, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
