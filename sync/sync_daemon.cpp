#include "sync/sync_daemon.h"

#include <ostream>

#include "sync/heartbeat.h"

namespace outpost::sync {

SyncDaemon::SyncDaemon(DaemonOptions options, Outbox& outbox, Transport& transport, const Clock& clock,
                       SyncLoop& loop, Env& env, const SigningSecretKey& key, FlushPending flush_pending,
                       std::ostream& out, std::ostream& err)
    : options_(std::move(options)),
      outbox_(outbox),
      transport_(transport),
      clock_(clock),
      loop_(loop),
      env_(env),
      key_(key),
      flush_pending_(std::move(flush_pending)),
      out_(out),
      err_(err) {}

Status SyncDaemon::heartbeat() {
  auto stats = outbox_.stats();
  if (!stats.ok()) return stats.status();
  Heartbeat hb;
  hb.kiosk_id = options_.kiosk_id;
  hb.version = options_.version;
  hb.clock_ms = clock_.wall_ms();
  hb.queue_depth = stats->queued + stats->in_bundle;
  hb.oldest_queued_ms = stats->oldest_queued_ms;
  hb.generation = generation_hex(stats->generation);
  auto seq = outbox_.next_heartbeat_seq();
  if (!seq.ok()) return seq.status();
  hb.seq = *seq;
  hb.unconfirmed = stats->accepted;
  hb.rejected = stats->rejected_bundles;
  if (stats->last_rejection) hb.last_rejection = stats->last_rejection->name + ": " + stats->last_rejection->reason;
  if (auto free = env_.free_bytes(options_.data_dir); free.ok()) hb.disk_free_bytes = *free;
  hb.last_error = last_error_;
  if (content_ != nullptr) {
    hb.content_version = content_->status().installed_version;
    hb.content_state = content_->status().state;
    hb.content_problem = content_->status().reason;
  }
  Bytes body = encode_heartbeat(hb, key_);
  return transport_.put("status/" + options_.kiosk_id + ".json", body, PutMode::replace).to_status();
}

Result<PassReport> SyncDaemon::pass() {
  std::size_t unsaved = 0;
  if (flush_pending_) {
    auto left = flush_pending_();
    unsaved = left.ok() ? *left : 0;
  }
  auto r = loop_.run_pass();
  if (!r.ok()) return r;
  if (r->failure) {
    last_error_ = put_errc_name(r->failure->code) + std::string(": ") + r->failure->message;
  } else if (!r->outbox_full.ok()) {
    last_error_ = r->outbox_full.message();
  } else if (!r->receipt_error.empty()) {
    last_error_ = r->receipt_error;
  } else {
    last_error_.clear();
  }
  if (unsaved > 0) {
    // Told to the clinic in the heartbeat, which needs no local disk.
    last_error_ = std::to_string(unsaved) + " crisis alert(s) cannot be queued on the kiosk (storage full?)";
    err_ << "outpost-syncd: " << last_error_ << "\n";
  }
  if (r->receipt) {
    const ReceiptEffect& fx = *r->receipt;
    if (fx.confirmed_bundles || fx.rejected_bundles || fx.resend_bundles) {
      out_ << "outpost-syncd: receipt: " << fx.confirmed_records << " records confirmed by the clinic, "
           << fx.rejected_bundles << " bundles rejected, " << fx.resend_bundles << " to send again\n";
    }
    for (const auto& p : fx.problems) err_ << "outpost-syncd: receipt: " << p << "\n";
  }
  if (!r->receipt_error.empty()) err_ << "outpost-syncd: " << r->receipt_error << "\n";
  if (!r->outbox_full.ok()) err_ << "outpost-syncd: " << r->outbox_full.message() << "\n";
  if (auto pruned = outbox_.prune(clock_.wall_ms(), options_.retention_ms); !pruned.ok()) {
    err_ << "outpost-syncd: prune: " << pruned.status().to_string() << "\n";
  }
  if (content_ != nullptr && !r->failure) {
    // Crisis records queued while a file downloads go out between its chunks.
    auto crisis_first = [this] {
      if (flush_pending_) (void)flush_pending_();
      auto st = outbox_.stats();
      if (!st.ok()) return true;
      auto it = st->queued_by_priority.find(Priority::crisis);
      if (it == st->queued_by_priority.end() || it->second == 0) return true;
      auto sent = loop_.run_pass();
      return sent.ok() && !sent->failure;
    };
    auto c = content_->run_pass(crisis_first);
    if (!c.ok()) {
      err_ << "outpost-syncd: content: " << c.status().to_string() << "\n";
    } else {
      if (c->problem != last_content_problem_ && !c->problem.empty())
        err_ << "outpost-syncd: content: " << c->problem << "\n";  // once per new problem
      last_content_problem_ = c->problem;
      if (c->installed)
        out_ << "outpost-syncd: content: installed version " << content_->status().installed_version << "\n";
    }
  }
  const auto now = clock_.monotonic();
  if (!last_heartbeat_ || now - *last_heartbeat_ >= options_.heartbeat_interval || r->failure) {
    last_heartbeat_ = now;
    if (Status hb = heartbeat(); !hb.ok()) err_ << "outpost-syncd: heartbeat: " << hb.to_string() << "\n";
  }
  out_ << "outpost-syncd: " << r->bundles_sent << " bundles sent, " << r->bundles_known << " already there, "
       << r->records_sent << " records; "
       << (r->drained ? "nothing left" : r->bulk_held ? "bulk held" : "records left") << "\n"
       << std::flush;
  if (r->failure) err_ << "outpost-syncd: " << last_error_ << "\n";
  return r;
}

}  // namespace outpost::sync
