#include "sync/content_sync.h"

#include <algorithm>

namespace outpost::sync {

std::string channel_manifest_path(const std::string& channel) { return "channels/" + channel + "/manifest.json"; }
std::string channel_blob_path(const std::string& channel, const std::string& sha256) {
  return "channels/" + channel + "/blobs/" + sha256;
}

ContentSync::ContentSync(ContentStore& store, Transport& transport, const Clock& clock, const BulkTrafficGate& gate,
                         ContentSyncOptions options)
    : store_(store), transport_(transport), clock_(clock), gate_(gate), options_(std::move(options)) {
  options_.chunk_bytes = std::max<std::uint64_t>(options_.chunk_bytes, 1024);
}

bool ContentSync::bulk_allowed() const {
  if (gate_.bulk_paused()) return false;
  if (options_.bulk_windows.empty()) return true;
  const std::int64_t wall = clock_.wall_ms();
  return in_windows(options_.bulk_windows, local_minute_of_day(wall, clock_.local_offset_s(wall)));
}

void ContentSync::set_status(const std::string& state, const std::string& reason) {
  (void)refresh_progress();  // a library that cannot be read shows as it was last seen
  status_.state = state;
  status_.reason = reason;
  status_.updated_ms = clock_.wall_ms();
  // A status that cannot be written (a full disk) must not stop downloads.
  (void)write_content_status(store_.env(), store_.paths(), status_);
}

// Installed and pending versions and the bytes of the pending files on disk.
Status ContentSync::refresh_progress() {
  auto inst = store_.installed();
  status_.installed_version = inst.ok() && inst->has_value() ? (*inst)->version : 0;
  auto pend = store_.pending();
  if (!pend.ok()) return pend.status();
  status_.pending_version = pend->has_value() ? (*pend)->version : 0;
  status_.bytes_done = status_.bytes_total = 0;
  if (!pend->has_value()) return Status::Ok();
  for (const ChannelFile& f : (*pend)->files()) {
    status_.bytes_total += f.size;
    auto have = store_.has_blob(f);
    if (have.ok() && *have) {
      status_.bytes_done += f.size;
    } else if (auto part = store_.partial_size(f); part.ok()) {
      status_.bytes_done += std::min(*part, f.size);
    }
  }
  return Status::Ok();
}

Result<bool> ContentSync::fetch_file(const ChannelFile& f, ContentPassReport& report, const BetweenChunks& between,
                                     Clock::Duration deadline) {
  const std::string path = channel_blob_path(store_.channel(), f.sha256);
  for (;;) {
    auto part = store_.partial_size(f);
    if (!part.ok()) return part.status();
    std::uint64_t have = *part;
    if (have > f.size) {  // more than the file can hold: start this one again
      if (Status s = store_.drop_partial(f); !s.ok()) return s;
      have = 0;
    }
    if (have == f.size) {
      Status committed = store_.commit_partial(f);
      if (committed.ok()) return true;
      if (committed.code() != Errc::corrupt) return committed;
      const int failures = ++hash_failures_[f.sha256];
      status_.refetched_bytes += f.size;
      if (failures >= 2) {
        report.problem = "fetched twice and both copies were wrong, giving up on it until the clinic publishes "
                         "again: " + committed.message();
        set_status("failed", report.problem);
        return false;
      }
      report.problem = committed.message() + "; fetching it again";
      continue;
    }
    if (Status space = store_.check_space(f.size - have); !space.ok()) {
      report.problem = space.message();
      set_status("blocked", report.problem);
      return false;
    }
    if (!bulk_allowed()) {
      report.held = true;
      set_status("paused", gate_.bulk_paused() ? "paused while a video group is on" : "outside the bulk time windows");
      return false;
    }
    if (clock_.monotonic() >= deadline) return false;  // the daemon's turn; resumes next pass
    const std::uint64_t length = std::min(options_.chunk_bytes, f.size - have);
    Status write = Status::Ok();
    std::uint64_t written = 0;
    RangeResult r = transport_.fetch_range(path, have, length, [&](std::span<const std::uint8_t> bytes) {
      write = store_.append_partial(f, bytes);
      if (write.ok()) written += bytes.size();
      return write.ok();
    });
    report.bytes_fetched += r.received;
    if (!write.ok()) {
      report.problem = write.message();
      set_status(write.code() == Errc::storage_full ? "blocked" : "failed", report.problem);
      return false;
    }
    if (r.code != FetchErrc::ok) {
      report.problem = r.message.empty() ? "download failed: " + path : r.message;
      set_status("failed", report.problem);
      return false;
    }
    if (written == 0) {
      report.problem = transport_.describe() + "/" + path + ": the server sent no bytes";
      set_status("failed", report.problem);
      return false;
    }
    set_status("downloading", "");
    if (between && !between()) return false;
  }
}

Result<ContentPassReport> ContentSync::run_pass(const BetweenChunks& between_chunks) {
  ContentPassReport report;
  if (Status s = store_.prepare(); !s.ok()) return s;
  const Clock::Duration deadline = clock_.monotonic() + options_.max_pass;
  transport_.set_max_receive_rate(options_.max_rate);

  // 1. The manifest: a new one is offered; a refused one keeps its reason
  // for as long as the server offers it (its ETag stays).
  if (!bulk_allowed()) {
    report.held = true;
  } else {
    // A library wiped under a running daemon (a disk swap, staff deleting
    // content/) must not wait for the clinic's next publish: the ETag of a
    // manifest we took is forgotten once neither it nor its files are here.
    if (!etag_.empty() && manifest_problem_.empty()) {
      auto inst = store_.installed();
      auto pend = store_.pending();
      if (inst.ok() && pend.ok() && !inst->has_value() && !pend->has_value()) etag_.clear();
    }
    FetchResult m = transport_.fetch(channel_manifest_path(store_.channel()), etag_, kMaxManifestBytes + 4096);
    if (m.code == FetchErrc::ok) {
      auto offered = store_.offer(m.body, transport_.describe() + "/" + channel_manifest_path(store_.channel()));
      const Errc why = offered.ok() ? Errc::ok : offered.status().code();
      if (why != Errc::ok && why != Errc::invalid_argument && why != Errc::unauthorized && why != Errc::corrupt) {
        // Our disk, not their manifest: keep the old ETag so the next pass fetches it again.
        manifest_problem_ = offered.status().message();
        set_status("failed", manifest_problem_);
        return offered.status();
      }
      etag_ = m.etag;  // taken or refused for what it is: not fetched again until it changes
      manifest_problem_ = offered.ok() ? "" : offered.status().message();
    } else if (m.code == FetchErrc::not_found) {
      manifest_problem_ = "the clinic has not published channel '" + store_.channel() + "' yet";
    } else if (m.code == FetchErrc::failed) {
      report.problem = m.message;
    }
  }
  if (Status s = refresh_progress(); !s.ok()) return s;
  if (failures_version_ != status_.pending_version) {
    hash_failures_.clear();
    failures_version_ = status_.pending_version;
  }
  auto finish = [&](const std::string& state) {
    if (report.problem.empty()) report.problem = manifest_problem_;
    set_status(state, report.problem);
    return report;
  };
  if (!report.problem.empty()) return finish("failed");
  if (report.held) return finish(status_.pending_version ? "paused" : "idle");

  // 2. The pending version's files, then the install.
  auto pend = store_.pending();
  if (!pend.ok()) return pend.status();
  if (!pend->has_value()) return finish(status_.installed_version ? "installed" : "idle");
  auto missing = store_.missing(**pend);
  if (!missing.ok()) return missing.status();
  for (const ChannelFile& f : *missing) {
    if (hash_failures_[f.sha256] >= 2) continue;  // reported; waits for a new publish
    auto done = fetch_file(f, report, between_chunks, deadline);
    if (!done.ok()) return done.status();
    if (!*done) {
      if (report.problem.empty() && !report.held) return finish("downloading");  // the pass's time is up
      return report;  // fetch_file wrote the status
    }
  }
  auto installed = store_.install_pending();
  if (!installed.ok()) return installed.status();
  report.installed = *installed;
  if (Status s = refresh_progress(); !s.ok()) return s;
  if (!*installed) {
    if (report.problem.empty()) report.problem = "some files failed their sha256 twice; waiting for a new publish";
    return finish("failed");
  }
  return finish("installed");
}

}  // namespace outpost::sync
