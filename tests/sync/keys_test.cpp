#include "sync/keys.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include "tests/sync/sync_test_util.h"

using namespace outpost;
using namespace outpost::sync;

namespace {
unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}
}  // namespace

TEST_CASE("clinic_keygen writes four key files, secrets 0600, and refuses to overwrite") {
  testing::init_crypto();
  testing::TempDir dir;
  ClinicDir c{dir.path() / "clinic"};
  REQUIRE(clinic_keygen(c.root).ok());
  CHECK(mode_of(c.sealing_sk()) == 0600);
  CHECK(mode_of(c.signing_sk()) == 0600);
  CHECK(mode_of(c.sealing_pk()) == 0644);
  auto seal_pk = load_key<SealingPublicKey>(c.sealing_pk());
  auto sign_sk = load_key<SigningSecretKey>(c.signing_sk());
  auto sign_pk = load_key<SigningPublicKey>(c.signing_pk());
  REQUIRE(seal_pk.ok());
  REQUIRE(sign_sk.ok());
  REQUIRE(sign_pk.ok());
  CHECK(public_of(*sign_sk).bytes == sign_pk->bytes);

  Status again = clinic_keygen(c.root);
  CHECK(again.code() == Errc::invalid_argument);
  CHECK(again.message().find("refusing to overwrite") != std::string::npos);
  CHECK(load_key<SealingPublicKey>(c.sealing_pk())->bytes == seal_pk->bytes);
}

TEST_CASE("kiosk registration: first key wins, unknown kiosks are unauthorized") {
  testing::init_crypto();
  testing::TempDir dir;
  ClinicDir c{dir.path()};
  SigningKeyPair k1 = generate_signing_keys(), k2 = generate_signing_keys();
  REQUIRE(register_kiosk(c, "site-7", k1.pk).ok());
  CHECK(register_kiosk(c, "site-7", k1.pk).ok());  // idempotent
  Status other = register_kiosk(c, "site-7", k2.pk);
  CHECK(other.code() == Errc::invalid_argument);
  CHECK(other.message().find("different key") != std::string::npos);
  CHECK(registered_kiosk_key(c, "site-7")->bytes == k1.pk.bytes);
  CHECK(registered_kiosk_key(c, "site-8").status().code() == Errc::unauthorized);
  CHECK(registered_kiosk_key(c, "../etc").status().code() == Errc::unauthorized);
  CHECK(register_kiosk(c, "a/b", k1.pk).code() == Errc::invalid_argument);
}

TEST_CASE("kiosk ids and base64 keys are validated with clear messages") {
  CHECK(validate_kiosk_id("clinic-3.kiosk_2").ok());
  CHECK_FALSE(validate_kiosk_id("").ok());
  CHECK_FALSE(validate_kiosk_id(".hidden").ok());
  CHECK_FALSE(validate_kiosk_id(std::string(65, 'a')).ok());
  CHECK_FALSE(validate_kiosk_id("sp ace").ok());

  auto short_key = key_from_base64<SealingPublicKey>("AAAA", "clinic.sealing_public_key");
  REQUIRE_FALSE(short_key.ok());
  CHECK(short_key.status().message() == "clinic.sealing_public_key: expected 32 bytes, found 3");
  auto junk = key_from_base64<SealingPublicKey>("!!!", "k");
  CHECK(junk.status().message() == "k: not valid base64");
  SealingKeyPair kp = generate_sealing_keys();
  auto back = key_from_base64<SealingPublicKey>(key_to_base64(kp.pk) + "\n", "k");
  REQUIRE(back.ok());
  CHECK(back->bytes == kp.pk.bytes);
}
