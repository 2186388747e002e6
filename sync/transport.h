// Transport: "the remote side" of store-and-forward sync (docs/design.md,
// "Sync protocol"). One small interface with one adapter per destination:
// HTTPS PUT (transport_curl.h) and a folder such as a USB stick
// (transport_file.h). The sync loop only sees this interface; tests use
// FakeTransport.
//
// Paths are relative to the destination's base and use '/' separators:
// "inbox/<kiosk-id>/<bundle-name>" or "status/<kiosk-id>.json".
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/result.h"

namespace outpost::sync {

enum class PutMode {
  create_only,  // a bundle: never overwrite; an existing name is already_exists
  replace,      // a heartbeat: the newest wins
};

// What one PUT came to. Named so the sync loop can decide without parsing
// messages (Litestream-style named errors).
enum class PutErrc {
  created,         // stored now
  already_exists,  // create_only and the name is there: delivered before
  network,         // no connection, reset, cut mid-request; retry later
  stalled,         // below the low-speed limit or past the timeout; retry with a smaller bundle
  untrusted,       // the server's certificate or pinned key did not verify; not retried blindly
  unauthorized,    // the server refused our credentials (401/403, client cert)
  too_large,       // 413: retry with a smaller bundle
  server_error,    // 408/429/5xx: retry later
  rejected,        // any other refusal (4xx); a configuration or protocol problem
  local_error,     // our side: bad config, unreadable key file, disk full on a file destination
};
const char* put_errc_name(PutErrc code);

struct [[nodiscard]] PutStatus {
  PutErrc code = PutErrc::created;
  int http_status = 0;  // 0 when no HTTP answer was read
  std::string message;  // names the destination and path; never the body

  bool delivered() const { return code == PutErrc::created || code == PutErrc::already_exists; }
  // Worth another try after a backoff (as opposed to needing a person).
  bool retryable() const;
  // The same outcome as a Status for code that reports upward.
  Status to_status() const;
};

// What one GET came to (receipts; docs/design.md, "Receipts").
enum class FetchErrc {
  ok,            // body holds the object
  not_modified,  // the etag given still matches
  not_found,     // nothing there (yet)
  failed,        // network, TLS, refusal or a body over the limit: see message
};
struct [[nodiscard]] FetchResult {
  FetchErrc code = FetchErrc::ok;
  std::vector<std::uint8_t> body;
  std::string etag;     // the server's, to send next time; "" when none
  std::string message;  // names the destination and path
};

// What one ranged GET came to (content blobs; docs/design.md, "Content channels").
struct [[nodiscard]] RangeResult {
  FetchErrc code = FetchErrc::ok;  // ok: the range (or its tail up to the object's end) arrived
  int http_status = 0;             // 206, 200, 404...; 0 when no HTTP answer
  std::uint64_t received = 0;      // bytes handed to on_data
  std::uint64_t object_size = 0;   // from Content-Range "/<size>" (or the file size); 0 when unknown
  std::string message;             // names destination and path; never the body
};

// Receives the body of a ranged GET as it arrives; false aborts the transfer.
using RangeSink = std::function<bool(std::span<const std::uint8_t>)>;

class Transport {
 public:
  virtual ~Transport() = default;
  // Stores `body` at `path`. Blocks until done or failed; never throws.
  // Not thread-safe: one sync loop owns one Transport.
  virtual PutStatus put(std::string_view path, std::span<const std::uint8_t> body, PutMode mode) = 0;
  // Reads `path`; with a non-empty `etag`, not_modified when it still
  // matches. A body over `max_bytes` is `failed`. Blocks; never throws.
  virtual FetchResult fetch(std::string_view path, const std::string& etag, std::size_t max_bytes) = 0;
  // GET `path` bytes [offset, offset+length) ("Range: bytes=offset-(offset+length-1)").
  // The body goes to on_data as it arrives; on_data returning false aborts (failed).
  // Refused (failed, nothing handed over, message says which): an answer of 200 to a
  // Range request when offset > 0 ("server ignored Range"); a 206 whose Content-Range
  // does not start at `offset`; more than `length` bytes (hand exactly `length`, then
  // failed "server sent more than asked"). A 200 when offset == 0 is accepted up to
  // `length` bytes, then the transfer stops: code ok, http_status 200 (the caller
  // decides). 404 is not_found; 416 (offset at/after the end) is failed with object_size
  // when known. A short answer (the object ends inside the range) is ok with
  // `received` < `length`. Blocks; never throws; honours the receive-rate cap and
  // the stall timeout. `length` 0 is failed (nothing asked).
  virtual RangeResult fetch_range(std::string_view path, std::uint64_t offset, std::uint64_t length,
                                  const RangeSink& on_data) = 0;
  // Caps the download rate in bytes per second; 0 lifts the cap. Takes
  // effect at the next fetch or fetch_range.
  virtual void set_max_receive_rate(std::uint64_t bytes_per_second) = 0;
  // Caps the upload rate in bytes per second; 0 lifts the cap. Takes effect
  // at the next put.
  virtual void set_max_send_rate(std::uint64_t bytes_per_second) = 0;
  // "https://clinic.example:8443" or "file:///media/usb": for logs and status.
  virtual std::string describe() const = 0;
};

// An in-memory Transport made of function fields. By default it keeps what
// is put in `files` and honours PutMode; tests replace on_put to inject
// failures and record calls.
class FakeTransport final : public Transport {
 public:
  struct Call {
    std::string path;
    std::size_t bytes = 0;
    PutMode mode = PutMode::create_only;
  };

