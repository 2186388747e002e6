// Sealing (docs/design.md, "Records"): zstd with the kind's dictionary, then
// libsodium crypto_box_seal to the clinic's X25519 public key. The kiosk side
// (seal_payload) needs only the public key; open_record needs the clinic's
// secret key and runs at the clinic only.
#pragma once

#include <span>

#include "sync/dictionaries.h"
#include "sync/keys.h"
#include "sync/record.h"

namespace outpost::sync {

struct SealedPayload {
  std::uint32_t dict_id = 0;
  Bytes sealed;
};

// Compresses and seals `plain`. Intermediate buffers are zeroed.
Result<SealedPayload> seal_payload(RecordKind kind, std::span<const std::uint8_t> plain,
                                   const Dictionaries& dicts, const SealingPublicKey& clinic);

// Clinic side: opens and decompresses a record's payload. Errc::unauthorized
// when the keys do not open it; Errc::corrupt / not_found from decompression.
Result<SecretBytes> open_record(const Record& record, const SealingKeyPair& clinic, const Dictionaries& dicts);
Result<SecretBytes> open_sealed(std::span<const std::uint8_t> sealed, std::uint32_t dict_id,
                                const SealingKeyPair& clinic, const Dictionaries& dicts);

}  // namespace outpost::sync
