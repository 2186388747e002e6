// outpost-syncd: the store-and-forward daemon (docs/design.md, "Sync
// protocol"). Uploads the outbox's bundles whenever a link exists and puts a
// heartbeat after a pass (every sync.heartbeat_interval_s, and after failures). --once does one pass: exit 0 when nothing is
// left to send, 75 when something is (link down, held by the video gate or a
// time window), 1 on a configuration or outbox error.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include <CLI/CLI.hpp>

#include "config/site_config.h"
#include "kiosk/cmd/sync_wiring.h"
#include "kiosk/cmd/syncd_lock.h"
#include "sync/bundle.h"
#include "kiosk/file_read.h"
#include "kiosk/process_hardening.h"
#include "sync/heartbeat.h"
#include "sync/outbox_sqlite.h"
#include "sync/pending_crisis_file.h"

namespace {

using namespace outpost;

constexpr int kExitPending = 75;  // EX_TEMPFAIL: try again later
constexpr const char* kDefaultConfig = "/etc/outpost/outpost.toml";

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

struct Daemon {
  SiteConfig config;
  std::unique_ptr<sync::SqliteOutbox> outbox;
  std::unique_ptr<sync::Transport> transport;
  sync::SigningSecretKey key;
  SystemClock clock;
  sync::ProcBootIdSource boot;
  std::unique_ptr<sync::FlagFileTrafficGate> gate;
  std::unique_ptr<sync::SyncLoop> loop;
  std::string last_error;
  std::optional<Clock::Duration> last_heartbeat;
  // Crisis alerts the kiosk could not store: queued here as soon as the
  // outbox takes them, even if the kiosk app is down.
  std::optional<sync::PendingCrisisFile> pending;

  Status heartbeat() {
    auto stats = outbox->stats();
    if (!stats.ok()) return stats.status();
    sync::Heartbeat hb;
    hb.kiosk_id = config.kiosk_id;
    hb.version = OUTPOST_VERSION;
    hb.clock_ms = clock.wall_ms();
    hb.queue_depth = stats->queued + stats->in_bundle;
    hb.oldest_queued_ms = stats->oldest_queued_ms;
    hb.generation = sync::generation_hex(stats->generation);
    auto seq = outbox->next_heartbeat_seq();
    if (!seq.ok()) return seq.status();
    hb.seq = *seq;
    hb.unconfirmed = stats->accepted;
    hb.rejected = stats->rejected_bundles;
    if (stats->last_rejection) hb.last_rejection = stats->last_rejection->name + ": " + stats->last_rejection->reason;
    struct statvfs vfs{};
    if (::statvfs(config.data_dir.c_str(), &vfs) == 0) hb.disk_free_bytes = vfs.f_bavail * vfs.f_frsize;
    hb.last_error = last_error;
    sync::Bytes body = sync::encode_heartbeat(hb, key);
    sync::PutStatus put = transport->put("status/" + config.kiosk_id + ".json", body, sync::PutMode::replace);
    return put.to_status();
  }

