#include "kiosk/app/syncd_app.h"

#include <iostream>
#include <thread>

#include "kiosk/app/content_wiring.h"
#include "kiosk/app/sync_wiring.h"

namespace outpost::app {

Result<std::unique_ptr<SyncdApp>> SyncdApp::open(const SyncdArgs& args) {
  if (!sync::crypto_init()) return Status(Errc::internal, "libsodium failed to initialise");
  auto loaded = load_program_config(args.config_file, args.data_dir);
  if (!loaded.ok()) return loaded.status();
  std::unique_ptr<SyncdApp> a(new SyncdApp());
  a->config_ = std::move(loaded->config);
  const SiteConfig& c = a->config_;
  std::error_code ec;
  if (!std::filesystem::is_directory(c.data_dir, ec))
    return Status(Errc::not_found, "data dir '" + c.data_dir.string() + "' does not exist");
  // One daemon per data dir; export waits its turn too.
  if (Status s = a->lock_.acquire(c.data_dir, "another outpost-syncd (or outpostctl export) is running for this data dir");
      !s.ok())
    return s;
  auto outbox = sync::SqliteOutbox::open(sync::outbox_path(c.data_dir));
  if (!outbox.ok()) return outbox.status();
  a->outbox_ = std::move(outbox).value();
  // Crisis alerts the kiosk could not store: queued here as soon as the
  // outbox takes them, even while the kiosk app is down.
  if (auto pending = sync::PendingCrisisFile::open(c.data_dir); pending.ok()) a->pending_ = std::move(*pending);
  auto key = load_kiosk_key(c);
  if (!key.ok()) return key.status();
  a->key_ = *key;
  auto transport = open_transport(c, args.server.empty() ? c.clinic.server : args.server);
  if (!transport.ok()) return transport.status();
  a->transport_ = std::move(transport).value();
  auto options = sync_options(c, a->key_);
  if (!options.ok()) return options.status();
  a->gate_ = std::make_unique<sync::FlagFileTrafficGate>(sync::video_flag_path(c.data_dir));
  a->loop_ = std::make_unique<sync::SyncLoop>(*a->outbox_, *a->transport_, a->clock_, a->boot_, *a->gate_, *options);
  sync::SyncDaemon::FlushPending flush;
  if (a->pending_) {
    SyncdApp* self = a.get();
    flush = [self] { return sync::flush_pending_crisis(*self->pending_, *self->outbox_); };
  }
  sync::DaemonOptions d;
  d.kiosk_id = c.kiosk_id;
  d.data_dir = c.data_dir;
  d.version = OUTPOST_VERSION;
  d.heartbeat_interval = std::chrono::seconds(c.sync.heartbeat_interval_s);
  d.retention_ms = c.sync.retention_days * 86'400'000;
  a->daemon_ = std::make_unique<sync::SyncDaemon>(std::move(d), *a->outbox_, *a->transport_, a->clock_, *a->loop_,
                                                  Env::system(), a->key_, std::move(flush), std::cout, std::cerr);
  // Content channels: pulled only when [content] names a channel.
  if (!c.content.channel.empty()) {
    auto store = open_content_store(c);
    if (!store.ok()) return store.status();
    a->content_store_ = std::move(store).value();
    sync::ContentSyncOptions o;
    o.chunk_bytes = c.content.chunk_bytes;
    o.max_rate = c.sync.max_rate;
    o.bulk_windows = c.sync.bulk_windows;
    a->content_ = std::make_unique<sync::ContentSync>(*a->content_store_, *a->transport_, a->clock_, *a->gate_, o);
    a->daemon_->set_content(a->content_.get());
  }
  return a;
}

Result<bool> SyncdApp::run_once() {
  auto r = daemon_->pass();
  if (!r.ok()) return r.status();
  return r->drained;
}

void SyncdApp::run(const std::atomic<bool>& stop) {
  std::cout << "outpost-syncd: kiosk " << config_.kiosk_id << " -> " << transport_->describe() << "\n";
  const auto poll = std::chrono::seconds(config_.sync.poll_interval_s);
  while (!stop) {
    if (loop_->ready()) {
      auto r = daemon_->pass();
      if (!r.ok()) std::cerr << "outpost-syncd: " << r.status().to_string() << "\n";
    }
    // Sleep for the poll interval, or less while a backoff ends sooner,
    // waking each second only to notice a stop signal.
    // A download that ended its pass only for time goes on at once.
    const bool downloading = content_ && content_->status().state == "downloading";
    const auto sleep = !loop_->ready()  ? std::min<std::chrono::milliseconds>(poll, loop_->wait())
                       : downloading    ? std::chrono::milliseconds(0)
                                        : std::chrono::milliseconds(poll);
    const auto until = std::chrono::steady_clock::now() + sleep;
    while (!stop && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace outpost::app
