// The signed JSON envelope that heartbeats and receipts travel in
// (docs/design.md, "Sync protocol"): {"body":"<JSON text>","sig":"<base64
// Ed25519 over the bytes of body>"}. Signing the body as sent needs no JSON
// canonicalisation. Internal to outpost_sync_loop; pure.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "sync/keys.h"
#include "sync/record.h"

namespace outpost::sync {

Bytes seal_envelope(const std::string& body, const SigningSecretKey& key);
// The body text when the envelope is well formed and `key` signed it.
// Errc::corrupt (naming `what`) or Errc::unauthorized.
Result<std::string> open_envelope(std::span<const std::uint8_t> bytes, const SigningPublicKey& key,
                                  std::string_view what);
// The body text without checking the signature (to find the signer first).
Result<std::string> envelope_body(std::span<const std::uint8_t> bytes, std::string_view what);

}  // namespace outpost::sync
