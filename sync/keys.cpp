#include "sync/keys.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include "kiosk/env.h"
#include "kiosk/file_read.h"
#include "kiosk/kiosk_id.h"

namespace outpost::sync {

namespace fs = std::filesystem;

bool crypto_init() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

SealingKeyPair generate_sealing_keys() {
  SealingKeyPair kp;
  crypto_box_keypair(kp.pk.bytes.data(), kp.sk.bytes.data());
  return kp;
}

SigningKeyPair generate_signing_keys() {
  SigningKeyPair kp;
  crypto_sign_keypair(kp.pk.bytes.data(), kp.sk.bytes.data());
  return kp;
}

SigningPublicKey public_of(const SigningSecretKey& sk) {
  SigningPublicKey pk;
  crypto_sign_ed25519_sk_to_pk(pk.bytes.data(), sk.bytes.data());
  return pk;
}

std::string to_base64(std::span<const std::uint8_t> bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

Status from_base64(std::string_view text, std::span<std::uint8_t> out, std::string_view what) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  std::size_t len = 0;
  std::vector<std::uint8_t> buf(text.size());
  if (sodium_base642bin(buf.data(), buf.size(), text.data(), text.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0)
    return Status(Errc::invalid_config, std::string(what) + ": not valid base64");
  if (len != out.size()) {
    sodium_memzero(buf.data(), buf.size());
    return Status(Errc::invalid_config, std::string(what) + ": expected " + std::to_string(out.size()) +
                                            " bytes, found " + std::to_string(len));
  }
  std::memcpy(out.data(), buf.data(), len);
  sodium_memzero(buf.data(), buf.size());
  return Status::Ok();
}


Status write_key_file(const fs::path& file, std::span<const std::uint8_t> key, bool secret) {
  std::string text = to_base64(key) + "\n";
  // Secret keys are 0600 whatever the umask; public ones follow it
  // (outpost-clinic's 077 makes them 0600 too).
  Status s = Env::system().write_atomic(file, text, {static_cast<mode_t>(secret ? 0600 : 0644), /*exact_mode=*/secret});
  sodium_memzero(text.data(), text.size());
  return s;
}

Status read_key_file(const fs::path& file, std::span<std::uint8_t> out) {
  // One line of base64 of at most 64 bytes; 4 KiB leaves room for CRLF and
  // stray blanks and still refuses a file that cannot be a key.
  auto text = read_file_checked(file, 4096, "key file");
  if (!text.ok()) return text.status();
  Status s = from_base64(*text, out, file.string());
  sodium_memzero(text->data(), text->size());
  return s;
}

Status validate_kiosk_id(std::string_view id) { return check_kiosk_id(id); }

fs::path ClinicDir::kiosk_pk(std::string_view kiosk_id) const {
  return root / "kiosks" / (std::string(kiosk_id) + ".pk");
}

Status clinic_keygen(const fs::path& dir) {
  if (!crypto_init()) return Status(Errc::internal, "libsodium failed to initialise");
  std::error_code ec;
  fs::create_directories(dir / "kiosks", ec);
  if (ec) return Status(Errc::io_error, dir.string() + ": cannot create: " + ec.message());
  ClinicDir c{dir};
  for (const auto& f : {c.sealing_pk(), c.sealing_sk(), c.signing_pk(), c.signing_sk()})
    if (path_may_exist(f))
      return Status(Errc::invalid_argument, f.string() + ": exists; refusing to overwrite clinic keys");
  SealingKeyPair seal = generate_sealing_keys();
  SigningKeyPair sign = generate_signing_keys();
  Status s = write_key_file(c.sealing_sk(), seal.sk.bytes, true);
  if (s.ok()) s = write_key_file(c.sealing_pk(), seal.pk.bytes, false);
  if (s.ok()) s = write_key_file(c.signing_sk(), sign.sk.bytes, true);
  if (s.ok()) s = write_key_file(c.signing_pk(), sign.pk.bytes, false);
  sodium_memzero(seal.sk.bytes.data(), seal.sk.bytes.size());
  sodium_memzero(sign.sk.bytes.data(), sign.sk.bytes.size());
  return s;
}

Status register_kiosk(const ClinicDir& clinic, std::string_view kiosk_id, const SigningPublicKey& pk) {
  if (auto s = validate_kiosk_id(kiosk_id); !s.ok()) return s;
  std::error_code ec;
  fs::create_directories(clinic.root / "kiosks", ec);
  if (ec) return Status(Errc::io_error, (clinic.root / "kiosks").string() + ": cannot create: " + ec.message());
  fs::path file = clinic.kiosk_pk(kiosk_id);
  if (path_may_exist(file)) {
    auto old = load_key<SigningPublicKey>(file);
    if (!old.ok()) return old.status();
    if (old->bytes != pk.bytes)
      return Status(Errc::invalid_argument,
                    "kiosk '" + std::string(kiosk_id) + "' is already enrolled with a different key (" +
                        file.string() + ")");
    return Status::Ok();
  }
  return write_key_file(file, pk.bytes, false);
}

Result<SigningPublicKey> registered_kiosk_key(const ClinicDir& clinic, std::string_view kiosk_id) {
  if (auto s = validate_kiosk_id(kiosk_id); !s.ok()) return Status(Errc::unauthorized, s.message());
  fs::path file = clinic.kiosk_pk(kiosk_id);
  if (!path_may_exist(file))
    return Status(Errc::unauthorized, "kiosk '" + std::string(kiosk_id) + "' is not enrolled (" + file.string() + ")");
  return load_key<SigningPublicKey>(file);
}

Status check_kiosk_key(const SigningSecretKey& sk, const SigningPublicKey* enrolled) {
  if (!crypto_init()) return Status(Errc::internal, "libsodium failed to initialise");
  SigningKeyPair derived;
  crypto_sign_seed_keypair(derived.pk.bytes.data(), derived.sk.bytes.data(), sk.bytes.data());
  sodium_memzero(derived.sk.bytes.data(), derived.sk.bytes.size());
  if (sodium_memcmp(derived.pk.bytes.data(), sk.bytes.data() + 32, 32) != 0) {
    return Status(Errc::unauthorized,
                  "kiosk key: the two halves of the signing key do not belong together (damaged or edited key "
                  "file); the clinic would reject every bundle. Re-enroll the kiosk");
  }
  if (enrolled != nullptr && sodium_memcmp(derived.pk.bytes.data(), enrolled->bytes.data(), 32) != 0) {
    return Status(Errc::unauthorized,
                  "kiosk key: the signing key is not the one enrolled at the clinic (clinic.kiosk_public_key); "
                  "the clinic would reject every bundle. Restore the enrolled kiosk.sk or re-enroll the kiosk");
  }
  return Status::Ok();
}

}  // namespace outpost::sync
