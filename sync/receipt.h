// Receipts (docs/design.md, "Receipts"): what the clinic has ingested from
// one kiosk, signed with the clinic's Ed25519 signing key. Ingest writes
// receipts/<kiosk-id>.json at the drop box (and on a USB stick); the kiosk
// fetches it, verifies it and only then counts its bundles as confirmed.
// Pure functions; thread-safe.
//
// Wire form: {"body":"<JSON text>","sig":"<base64 Ed25519 over body's bytes>"}
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sync/bundle.h"
#include "sync/keys.h"

namespace outpost::sync {

using BundleChain = std::array<std::uint8_t, 32>;
// chain(n) = BLAKE2b-256("OPC1" || chain(n-1) || digest(n)), chain(0) = 32 zero
// bytes: one value that names bundles 1..n of a generation exactly.
BundleChain next_chain(const BundleChain& previous, const BundleDigest& digest);

struct ReceiptRejection {
  std::string name;    // the bundle's file name (names its bytes)
  std::string reason;  // for staff: "tampered: ...", "corrupt: ..."
};

struct ReceiptAlso {
  std::uint64_t seq = 0;
  BundleDigest digest{};
};

// One outbox generation of the kiosk.
struct ReceiptOutbox {
  Generation generation{};
  std::uint64_t through = 0;        // bundles 1..through all ingested
  BundleChain chain{};              // chain(through); zero when through == 0
  std::vector<ReceiptAlso> also;    // ingested above `through` (after a gap), at most kReceiptMaxAlso
  std::vector<ReceiptRejection> rejected;  // newest last, at most kReceiptMaxRejected
};

inline constexpr std::size_t kReceiptMaxAlso = 4096;
inline constexpr std::size_t kReceiptMaxRejected = 256;
inline constexpr std::size_t kReceiptMaxBytes = 4 << 20;

struct Receipt {
  std::string kiosk_id;
  std::int64_t issued_ms = 0;       // the clinic's clock
  std::vector<ReceiptOutbox> outboxes;
  const ReceiptOutbox* find(const Generation& g) const;
};

Bytes encode_receipt(const Receipt& r, const SigningSecretKey& clinic_key);
// Verifies the signature, then parses. Errc::unauthorized when the signature
// fails; Errc::corrupt naming the field when malformed.
Result<Receipt> verify_receipt(std::span<const std::uint8_t> bytes, const SigningPublicKey& clinic_key);

// "receipts/<kiosk-id>.json"
std::string receipt_path(const std::string& kiosk_id);

}  // namespace outpost::sync
