#include "sync/sync_loop.h"

namespace outpost::sync {

bool FlagFileTrafficGate::bulk_paused() const {
  auto info = env_.stat(flag_);
  if (!info.ok() || !info->has_value()) return false;
  const std::int64_t age_ms = env_.now_ms() - (*info)->mtime_ms;
  const std::int64_t max_ms = static_cast<std::int64_t>(max_age_.count()) * 1000;
  return age_ms <= max_ms && age_ms >= -max_ms;
}

Status set_video_active(const std::filesystem::path& data_dir, bool active, Env& env) {
  const auto flag = video_flag_path(data_dir);
  return active ? env.touch(flag) : env.remove(flag);
}

std::string inbox_path(const std::string& kiosk_id, const std::string& bundle_name) {
  return "inbox/" + kiosk_id + "/" + bundle_name;
}

Result<ReceiptEffect> apply_receipt_bytes(Outbox& outbox, std::span<const std::uint8_t> bytes,
                                          const std::string& kiosk_id, const SigningPublicKey& clinic_key,
                                          std::int64_t now_ms) {
  auto receipt = verify_receipt(bytes, clinic_key);
  if (!receipt.ok()) return receipt.status();
  if (receipt->kiosk_id != kiosk_id) {
    return Status(Errc::corrupt, "receipt is for kiosk '" + receipt->kiosk_id + "', not '" + kiosk_id + "'");
  }
  const ReceiptOutbox* entry = receipt->find(outbox.generation());
  if (entry == nullptr) return ReceiptEffect{};
  return outbox.apply_receipt(*entry, receipt->issued_ms, now_ms);
}

SyncLoop::SyncLoop(Outbox& outbox, Transport& transport, const Clock& clock, const BootIdSource& boot,
                   const BulkTrafficGate& gate, SyncOptions options)
    : outbox_(outbox),
      transport_(transport),
      clock_(clock),
      boot_(boot),
      gate_(gate),
      options_(std::move(options)),
      // Seeded per kiosk so a fleet that lost the same link spreads out.
      backoff_(options_.backoff, std::hash<std::string>{}(options_.kiosk_id)),
      sizer_(options_.sizes) {}

Result<std::optional<StoredBundle>> SyncLoop::make(std::size_t max_bytes) {
  auto boot = boot_.boot_id();
  if (!boot.ok()) return boot.status();
  return outbox_.make_bundle(options_.kiosk_id, options_.kiosk_key, clock_.wall_ms(), *boot,
                             static_cast<std::uint64_t>(clock_.monotonic().count()), max_bytes);
}

Status SyncLoop::check_receipt(PassReport& report) {
  if (!options_.clinic_signing_key) return Status::Ok();
  FetchResult got = transport_.fetch(receipt_path(options_.kiosk_id), receipt_etag_, kReceiptMaxBytes);
  if (got.code == FetchErrc::not_modified || got.code == FetchErrc::not_found) return Status::Ok();
  if (got.code == FetchErrc::failed) {
    report.receipt_error = "receipt: " + got.message;
    return Status::Ok();
  }
  auto fx = apply_receipt_bytes(outbox_, got.body, options_.kiosk_id, *options_.clinic_signing_key, clock_.wall_ms());
  if (!fx.ok()) {
    // An outbox failure stops the pass; a bad receipt is reported and ignored.
    if (fx.status().code() == Errc::unauthorized || fx.status().code() == Errc::corrupt) {
      report.receipt_error = "receipt " + transport_.describe() + "/" + receipt_path(options_.kiosk_id) + ": " +
                             fx.status().message();
      return Status::Ok();
    }
    return fx.status();
  }
  receipt_etag_ = got.etag;
  report.receipt = std::move(*fx);
  return Status::Ok();
}

Result<bool> SyncLoop::deliver(const StoredBundle& bundle, PassReport& report) {
  PutStatus put = transport_.put(inbox_path(options_.kiosk_id, bundle.name), bundle.bytes, PutMode::create_only);
  if (!put.delivered()) {
    backoff_.failed(clock_.monotonic());
    if (put.code == PutErrc::network || put.code == PutErrc::stalled || put.code == PutErrc::too_large) {
      sizer_.failed();
    }
    report.failure = std::move(put);
    return false;
  }
  if (Status s = outbox_.mark_accepted(bundle.seq, clock_.wall_ms()); !s.ok()) {
    // On a full disk the bundle still left; the next pass learns it again
    // from the destination ("exists"). Keep uploading what is already made.
    if (s.code() != Errc::storage_full) return s;
    report.outbox_full = s;
  }
  backoff_.succeeded();
  sizer_.succeeded();
  (put.code == PutErrc::created ? report.bundles_sent : report.bundles_known) += 1;
  report.records_sent += bundle.record_count;
  return true;
}

Result<PassReport> SyncLoop::run_pass() {
  PassReport report;
  // 0. What the clinic has: confirms, re-queues rejected bundles, re-sends
  //    what the drop box lost.
  if (Status s = check_receipt(report); !s.ok()) return s;
  auto stats = outbox_.stats();
  if (!stats.ok()) return stats.status();
  // A full disk stops new bundles, not the ones already made.
  auto made_or_full = [&](Result<std::optional<StoredBundle>>& made) -> Result<bool> {
    if (made.ok()) return made->has_value();
    if (made.status().code() != Errc::storage_full) return made.status();
    report.outbox_full = made.status();
    return false;
  };

  // 1. Crisis records, one per bundle, with no rate cap and whatever the gate
  //    says: they are why the kiosk exists.
  transport_.set_max_send_rate(0);
  // Crisis bundles made earlier whose upload failed come first.
  auto pending = outbox_.pending_bundles();
  if (!pending.ok()) return pending.status();
  for (const auto& b : *pending) {
    if (!b.crisis) continue;
    auto ok = deliver(b, report);
    if (!ok.ok()) return ok.status();
    if (!*ok) return report;
  }
  auto crisis = [&] {
    auto it = stats->queued_by_priority.find(Priority::crisis);
    return it == stats->queued_by_priority.end() ? 0 : it->second;
  };
  for (std::uint64_t n = crisis(); n > 0; --n) {
    auto made = make(1);  // max_bytes 1: exactly one record, the first in priority order
    auto have = made_or_full(made);
    if (!have.ok()) return have.status();
    if (!*have) break;
    auto ok = deliver(**made, report);
    if (!ok.ok()) return ok.status();
    if (!*ok) return report;
  }

  // 2. Bulk: bundles made earlier, then new ones, unless held.
  const std::int64_t wall = clock_.wall_ms();
  const bool held = gate_.bulk_paused() ||
                    !in_windows(options_.bulk_windows, local_minute_of_day(wall, clock_.local_offset_s(wall)));
  if (!held) {
    transport_.set_max_send_rate(options_.max_send_rate);
    pending = outbox_.pending_bundles();
    if (!pending.ok()) return pending.status();
    for (const auto& b : *pending) {
      auto ok = deliver(b, report);
      if (!ok.ok()) return ok.status();
      if (!*ok) return report;
      if (gate_.bulk_paused()) break;
    }
    while (!gate_.bulk_paused() && report.outbox_full.ok()) {
      auto made = make(sizer_.limit());
      auto have = made_or_full(made);
      if (!have.ok()) return have.status();
      if (!*have) break;
      auto ok = deliver(**made, report);
      if (!ok.ok()) return ok.status();
      if (!*ok) return report;
    }
  }

  stats = outbox_.stats();
  if (!stats.ok()) return stats.status();
  report.drained = stats->queued == 0 && stats->in_bundle == 0;
  report.bulk_held = !report.drained && (held || gate_.bulk_paused());
  return report;
}

Result<ExportReport> export_unacknowledged(Outbox& outbox, Transport& transport, const Clock& clock,
                                           const BootIdSource& boot, const SyncOptions& options) {
  ExportReport report;
  if (options.clinic_signing_key) {
    FetchResult got = transport.fetch(receipt_path(options.kiosk_id), {}, kReceiptMaxBytes);
    if (got.code == FetchErrc::ok) {
      auto fx = apply_receipt_bytes(outbox, got.body, options.kiosk_id, *options.clinic_signing_key, clock.wall_ms());
      if (fx.ok()) {
        report.receipt = std::move(*fx);
      } else if (fx.status().code() == Errc::unauthorized || fx.status().code() == Errc::corrupt) {
        report.receipt_error = "receipt on " + transport.describe() + ": " + fx.status().message();
      } else {
        return fx.status();
      }
    } else if (got.code == FetchErrc::failed) {
      report.receipt_error = "receipt: " + got.message;
    }
  }
  auto boot_id = boot.boot_id();
  if (!boot_id.ok()) return boot_id.status();
  for (;;) {
    auto made = outbox.make_bundle(options.kiosk_id, options.kiosk_key, clock.wall_ms(), *boot_id,
                                   static_cast<std::uint64_t>(clock.monotonic().count()), options.sizes.max_bytes);
    if (!made.ok()) {
      if (made.status().code() == Errc::storage_full) break;  // write what is already bundled
      return made.status();
    }
    if (!made->has_value()) break;
  }
  auto pending = outbox.unconfirmed_bundles();
  if (!pending.ok()) return pending.status();
  for (const auto& b : *pending) {
    PutStatus put = transport.put(inbox_path(options.kiosk_id, b.name), b.bytes, PutMode::create_only);
    if (!put.delivered()) return put.to_status();
    ++report.bundles;
    report.records += b.record_count;
  }
  return report;
}

}  // namespace outpost::sync
