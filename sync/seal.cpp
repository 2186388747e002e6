#include "sync/seal.h"

#include <sodium.h>

namespace outpost::sync {

Result<SealedPayload> seal_payload(RecordKind kind, std::span<const std::uint8_t> plain, const Dictionaries& dicts,
                                   const SealingPublicKey& clinic) {
  if (!crypto_init()) return Status(Errc::internal, "libsodium failed to initialise");
  auto compressed = dicts.compress(kind, plain);
  if (!compressed.ok()) return compressed.status();
  Bytes& frame = compressed->bytes;
  SealedPayload out;
  out.dict_id = compressed->dict_id;
  out.sealed.resize(frame.size() + crypto_box_SEALBYTES);
  int rc = crypto_box_seal(out.sealed.data(), frame.data(), frame.size(), clinic.bytes.data());
  sodium_memzero(frame.data(), frame.size());
  if (rc != 0) return Status(Errc::internal, "crypto_box_seal failed");
  return out;
}

Result<SecretBytes> open_sealed(std::span<const std::uint8_t> sealed, std::uint32_t dict_id,
                                const SealingKeyPair& clinic, const Dictionaries& dicts) {
  if (!crypto_init()) return Status(Errc::internal, "libsodium failed to initialise");
  if (sealed.size() < crypto_box_SEALBYTES) return Status(Errc::corrupt, "sealed payload shorter than the seal");
  SecretBytes frame(sealed.size() - crypto_box_SEALBYTES);
  if (crypto_box_seal_open(frame.data(), sealed.data(), sealed.size(), clinic.pk.bytes.data(),
                           clinic.sk.bytes.data()) != 0)
    return Status(Errc::unauthorized, "sealed payload does not open with this clinic key");
  return dicts.decompress(dict_id, frame.span());
}

Result<SecretBytes> open_record(const Record& record, const SealingKeyPair& clinic, const Dictionaries& dicts) {
  auto r = open_sealed(record.sealed, record.dict_id, clinic, dicts);
  if (!r.ok()) return Status(r.status().code(), "record " + record.id.to_string() + ": " + r.status().message());
  return r;
}

}  // namespace outpost::sync
