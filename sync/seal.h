// Sealing (docs/design.md, "Records" and "Seal"): zstd with the kind's
// dictionary, then a seal to the clinic's X25519 public key that also
// authenticates the record's identity (kiosk id, record id, kind, priority,
// dictionary), so a payload moved to another record or kiosk fails to open.
// The kiosk side (seal_payload) needs only the public key; open_* needs the
// clinic's secret key and runs at the clinic only. Pure; thread-safe.
#pragma once

#include <span>
#include <string>

#include "sync/dictionaries.h"
#include "sync/keys.h"
#include "sync/record.h"

namespace outpost::sync {

// Which construction a sealed payload uses. Carried by the bundle's format
// version: bundle v1 holds box_seal records, v2 holds bound records.
enum class SealScheme : std::uint8_t {
  box_seal = 1,  // libsodium crypto_box_seal; authenticates nothing but the bytes (bundle v1, read only)
  bound = 2,     // X25519 + XChaCha20-Poly1305 with the record's identity as associated data
};

// What a bound seal authenticates besides the payload.
struct SealBinding {
  std::string kiosk_id;
  RecordId id;
  RecordKind kind = RecordKind::audit;
  Priority priority = Priority::audit;
  std::uint32_t dict_id = 0;
};
// The associated data, byte for byte (docs/design.md, "Seal").
Bytes seal_associated_data(const SealBinding& b);

struct SealedPayload {
  std::uint32_t dict_id = 0;
  Bytes sealed;
};

inline constexpr std::size_t kSealOverheadBytes = 48;  // both schemes: 32 (ephemeral key) + 16 (tag)

// Compresses and seals `plain` (scheme bound) for the record `binding`
// describes; binding.dict_id is ignored and set from the dictionary used.
// Intermediate buffers are zeroed.
Result<SealedPayload> seal_payload(std::span<const std::uint8_t> plain, SealBinding binding,
                                   const Dictionaries& dicts, const SealingPublicKey& clinic);
// The legacy scheme (bundle v1): kept so tests can make v1 bundles.
Result<SealedPayload> seal_payload_v1(RecordKind kind, std::span<const std::uint8_t> plain,
                                      const Dictionaries& dicts, const SealingPublicKey& clinic);

// Clinic side: opens and decompresses. Errc::unauthorized when the keys or
// the binding do not open it; Errc::corrupt / not_found from decompression.
Result<SecretBytes> open_sealed(std::span<const std::uint8_t> sealed, SealScheme scheme, const SealBinding& binding,
                                const SealingKeyPair& clinic, const Dictionaries& dicts);
// A record from a bundle of `kiosk_id` whose version implies `scheme`.
Result<SecretBytes> open_record(const Record& record, const std::string& kiosk_id, SealScheme scheme,
                                const SealingKeyPair& clinic, const Dictionaries& dicts);

}  // namespace outpost::sync
