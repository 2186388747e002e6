// outpost-syncd: the store-and-forward daemon (docs/design.md, "Sync
// protocol"). Uploads the outbox's bundles whenever a link exists and puts a
// heartbeat after a pass (every sync.heartbeat_interval_s, and after
// failures). --once does one pass: exit 0 when nothing is left to send, 75
// when something is (link down, held by the video gate or a time window), 1
// on a configuration or outbox error. The work is in kiosk/app/syncd_app.h.
#include <atomic>
#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

#include "kiosk/app/syncd_app.h"
#include "kiosk/process_hardening.h"

namespace {

constexpr int kExitPending = 75;  // EX_TEMPFAIL: try again later

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

int fail(const outpost::Status& s) {
  std::cerr << "outpost-syncd: " << s.to_string() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace outpost;
  if (auto s = disable_core_dumps(); !s.ok()) std::cerr << "outpost-syncd: warning: " << s.message() << "\n";
  CLI::App cli{"outpost-syncd: uploads the kiosk's outbox to the clinic"};
  cli.set_version_flag("--version", "outpost-syncd " OUTPOST_VERSION);
  app::SyncdArgs args;
  bool once = false;
  cli.add_option("--config", args.config_file, "site config (outpost.toml)");
  cli.add_option("--data-dir", args.data_dir, "data directory (overrides the config)");
  cli.add_option("--server", args.server, "destination (overrides clinic.server): https://... or file:///path");
  cli.add_flag("--once", once, "one pass, then exit: 0 when nothing is left, 75 when something is");
  CLI11_PARSE(cli, argc, argv);

  auto syncd = app::SyncdApp::open(args);
  if (!syncd.ok()) return fail(syncd.status());
  if (once) {
    auto drained = (*syncd)->run_once();
    if (!drained.ok()) return fail(drained.status());
    return *drained ? 0 : kExitPending;
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  (*syncd)->run(g_stop);
  return 0;
}
