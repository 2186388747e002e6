// Bundles (docs/design.md, "Bundles"): the unit that travels. A header
// (format version, kiosk id, bundle sequence, created), a boot id table, the
// sealed records, and the kiosk's Ed25519 signature over all bytes before it.
//
// Pure functions on bytes; thread-safe. parse_bundle never trusts its input:
// every length is checked and errors are Errc::corrupt naming the field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sync/keys.h"
#include "sync/record.h"

namespace outpost::sync {

inline constexpr std::uint8_t kBundleVersion = 1;
inline constexpr std::size_t kDefaultBundleMaxBytes = 65536;
inline constexpr std::size_t kBundleSignatureBytes = 64;

struct BundleHeader {
  std::uint8_t version = kBundleVersion;
  std::string kiosk_id;
  std::uint64_t seq = 0;          // per kiosk, from 1, never reused
  std::int64_t created_ms = 0;    // kiosk wall clock
  BootId boot_id{};               // boot the bundle was made in
  std::uint64_t mono_ms = 0;      // Clock::monotonic() when made
};

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

// The conventional file name: "<kiosk-id>-<seq, 10 digits>.opb".
std::string bundle_file_name(const BundleHeader& header);

}  // namespace outpost::sync
