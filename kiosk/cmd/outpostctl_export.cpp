// outpostctl export --to DIR: a data run by hand (docs/design.md, "Sync
// protocol"). Applies a clinic receipt the stick carries back, then writes
// every bundle the clinic has not confirmed to a folder (a USB stick) in the
// drop box's layout; the clinic ingests from it.
#include <iostream>

#include <CLI/CLI.hpp>

#include "kiosk/cmd/outpostctl_commands.h"
#include "kiosk/app/sync_wiring.h"
#include "kiosk/app/syncd_lock.h"
#include "kiosk/terminal_text.h"
#include "sync/transport_file.h"

namespace outpost::ctl {

namespace {

int run_export(const CommonOptions& common, const std::string& to) {
  auto fail = [](const Status& s) {
    std::cerr << "outpostctl export: " << terminal_safe(s.to_string()) << "\n";
    return 1;
  };
  if (!sync::crypto_init()) return fail(Status(Errc::internal, "libsodium failed to initialise"));
  auto config = load_config(common);
  if (!config.ok()) return fail(config.status());
  auto key = app::load_kiosk_key(*config);
  if (!key.ok()) return fail(key.status());
  auto options = app::sync_options(*config, *key);
  if (!options.ok()) return fail(options.status());
  auto transport = sync::FileTransport::create(to);
  if (!transport.ok()) return fail(transport.status());
  // outpost-syncd makes and marks the same bundles: one of us at a time.
  app::SyncdLock lock;
  if (Status s = lock.acquire(config->data_dir,
                              "outpost-syncd is running for this data dir; stop it (systemctl stop outpost-syncd) "
                              "and run the export again");
      !s.ok())
    return fail(s);
  auto outbox = sync::SqliteOutbox::open(sync::outbox_path(config->data_dir));
  if (!outbox.ok()) return fail(outbox.status());
  SystemClock clock;
  sync::ProcBootIdSource boot;
  auto r = sync::export_unacknowledged(**outbox, **transport, clock, boot, *options);
  if (!r.ok()) return fail(r.status());
  if (r->receipt) {
    std::cout << "receipt on the stick: " << r->receipt->confirmed_records << " records confirmed by the clinic, "
              << r->receipt->rejected_bundles << " bundles rejected\n";
    for (const auto& p : r->receipt->problems) std::cerr << "outpostctl export: receipt: " << p << "\n";
  }
  if (!r->receipt_error.empty()) std::cerr << "outpostctl export: " << r->receipt_error << "\n";
  std::cout << "exported " << r->bundles << " bundles (" << r->records << " records) to " << to
            << "; they count as delivered once a clinic receipt confirms them\n";
  return 0;
}

}  // namespace

void register_export(CLI::App& app, CommonOptions& common, int& exit_code) {
  auto to = std::make_shared<std::string>();
  auto* exp = app.add_subcommand("export", "write pending bundles to a folder (USB stick) for a data run by hand");
  exp->add_option("--to", *to, "destination folder")->required();
  exp->callback([&common, &exit_code, to] { exit_code = run_export(common, *to); });
}

}  // namespace outpost::ctl