  FakeTransport() = default;
  FakeTransport(const FakeTransport&) = delete;  // on_put captures this
  FakeTransport& operator=(const FakeTransport&) = delete;

  std::function<PutStatus(std::string_view path, std::span<const std::uint8_t> body, PutMode mode)>
      on_put = [this](std::string_view path, std::span<const std::uint8_t> body, PutMode mode) {
        return store(path, body, mode);
      };
  std::function<FetchResult(std::string_view path, const std::string& etag, std::size_t max_bytes)> on_fetch =
      [this](std::string_view path, const std::string&, std::size_t max_bytes) {
        auto it = files.find(path);
        if (it == files.end()) return FetchResult{FetchErrc::not_found, {}, {}, "fake://" + std::string(path)};
        if (it->second.size() > max_bytes) return FetchResult{FetchErrc::failed, {}, {}, "too large"};
        return FetchResult{FetchErrc::ok, it->second, {}, {}};
      };
  // By default serves `files` like a server that honours Range (206, a
  // short tail at the end, 416 past it); tests replace it to misbehave.
  std::function<RangeResult(std::string_view path, std::uint64_t offset, std::uint64_t length,
                            const RangeSink& on_data)>
      on_fetch_range = [this](std::string_view path, std::uint64_t offset, std::uint64_t length,
                              const RangeSink& on_data) { return serve_range(path, offset, length, on_data); };
  std::map<std::string, std::vector<std::uint8_t>, std::less<>> files;
  std::vector<Call> calls;
  struct RangeCall {
    std::string path;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
  };
  std::vector<RangeCall> range_calls;
  std::uint64_t max_send_rate = 0;
  std::uint64_t max_receive_rate = 0;

  PutStatus put(std::string_view path, std::span<const std::uint8_t> body, PutMode mode) override {
    calls.push_back({std::string(path), body.size(), mode});
    return on_put(path, body, mode);
  }
  FetchResult fetch(std::string_view path, const std::string& etag, std::size_t max_bytes) override {
    return on_fetch(path, etag, max_bytes);
  }
  RangeResult fetch_range(std::string_view path, std::uint64_t offset, std::uint64_t length,
                          const RangeSink& on_data) override {
    range_calls.push_back({std::string(path), offset, length});
    return on_fetch_range(path, offset, length, on_data);
  }
  void set_max_send_rate(std::uint64_t bytes_per_second) override { max_send_rate = bytes_per_second; }
  void set_max_receive_rate(std::uint64_t bytes_per_second) override { max_receive_rate = bytes_per_second; }
  std::string describe() const override { return "fake://"; }

  // The default fetch_range, callable from a replaced on_fetch_range.
  RangeResult serve_range(std::string_view path, std::uint64_t offset, std::uint64_t length,
                          const RangeSink& on_data) {
    const std::string where = "fake://" + std::string(path);
    auto it = files.find(path);
    if (it == files.end()) return {FetchErrc::not_found, 404, 0, 0, where + ": HTTP 404"};
    const std::uint64_t size = it->second.size();
    if (length == 0) return {FetchErrc::failed, 0, 0, size, where + ": empty range asked"};
    if (offset >= size) return {FetchErrc::failed, 416, 0, size, where + ": HTTP 416, range past the end"};
    const std::uint64_t n = std::min(length, size - offset);
    if (!on_data(std::span<const std::uint8_t>(it->second).subspan(offset, n))) {
      return {FetchErrc::failed, 206, n, size, where + ": aborted by the receiver"};
    }
    return {FetchErrc::ok, 206, n, size, {}};
  }

  // The default behaviour, callable from a replaced on_put.
  PutStatus store(std::string_view path, std::span<const std::uint8_t> body, PutMode mode) {
    auto it = files.find(path);
    if (it != files.end() && mode == PutMode::create_only) {
      return {PutErrc::already_exists, 409, "fake://" + std::string(path) + " exists"};
    }
    files[std::string(path)] = std::vector<std::uint8_t>(body.begin(), body.end());
    return {PutErrc::created, 201, {}};
  }
};

}  // namespace outpost::sync
