#include "sync/outbox_memory.h"

#include <sodium.h>

#include <algorithm>

#include "sync/receipt_rules.h"

namespace outpost::sync {

MemoryOutbox::MemoryOutbox() { randombytes_buf(generation_.data(), generation_.size()); }

Result<std::uint64_t> MemoryOutbox::append(Record record) {
  if (fail_appends_with) return *fail_appends_with;
  for (const auto& [seq, row] : records_) {
    if (row.record.id == record.id)
      return Status(Errc::invalid_argument, "record " + record.id.to_string() + " is already in the outbox");
  }
  const std::uint64_t seq = next_record_++;
  record.seq = seq;
  Row row;
  row.record = std::move(record);
  records_[seq] = std::move(row);
  return seq;
}

Result<std::optional<StoredBundle>> MemoryOutbox::make_bundle(const std::string& kiosk_id,
                                                              const SigningSecretKey& kiosk_key, std::int64_t now_ms,
                                                              const BootId& boot, std::uint64_t mono_ms,
                                                              std::size_t max_bytes) {
  BundleHeader h;
  h.kiosk_id = kiosk_id;
  h.generation = generation_;
  h.seq = last_bundle_ + 1;
  h.created_ms = now_ms;
  h.boot_id = boot;
  h.mono_ms = mono_ms;
  std::vector<Row*> queued;
  for (auto& [seq, row] : records_)
    if (row.state == RecordState::queued) queued.push_back(&row);
  std::stable_sort(queued.begin(), queued.end(), [](const Row* a, const Row* b) {
    return a->record.priority < b->record.priority;  // then seq: the map's order
  });
  BundlePlanner planner(h, max_bytes);
  std::vector<Record> records;
  std::vector<Row*> taken;
  for (Row* r : queued) {
    if (!planner.add(r->record)) break;
    records.push_back(r->record);
    taken.push_back(r);
  }
  if (records.empty()) return std::optional<StoredBundle>();
  auto bytes = encode_bundle(h, records, kiosk_key);
  if (!bytes.ok()) return bytes.status();
  BundleRow b;
  b.digest = bundle_digest(*bytes);
  b.chain = next_chain(chain_, b.digest);
  b.bundle.seq = h.seq;
  b.bundle.created_ms = now_ms;
  b.bundle.record_count = records.size();
  b.bundle.name = bundle_file_name(h, *bytes);
  b.bundle.crisis = std::any_of(records.begin(), records.end(),
                                [](const Record& r) { return r.priority == Priority::crisis; });
  b.bundle.bytes = std::move(*bytes);
  for (Row* r : taken) {
    r->state = RecordState::in_bundle;
    r->bundle_seq = h.seq;
  }
  chain_ = b.chain;
  last_bundle_ = h.seq;
  StoredBundle out = b.bundle;
  bundles_[h.seq] = std::move(b);
  return std::optional<StoredBundle>(std::move(out));
}

StoredBundle MemoryOutbox::view(const BundleRow& b) const {
  StoredBundle out = b.bundle;
  // As SQLite computes it: a crisis record still belongs to the bundle.
  out.crisis = std::any_of(records_.begin(), records_.end(), [&](const auto& kv) {
    return kv.second.bundle_seq == b.bundle.seq && kv.second.record.priority == Priority::crisis;
  });
  return out;
}

std::vector<StoredBundle> MemoryOutbox::bundles_where(bool (*keep)(BundleState)) const {
  std::vector<StoredBundle> out;
  for (const auto& [seq, b] : bundles_)
    if (keep(b.bundle.state)) out.push_back(view(b));
  return out;
}

Result<std::vector<StoredBundle>> MemoryOutbox::pending_bundles() {
  return bundles_where([](BundleState s) { return s == BundleState::made; });
}

Result<std::vector<StoredBundle>> MemoryOutbox::unconfirmed_bundles() {
  return bundles_where([](BundleState s) { return s == BundleState::made || s == BundleState::accepted; });
}

Status MemoryOutbox::mark_accepted(std::uint64_t bundle_seq, std::int64_t now_ms) {
  auto it = bundles_.find(bundle_seq);
  if (it == bundles_.end() || it->second.bundle.state != BundleState::made) return Status::Ok();
  it->second.bundle.state = BundleState::accepted;
  it->second.state_ms = now_ms;
  for (auto& [seq, row] : records_) {
    if (row.bundle_seq == bundle_seq && row.state == RecordState::in_bundle) {
      row.state = RecordState::accepted;
      row.state_ms = now_ms;
    }
  }
  return Status::Ok();
}

Result<ReceiptEffect> MemoryOutbox::apply_receipt(const ReceiptOutbox& entry, std::int64_t issued_ms,
                                                  std::int64_t now_ms) {
  auto plan = plan_receipt(entry, generation_, last_bundle_,
                           [this](std::uint64_t seq) -> Result<std::optional<KnownBundle>> {
                             auto it = bundles_.find(seq);
                             if (it == bundles_.end()) return std::optional<KnownBundle>();
                             return std::optional<KnownBundle>(KnownBundle{it->second.digest, it->second.chain});
                           });
  if (!plan.ok()) return plan.status();
  ReceiptEffect fx;
  fx.problems = std::move(plan->problems);
  if (!plan->for_this_outbox) return fx;
  auto open = [](BundleState s) { return s == BundleState::made || s == BundleState::accepted; };
  for (const ReceiptPlan::Range& range : plan->confirm) {
    for (auto& [seq, b] : bundles_) {
      if (seq < range.first || seq > range.last || !open(b.bundle.state)) continue;
      for (auto& [rs, row] : records_) {
        if (row.bundle_seq == seq &&
            (row.state == RecordState::in_bundle || row.state == RecordState::accepted)) {
          row.state = RecordState::confirmed;
          row.state_ms = now_ms;
          ++fx.confirmed_records;
        }
      }
      b.bundle.state = BundleState::confirmed;
      b.bundle.bytes.clear();
      b.state_ms = now_ms;
      ++fx.confirmed_bundles;
    }
  }
  for (const ReceiptRejection& x : plan->reject) {
    auto it = std::find_if(bundles_.begin(), bundles_.end(),
                           [&](const auto& kv) { return kv.second.bundle.name == x.name && open(kv.second.bundle.state); });
    if (it == bundles_.end()) continue;
    BundleRow& b = it->second;
    b.bundle.state = BundleState::rejected;
    b.bundle.reason = x.reason;
    b.bundle.bytes.clear();
    b.state_ms = now_ms;
    for (auto& [rs, row] : records_) {
      if (row.bundle_seq != b.bundle.seq ||
          (row.state != RecordState::in_bundle && row.state != RecordState::accepted))
        continue;
      ++row.rejections;
      row.bundle_seq.reset();
      row.state_ms = now_ms;
      row.state = row.rejections >= kMaxRejections ? RecordState::held : RecordState::queued;
    }
    ++fx.rejected_bundles;
  }
  for (auto& [seq, b] : bundles_) {
    if (seq >= plan->resend_below || b.bundle.state != BundleState::accepted) continue;
    for (auto& [rs, row] : records_)
      if (row.bundle_seq == seq && row.state == RecordState::accepted) row.state = RecordState::in_bundle;
    b.bundle.state = BundleState::made;
    ++fx.resend_bundles;
  }
  if (!receipt_ms_ || *receipt_ms_ < issued_ms) receipt_ms_ = issued_ms;
  return fx;
}

Result<std::uint64_t> MemoryOutbox::prune(std::int64_t now_ms, std::int64_t retention_ms) {
  const std::int64_t before = now_ms - retention_ms;
  std::uint64_t n = 0;
  std::erase_if(records_, [&](const auto& kv) {
    const bool gone = kv.second.state == RecordState::confirmed && kv.second.state_ms < before;
    n += gone ? 1 : 0;
    return gone;
  });
  std::erase_if(bundles_, [&](const auto& kv) {
    const BundleState s = kv.second.bundle.state;
    return (s == BundleState::confirmed || s == BundleState::rejected) && kv.second.state_ms < before;
  });
  return n;
}

Result<std::uint64_t> MemoryOutbox::next_heartbeat_seq() { return ++heartbeat_seq_; }

Result<std::optional<RecordState>> MemoryOutbox::state_of(const RecordId& id) {
  for (const auto& [seq, row] : records_)
    if (row.record.id == id) return std::optional<RecordState>(row.state);
  return std::optional<RecordState>();
}

Result<OutboxStats> MemoryOutbox::stats() {
  OutboxStats st;
  st.generation = generation_;
  for (const auto& [seq, row] : records_) {
    const std::int64_t created = row.record.id.unix_ts_ms();
    switch (row.state) {
      case RecordState::queued:
        ++st.queued_by_priority[row.record.priority];
        ++st.queued;
        st.queued_bytes += row.record.sealed.size();
        if (!st.oldest_queued_ms || created < *st.oldest_queued_ms) st.oldest_queued_ms = created;
        break;
      case RecordState::in_bundle: ++st.in_bundle; break;
      case RecordState::accepted:
        ++st.accepted;
        if (!st.oldest_accepted_ms || row.state_ms < *st.oldest_accepted_ms) st.oldest_accepted_ms = row.state_ms;
        break;
      case RecordState::confirmed: ++st.confirmed; break;
      case RecordState::held: ++st.held; break;
    }
  }
  st.confirmed_through = last_bundle_;
  for (const auto& [seq, b] : bundles_) {
    const BundleState s = b.bundle.state;
    if ((s == BundleState::made || s == BundleState::accepted) && seq - 1 < st.confirmed_through)
      st.confirmed_through = seq - 1;
  }
  const BundleRow* last_rejected = nullptr;
  for (const auto& [seq, b] : bundles_) {
    if (b.bundle.state != BundleState::rejected) continue;
    ++st.rejected_bundles;
    if (last_rejected == nullptr || b.state_ms >= last_rejected->state_ms) last_rejected = &b;
  }
  if (last_rejected != nullptr) {
    st.last_rejection = view(*last_rejected);
    st.last_rejection->bytes.clear();
  }
  st.last_receipt_ms = receipt_ms_;
  if (!bundles_.empty()) {
    st.last_bundle = view(bundles_.rbegin()->second);
    st.last_bundle->bytes.clear();
  }
  return st;
}

}  // namespace outpost::sync
