// Heartbeat (docs/design.md, "Sync protocol"): a small signed status object
// the kiosk PUTs to status/<kiosk-id>.json; no patient data. The clinic's
// `fleet` reads it. Pure functions; thread-safe.
//
// Wire form: {"body":"<JSON text>","sig":"<base64 Ed25519 over body's bytes>"}
// body: {"v":1,"kiosk":"...","version":"0.1.0","clock_ms":...,"queue_depth":N,
//        "oldest_queued_ms":... or null,"disk_free_bytes":N,"last_error":"...",
//        "generation":"<16 hex>","seq":N,"unconfirmed":N,"rejected":N,
//        "last_rejection":"...",   (the last five since outpost 0.2; optional)
//        "content_version":N,"content_state":"...","content_problem":"..."}
//                                  (since 0.4; optional; Content channels)
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sync/keys.h"
#include "sync/record.h"

namespace outpost::sync {

struct Heartbeat {
  std::string kiosk_id;
  std::string version;                          // outpost version
  std::int64_t clock_ms = 0;                    // kiosk wall clock when made
  std::uint64_t queue_depth = 0;                // records not yet acknowledged
  std::optional<std::int64_t> oldest_queued_ms; // wall ms of the oldest one
  std::uint64_t disk_free_bytes = 0;            // on the data volume
  std::string last_error;                       // the last sync error, "" when none
  // Ordering and delivery (docs/design.md, "Fleet status"): the outbox
  // generation and a per-outbox heartbeat sequence order heartbeats without
  // trusting the kiosk's clock.
  std::string generation;                       // 16 hex digits; "" from older kiosks
  std::uint64_t seq = 0;                        // heartbeat sequence within the generation
  std::uint64_t unconfirmed = 0;                // records the drop box took, no receipt yet
  std::uint64_t rejected = 0;                   // bundles the clinic rejected (per receipts)
  std::string last_rejection;                   // "<bundle name>: <reason>", "" when none
  // Content channels: the installed version (0: none), syncd's content
  // state and the reason a manifest or file was refused, "" when none.
  std::uint64_t content_version = 0;
  std::string content_state;
  std::string content_problem;
};

Bytes encode_heartbeat(const Heartbeat& hb, const SigningSecretKey& kiosk_key);
// Parses without verifying, so the caller can look up the kiosk's key.
// Errc::corrupt naming the field when malformed.
Result<Heartbeat> parse_heartbeat(std::span<const std::uint8_t> bytes);
// parse_heartbeat and check the signature; Errc::unauthorized when it fails.
Result<Heartbeat> verify_heartbeat(std::span<const std::uint8_t> bytes, const SigningPublicKey& kiosk_key);

}  // namespace outpost::sync
