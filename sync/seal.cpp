// Byte grammar and reasoning: docs/design.md, "Seal".
#include "sync/seal.h"

#include <sodium.h>

#include <array>

#include "sync/wire.h"

namespace outpost::sync {

namespace {

constexpr std::uint8_t kContext[] = {'O', 'P', 'S', '2'};
using Key = std::array<std::uint8_t, crypto_aead_xchacha20poly1305_ietf_KEYBYTES>;
using Nonce = std::array<std::uint8_t, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES>;
static_assert(crypto_box_PUBLICKEYBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES == kSealOverheadBytes);
static_assert(crypto_box_SEALBYTES == kSealOverheadBytes);

// key = BLAKE2b-256("OPS2" || X25519(sk, pk) || epk || clinic_pk)
// nonce = BLAKE2b-192("OPS2" || epk || clinic_pk)
bool derive(const std::uint8_t* shared, const std::uint8_t* epk, const std::uint8_t* clinic_pk, Key& key,
            Nonce& nonce) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, key.size());
  crypto_generichash_update(&st, kContext, sizeof kContext);
  crypto_generichash_update(&st, shared, crypto_scalarmult_BYTES);
  crypto_generichash_update(&st, epk, crypto_box_PUBLICKEYBYTES);
  crypto_generichash_update(&st, clinic_pk, crypto_box_PUBLICKEYBYTES);
  crypto_generichash_final(&st, key.data(), key.size());
  crypto_generichash_init(&st, nullptr, 0, nonce.size());
  crypto_generichash_update(&st, kContext, sizeof kContext);
  crypto_generichash_update(&st, epk, crypto_box_PUBLICKEYBYTES);
  crypto_generichash_update(&st, clinic_pk, crypto_box_PUBLICKEYBYTES);
  crypto_generichash_final(&st, nonce.data(), nonce.size());
  sodium_memzero(&st, sizeof st);
  return true;
}

}  // namespace

Bytes seal_associated_data(const SealBinding& b) {
  Bytes ad;
  wire::put_bytes(ad, kContext);
  wire::put_varint(ad, b.kiosk_id.size());
  wire::put_bytes(ad, {reinterpret_cast<const std::uint8_t*>(b.kiosk_id.data()), b.kiosk_id.size()});
  wire::put_bytes(ad, b.id.bytes);
  ad.push_back(static_cast<std::uint8_t>(b.kind));
  ad.push_back(static_cast<std::uint8_t>(b.priority));
  wire::put_varint(ad, b.dict_id);
  return ad;
}

Result<SealedPayload> seal_payload(std::span<const std::uint8_t> plain, SealBinding binding, const Dictionaries& dicts,
                                   const SealingPublicKey& clinic) {
  if (!crypto_init()) return Status(Errc::internal, "libsodium failed to initialise");
  auto compressed = dicts.compress(binding.kind, plain);
  if (!compressed.ok()) return compressed.status();
  Bytes& frame = compressed->bytes;
  binding.dict_id = compressed->dict_id;

  std::array<std::uint8_t, crypto_box_SECRETKEYBYTES> esk{};
  std::array<std::uint8_t, crypto_scalarmult_BYTES> shared{};
  Key key{};
  Nonce nonce{};
  SealedPayload out;
  out.dict_id = binding.dict_id;
  out.sealed.resize(crypto_box_PUBLICKEYBYTES + frame.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  std::uint8_t* epk = out.sealed.data();
  crypto_box_keypair(epk, esk.data());
  int rc = crypto_scalarmult(shared.data(), esk.data(), clinic.bytes.data());
  if (rc == 0) {
    derive(shared.data(), epk, clinic.bytes.data(), key, nonce);
    const Bytes ad = seal_associated_data(binding);
    rc = crypto_aead_xchacha20poly1305_ietf_encrypt(out.sealed.data() + crypto_box_PUBLICKEYBYTES, nullptr,
                                                    frame.data(), frame.size(), ad.data(), ad.size(), nullptr,
                                                    nonce.data(), key.data());
  }
  sodium_memzero(frame.data(), frame.size());
  sodium_memzero(esk.data(), esk.size());
  sodium_memzero(shared.data(), shared.size());
  sodium_memzero(key.data(), key.size());
  if (rc != 0) return Status(Errc::invalid_argument, "seal: the clinic sealing key is not a usable X25519 key");
  return out;
}

Result<SealedPayload> seal_payload_v1(RecordKind kind, std::span<const std::uint8_t> plain, const Dictionaries& dicts,
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

Result<SecretBytes> open_sealed(std::span<const std::uint8_t> sealed, SealScheme scheme, const SealBinding& binding,
                                const SealingKeyPair& clinic, const Dictionaries& dicts) {
  if (!crypto_init()) return Status(Errc::internal, "libsodium failed to initialise");
  if (sealed.size() < kSealOverheadBytes) return Status(Errc::corrupt, "sealed payload shorter than the seal");
  SecretBytes frame(sealed.size() - kSealOverheadBytes);
  if (scheme == SealScheme::box_seal) {
    if (crypto_box_seal_open(frame.data(), sealed.data(), sealed.size(), clinic.pk.bytes.data(),
                             clinic.sk.bytes.data()) != 0)
      return Status(Errc::unauthorized, "sealed payload does not open with this clinic key");
    return dicts.decompress(binding.dict_id, frame.span());
  }
  const std::uint8_t* epk = sealed.data();
  std::array<std::uint8_t, crypto_scalarmult_BYTES> shared{};
  Key key{};
  Nonce nonce{};
  int rc = crypto_scalarmult(shared.data(), clinic.sk.bytes.data(), epk);
  if (rc == 0) {
    derive(shared.data(), epk, clinic.pk.bytes.data(), key, nonce);
    const Bytes ad = seal_associated_data(binding);
    rc = crypto_aead_xchacha20poly1305_ietf_decrypt(frame.data(), nullptr, nullptr,
                                                    sealed.data() + crypto_box_PUBLICKEYBYTES,
                                                    sealed.size() - crypto_box_PUBLICKEYBYTES, ad.data(), ad.size(),
                                                    nonce.data(), key.data());
  }
  sodium_memzero(shared.data(), shared.size());
  sodium_memzero(key.data(), key.size());
  if (rc != 0) {
    return Status(Errc::unauthorized,
                  "sealed payload does not open with this clinic key for this kiosk, record id, kind and priority");
  }
  return dicts.decompress(binding.dict_id, frame.span());
}

Result<SecretBytes> open_record(const Record& record, const std::string& kiosk_id, SealScheme scheme,
                                const SealingKeyPair& clinic, const Dictionaries& dicts) {
  SealBinding b{kiosk_id, record.id, record.kind, record.priority, record.dict_id};
  auto r = open_sealed(record.sealed, scheme, b, clinic, dicts);
  if (!r.ok()) return Status(r.status().code(), "record " + record.id.to_string() + ": " + r.status().message());
  return r;
}

}  // namespace outpost::sync
