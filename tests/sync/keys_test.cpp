#include "sync/keys.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

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
  const mode_t old_umask = ::umask(0);  // read it; public key files follow it
  ::umask(old_umask);
  REQUIRE(clinic_keygen(c.root).ok());
  CHECK(mode_of(c.sealing_sk()) == 0600);
  CHECK(mode_of(c.signing_sk()) == 0600);
  CHECK(mode_of(c.sealing_pk()) == (0644 & ~old_umask));
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

TEST_CASE("key files: secret ones are 0600 whatever the umask, public ones follow it") {
  testing::init_crypto();
  testing::TempDir dir;
  const mode_t old_umask = ::umask(077);
  SigningKeyPair k = generate_signing_keys();
  Status pub = write_key_file(dir.path() / "k.pk", k.pk.bytes, /*secret=*/false);
  ::umask(0);
  Status sec = write_key_file(dir.path() / "k.sk", k.sk.bytes, /*secret=*/true);
  ::umask(old_umask);
  REQUIRE(pub.ok());
  REQUIRE(sec.ok());
  CHECK(mode_of(dir.path() / "k.pk") == 0600);
  CHECK(mode_of(dir.path() / "k.sk") == 0600);
  CHECK_FALSE(std::filesystem::exists(dir.path() / (".tmp-k.sk-" + std::to_string(::getpid()))));
}

TEST_CASE("reading a key file that is a folder, a device, a FIFO, empty or huge is a clear error") {
  testing::init_crypto();
  testing::TempDir dir;
  const auto p = dir.path();
  std::filesystem::create_directories(p / "folder.pk");
  REQUIRE(::mkfifo((p / "fifo.pk").c_str(), 0600) == 0);
  testing::write_file(p / "empty.pk", "");
  testing::write_file(p / "huge.pk", "");
  REQUIRE(::truncate((p / "huge.pk").c_str(), off_t{1} << 40) == 0);  // sparse
  const std::pair<std::filesystem::path, std::string> cases[] = {
      {p / "folder.pk", "the key file is a folder, not a file"},
      {"/dev/null", "the key file is a device, not a file"},
      {p / "fifo.pk", "the key file is a FIFO (named pipe), not a file"},
      {p / "empty.pk", "the key file is empty"},
      {p / "huge.pk", "the key file is too large (1099511627776 bytes; at most 4096)"},
      {p / "missing.pk", "the key file does not exist"},
  };
  for (const auto& [file, what] : cases) {
    CAPTURE(file);
    auto k = load_key<SigningPublicKey>(file);
    REQUIRE_FALSE(k.ok());
    CHECK(k.status().message() == file.string() + ": " + what);
  }
}

TEST_CASE("an enrolled kiosk whose key file is empty or a folder is not reported as unknown") {
  testing::init_crypto();
  testing::TempDir dir;
  ClinicDir c{dir.path()};
  std::filesystem::create_directories(dir.path() / "kiosks" / "site-9.pk");
  testing::write_file(c.kiosk_pk("site-7"), "");
  auto empty = registered_kiosk_key(c, "site-7");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().code() != Errc::unauthorized);
  CHECK(empty.status().message() == c.kiosk_pk("site-7").string() + ": the key file is empty");
  auto folder = registered_kiosk_key(c, "site-9");
  REQUIRE_FALSE(folder.ok());
  CHECK(folder.status().message() ==
        c.kiosk_pk("site-9").string() + ": the key file is a folder, not a file");
  // Enrolling over a broken key file is refused with the reason, not a crash.
  SigningKeyPair k = generate_signing_keys();
  CHECK(register_kiosk(c, "site-9", k.pk).message().find("is a folder") != std::string::npos);
}
