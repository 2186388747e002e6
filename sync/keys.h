// Keys (docs/design.md, "Keys"): the clinic's X25519 sealing pair and Ed25519
// signing pair, and each kiosk's Ed25519 signing pair. Key files hold one line
// of base64 (RFC 4648, with padding); secret key files are mode 0600.
//
// A kiosk holds only the clinic's PUBLIC keys and its own signing pair, so it
// can seal records but never open them. Thread-safe: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "kiosk/result.h"

namespace outpost::sync {

// Must be called once before any other function in outpost_sync (idempotent,
// thread-safe). Returns false when libsodium cannot initialise.
bool crypto_init();

struct SealingPublicKey { std::array<std::uint8_t, 32> bytes{}; };   // X25519
struct SealingSecretKey { std::array<std::uint8_t, 32> bytes{}; };   // X25519
struct SigningPublicKey { std::array<std::uint8_t, 32> bytes{}; };   // Ed25519
struct SigningSecretKey { std::array<std::uint8_t, 64> bytes{}; };   // Ed25519 (seed || pk)

struct SealingKeyPair {
  SealingPublicKey pk;
  SealingSecretKey sk;
};
struct SigningKeyPair {
  SigningPublicKey pk;
  SigningSecretKey sk;
};

SealingKeyPair generate_sealing_keys();
SigningKeyPair generate_signing_keys();
// The public half of a signing secret key.
SigningPublicKey public_of(const SigningSecretKey& sk);

std::string to_base64(std::span<const std::uint8_t> bytes);
// Decodes base64 of exactly `out.size()` bytes; `what` names the key in errors.
Status from_base64(std::string_view text, std::span<std::uint8_t> out, std::string_view what);

template <typename Key>
std::string key_to_base64(const Key& k) { return to_base64(k.bytes); }
template <typename Key>
Result<Key> key_from_base64(std::string_view text, std::string_view what) {
  Key k;
  if (auto s = from_base64(text, k.bytes, what); !s.ok()) return s;
  return k;
}

// Key files: one base64 line. write_* creates the file (mode 0600 when
// `secret`, else 0644 less the umask), written to a temp name, fsynced and
// renamed. read_* takes a regular file of at most 4 KiB (kiosk/file_read.h):
// a folder, FIFO, device or empty file is an error naming the path.
Status write_key_file(const std::filesystem::path& file, std::span<const std::uint8_t> key, bool secret);
Status read_key_file(const std::filesystem::path& file, std::span<std::uint8_t> out);

template <typename Key>
Result<Key> load_key(const std::filesystem::path& file) {
  Key k;
  if (auto s = read_key_file(file, k.bytes); !s.ok()) return s;
  return k;
}

// Start-up check of the kiosk's signing key (docs/design.md, "Keys"): the
// secret key's seed must derive its own public half, and that must be the
// public key recorded at enrollment (`enrolled`, when the config has it).
// Errc::unauthorized with a message for staff when either fails.
Status check_kiosk_key(const SigningSecretKey& sk, const SigningPublicKey* enrolled);

// A kiosk id by the one rule of kiosk/kiosk_id.h (check_kiosk_id).
Status validate_kiosk_id(std::string_view id);

// The clinic directory made by `outpost-clinic keygen`:
//   sealing.pk  sealing.sk  signing.pk  signing.sk  kiosks/<kiosk-id>.pk
struct ClinicDir {
  std::filesystem::path root;
  std::filesystem::path sealing_pk() const { return root / "sealing.pk"; }
  std::filesystem::path sealing_sk() const { return root / "sealing.sk"; }
  std::filesystem::path signing_pk() const { return root / "signing.pk"; }
  std::filesystem::path signing_sk() const { return root / "signing.sk"; }
  std::filesystem::path kiosk_pk(std::string_view kiosk_id) const;
};

// Creates the clinic's key pairs in `dir` (created if missing). Refuses to
// overwrite existing keys (Errc::invalid_argument).
Status clinic_keygen(const std::filesystem::path& dir);
// Registers a kiosk's signing public key; refuses a different key for an id
// that is already registered.
Status register_kiosk(const ClinicDir& clinic, std::string_view kiosk_id, const SigningPublicKey& pk);
// The registered key of a kiosk; Errc::unauthorized when the id is unknown.
Result<SigningPublicKey> registered_kiosk_key(const ClinicDir& clinic, std::string_view kiosk_id);

}  // namespace outpost::sync