  // Returns the pass report; prints one summary line.
  Result<sync::PassReport> pass() {
    std::size_t unsaved = 0;
    if (pending) {
      auto left = sync::flush_pending_crisis(*pending, *outbox);
      unsaved = left.ok() ? *left : 0;
    }
    auto r = loop->run_pass();
    if (!r.ok()) return r;
    if (r->failure) {
      last_error = sync::put_errc_name(r->failure->code) + std::string(": ") + r->failure->message;
    } else if (!r->outbox_full.ok()) {
      last_error = r->outbox_full.message();
    } else if (!r->receipt_error.empty()) {
      last_error = r->receipt_error;
    } else {
      last_error.clear();
    }
    if (unsaved > 0) {
      // Told to the clinic in the heartbeat, which needs no local disk.
      last_error = std::to_string(unsaved) + " crisis alert(s) cannot be queued on the kiosk (storage full?)";
      std::cerr << "outpost-syncd: " << last_error << "\n";
    }
    if (r->receipt) {
      const auto& fx = *r->receipt;
      if (fx.confirmed_bundles || fx.rejected_bundles || fx.resend_bundles) {
        std::cout << "outpost-syncd: receipt: " << fx.confirmed_records << " records confirmed by the clinic, "
                  << fx.rejected_bundles << " bundles rejected, " << fx.resend_bundles << " to send again\n";
      }
      for (const auto& p : fx.problems) std::cerr << "outpost-syncd: receipt: " << p << "\n";
    }
    if (!r->receipt_error.empty()) std::cerr << "outpost-syncd: " << r->receipt_error << "\n";
    if (!r->outbox_full.ok()) std::cerr << "outpost-syncd: " << r->outbox_full.message() << "\n";
    const std::int64_t retention_ms = config.sync.retention_days * 86'400'000;
    if (auto pruned = outbox->prune(clock.wall_ms(), retention_ms); !pruned.ok()) {
      std::cerr << "outpost-syncd: prune: " << pruned.status().to_string() << "\n";
    }
    const auto now = clock.monotonic();
    if (!last_heartbeat || now - *last_heartbeat >= std::chrono::seconds(config.sync.heartbeat_interval_s) ||
        r->failure) {
      last_heartbeat = now;
      if (Status hb = heartbeat(); !hb.ok()) std::cerr << "outpost-syncd: heartbeat: " << hb.to_string() << "\n";
    }
    std::cout << "outpost-syncd: " << r->bundles_sent << " bundles sent, " << r->bundles_known
              << " already there, " << r->records_sent << " records; "
              << (r->drained ? "nothing left" : r->bulk_held ? "bulk held" : "records left") << "\n"
              << std::flush;
    if (r->failure) std::cerr << "outpost-syncd: " << last_error << "\n";
    return r;
  }
};

int run(const std::string& config_file, const std::string& data_dir, const std::string& server, bool once) {
  if (!sync::crypto_init()) {
    std::cerr << "outpost-syncd: libsodium failed to initialise\n";
    return 1;
  }
  Daemon d;
  Result<SiteConfig> config = default_site_config();
  if (!config_file.empty()) {
    config = load_site_config(config_file);
  } else if (path_may_exist(kDefaultConfig)) {
    config = load_site_config(kDefaultConfig);
  }
  if (!config.ok()) {
    std::cerr << "outpost-syncd: " << config.status().to_string() << "\n";
    return 1;
  }
  d.config = std::move(config.value());
  if (!data_dir.empty()) d.config.data_dir = data_dir;

  auto fail = [](const Status& s) {
    std::cerr << "outpost-syncd: " << s.to_string() << "\n";
    return 1;
  };
  std::error_code ec;
  if (!std::filesystem::is_directory(d.config.data_dir, ec)) {
    return fail(Status(Errc::not_found, "data dir '" + d.config.data_dir.string() + "' does not exist"));
  }
  cmd::SyncdLock lock;  // one daemon per data dir; export waits its turn too
  if (Status s = lock.acquire(d.config.data_dir, "another outpost-syncd (or outpostctl export) is running for this data dir");
      !s.ok())
    return fail(s);
  auto outbox = sync::SqliteOutbox::open(sync::outbox_path(d.config.data_dir));
  if (!outbox.ok()) return fail(outbox.status());
  d.outbox = std::move(outbox.value());
  if (auto pending = sync::PendingCrisisFile::open(d.config.data_dir); pending.ok()) d.pending = std::move(*pending);
  auto key = cmd::load_kiosk_key(d.config);
  if (!key.ok()) return fail(key.status());
  d.key = *key;
  auto transport = cmd::open_transport(d.config, server.empty() ? d.config.clinic.server : server);
  if (!transport.ok()) return fail(transport.status());
  d.transport = std::move(transport.value());
  auto options = cmd::sync_options(d.config, d.key);
  if (!options.ok()) return fail(options.status());
  d.gate = std::make_unique<sync::FlagFileTrafficGate>(sync::video_flag_path(d.config.data_dir));
  d.loop = std::make_unique<sync::SyncLoop>(*d.outbox, *d.transport, d.clock, d.boot, *d.gate, *options);

  if (once) {
    auto r = d.pass();
    if (!r.ok()) return fail(r.status());
    return r->drained ? 0 : kExitPending;
  }

  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::cout << "outpost-syncd: kiosk " << d.config.kiosk_id << " -> " << d.transport->describe() << "\n";
  const auto poll = std::chrono::seconds(d.config.sync.poll_interval_s);
  while (!g_stop) {
    if (d.loop->ready()) {
      auto r = d.pass();
      if (!r.ok()) std::cerr << "outpost-syncd: " << r.status().to_string() << "\n";
    }
    // Sleep for the poll interval, or less while a backoff ends sooner,
    // waking each second only to notice a stop signal.
    const auto sleep =
        d.loop->ready() ? std::chrono::milliseconds(poll) : std::min<std::chrono::milliseconds>(poll, d.loop->wait());
    const auto until = std::chrono::steady_clock::now() + sleep;
    while (!g_stop && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (auto s = disable_core_dumps(); !s.ok()) std::cerr << "outpost-syncd: warning: " << s.message() << "\n";
  CLI::App app{"outpost-syncd: uploads the kiosk's outbox to the clinic"};
  app.set_version_flag("--version", "outpost-syncd " OUTPOST_VERSION);
  std::string config_file, data_dir, server;
  bool once = false;
  app.add_option("--config", config_file, "site config (outpost.toml)");
  app.add_option("--data-dir", data_dir, "data directory (overrides the config)");
  app.add_option("--server", server, "destination (overrides clinic.server): https://... or file:///path");
  app.add_flag("--once", once, "one pass, then exit: 0 when nothing is left, 75 when something is");
  CLI11_PARSE(app, argc, argv);
  return run(config_file, data_dir, server, once);
}
