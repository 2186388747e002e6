// Bundles (docs/design.md, "Bundles"): the unit that travels. A header
// (format version, kiosk id, outbox generation, bundle sequence, created), a
// boot id table, the sealed records, and the kiosk's Ed25519 signature over
// all bytes before it. Version 2 is written; version 1 (no generation,
// crypto_box_seal records) is still read.
//
// Pure functions on bytes; thread-safe. parse_bundle never trusts its input:
// every length is checked and errors are Errc::corrupt naming the field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sync/keys.h"
#include "sync/record.h"
#include "sync/seal.h"

namespace outpost::sync {

inline constexpr std::uint8_t kBundleVersion = 2;    // written
inline constexpr std::uint8_t kBundleVersionV1 = 1;  // read only
inline constexpr std::size_t kDefaultBundleMaxBytes = 65536;
inline constexpr std::size_t kBundleSignatureBytes = 64;
inline constexpr std::size_t kMaxBundleBoots = 1024;

// Random, made when an outbox is created: tells a reset kiosk's bundles
// from replays of the old outbox's (docs/design.md, "Outbox").
using Generation = std::array<std::uint8_t, 8>;
std::string generation_hex(const Generation& g);  // 16 lowercase hex digits
std::optional<Generation> generation_from_hex(std::string_view hex);

// The first 16 bytes of BLAKE2b-256 over a bundle file: part of its name.
using BundleDigest = std::array<std::uint8_t, 16>;
BundleDigest bundle_digest(std::span<const std::uint8_t> bytes);

struct BundleHeader {
  std::uint8_t version = kBundleVersion;
  std::string kiosk_id;
  Generation generation{};        // v2; all zero in v1
  std::uint64_t seq = 0;          // per outbox generation, from 1, never reused
  std::int64_t created_ms = 0;    // kiosk wall clock as given (v2 may be before 1970)
  BootId boot_id{};               // boot the bundle was made in
  std::uint64_t mono_ms = 0;      // Clock::monotonic() when made
};
// v1 records use crypto_box_seal, v2 the bound seal.
inline SealScheme seal_scheme(const BundleHeader& h) {
  return h.version == kBundleVersionV1 ? SealScheme::box_seal : SealScheme::bound;
}

struct Bundle {
  BundleHeader header;
  std::vector<Record> records;
  std::array<std::uint8_t, kBundleSignatureBytes> signature{};
  Bytes signed_bytes;             // everything the signature covers (parse only)
};

// Bytes one record takes inside a bundle (for the size cap).
std::size_t encoded_record_size(const Record& r);
// Bytes a bundle with this header and no records takes, given the number of
// distinct boot ids (an upper bound is fine: records' boots not yet known).
std::size_t bundle_overhead(const BundleHeader& h, std::size_t boot_count);

// Chooses which queued records go into one bundle: fed records in (priority,
// seq) order, it accepts each while the encoded bundle stays within
// max_bytes and the boot table within kMaxBundleBoots. The first record is
// always accepted (a record bigger than the cap travels alone). Pure.
class BundlePlanner {
 public:
  BundlePlanner(const BundleHeader& header, std::size_t max_bytes);
  // True when `r` fits (and is counted); false: the bundle is full.
  bool add(const Record& r);
  std::size_t count() const { return count_; }
  std::size_t size() const;  // exact encoded size of the accepted records' bundle

 private:
  BundleHeader header_;
  std::size_t max_bytes_;
  std::size_t records_bytes_ = 0;
  std::size_t count_ = 0;
  std::vector<BootId> boots_;
};

// Encodes and signs. Errc::invalid_argument for an invalid kiosk id or a
// record whose fields do not fit the format.
Result<Bytes> encode_bundle(const BundleHeader& header, std::span<const Record> records,
                            const SigningSecretKey& kiosk_key);

// Parses without checking the signature (the caller looks up the kiosk's key
// by header.kiosk_id, then calls verify_bundle).
Result<Bundle> parse_bundle(std::span<const std::uint8_t> bytes);
// Errc::unauthorized when the signature does not verify with `kiosk_key`.
Status verify_bundle(const Bundle& bundle, const SigningPublicKey& kiosk_key);
// parse_bundle + verify_bundle.
Result<Bundle> parse_and_verify_bundle(std::span<const std::uint8_t> bytes, const SigningPublicKey& kiosk_key);

// The bundle's file name at the drop box (docs/design.md, "Bundles"):
// v2 "<kiosk-id>-<generation hex>-<seq, 10 digits>-<digest hex>.opb", derived
// from the bytes so one name never means two byte strings; v1
// "<kiosk-id>-<seq, 10 digits>.opb".
std::string bundle_file_name(const BundleHeader& header, std::span<const std::uint8_t> bytes);
// "inbox/<kiosk-id>/<bundle file name>".
std::string bundle_destination_path(const BundleHeader& header, std::span<const std::uint8_t> bytes);

}  // namespace outpost::sync
