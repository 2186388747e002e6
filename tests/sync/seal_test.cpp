#include "sync/seal.h"

#include <doctest/doctest.h>
#include <sodium.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "sync/payload.h"
#include "tests/sync/sync_test_util.h"

using namespace outpost;
using namespace outpost::sync;

namespace {
std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
Dictionaries shipped_dicts() {
  auto d = Dictionaries::load(testing::source_dir() / "config/dictionaries");
  REQUIRE_MESSAGE(d.ok(), d.status().to_string());
  return std::move(d).value();
}
}  // namespace

SealBinding binding(RecordKind kind = RecordKind::questionnaire_response) {
  SealBinding b;
  b.kiosk_id = "kiosk-a";
  b.id = *RecordId::parse("019b76da-a800-7000-8000-000000000001");
  b.kind = kind;
  b.priority = default_priority(kind);
  return b;
}

TEST_CASE("a sealed payload opens with the clinic key and its own record's identity, and with nothing else") {
  testing::init_crypto();
  Dictionaries dicts = shipped_dicts();
  SealingKeyPair clinic = generate_sealing_keys(), other = generate_sealing_keys();
  std::string text = R"({"q":"x","a":[1,2,3]})";
  SealBinding bind = binding();
  auto sealed = seal_payload(as_bytes(text), bind, dicts, clinic.pk);
  REQUIRE(sealed.ok());
  CHECK(sealed->dict_id == dicts.id_for(RecordKind::questionnaire_response));
  bind.dict_id = sealed->dict_id;
  auto compressed = dicts.compress(RecordKind::questionnaire_response, as_bytes(text));
  // Zero bytes more than libsodium's sealed box: 32-byte ephemeral key + 16-byte tag.
  CHECK(sealed->sealed.size() == compressed->bytes.size() + crypto_box_SEALBYTES);

  auto opened = open_sealed(sealed->sealed, SealScheme::bound, bind, clinic, dicts);
  REQUIRE(opened.ok());
  CHECK(opened->view() == text);
  CHECK(open_sealed(sealed->sealed, SealScheme::bound, bind, other, dicts).status().code() == Errc::unauthorized);
  // A bound seal is not a sealed box.
  CHECK(open_sealed(sealed->sealed, SealScheme::box_seal, bind, clinic, dicts).status().code() == Errc::unauthorized);

  // Moved to another record, kiosk, kind, priority or dictionary: it does not open.
  std::vector<SealBinding> moved(5, bind);
  moved[0].id = *RecordId::parse("019b76da-a800-7000-8000-000000000002");
  moved[1].kiosk_id = "kiosk-b";
  moved[2].kind = RecordKind::audit;
  moved[3].priority = Priority::crisis;
  moved[4].dict_id = bind.dict_id + 1;
  for (const auto& m : moved) {
    CHECK(open_sealed(sealed->sealed, SealScheme::bound, m, clinic, dicts).status().code() == Errc::unauthorized);
  }

  Bytes flipped = sealed->sealed;
  flipped.back() ^= 1;
  CHECK(open_sealed(flipped, SealScheme::bound, bind, clinic, dicts).status().code() == Errc::unauthorized);
  flipped = sealed->sealed;
  flipped[0] ^= 1;  // the ephemeral key
  CHECK(open_sealed(flipped, SealScheme::bound, bind, clinic, dicts).status().code() == Errc::unauthorized);
  CHECK(open_sealed(Bytes(10), SealScheme::bound, bind, clinic, dicts).status().code() == Errc::corrupt);
  // The same plaintext seals differently every time (ephemeral keys).
  auto again = seal_payload(as_bytes(text), bind, dicts, clinic.pk);
  CHECK(again->sealed != sealed->sealed);
}

TEST_CASE("the associated data is the byte string design.md gives") {
  SealBinding b = binding(RecordKind::audit);
  const Bytes ad = seal_associated_data(b);
  const Bytes expected = {'O', 'P', 'S', '2', 7, 'k', 'i', 'o', 's', 'k', '-', 'a', 0x01, 0x9b, 0x76, 0xda, 0xa8,
                          0x00, 0x70, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 5, 3, 0};
  CHECK(ad == expected);
}

TEST_CASE("legacy sealed boxes (bundle v1) still open") {
  testing::init_crypto();
  Dictionaries dicts = shipped_dicts();
  SealingKeyPair clinic = generate_sealing_keys();
  std::string text = "legacy";
  auto sealed = seal_payload_v1(RecordKind::audit, as_bytes(text), dicts, clinic.pk);
  REQUIRE(sealed.ok());
  SealBinding any = binding(RecordKind::audit);
  CHECK(open_sealed(sealed->sealed, SealScheme::box_seal, any, clinic, dicts)->view() == text);
}

TEST_CASE("dictionaries: shipped ones load, ids travel, unknown ids and bad frames are errors") {
  testing::init_crypto();
  Dictionaries dicts = shipped_dicts();
  CHECK(dicts.id_for(RecordKind::questionnaire_response) != 0);
  CHECK(dicts.id_for(RecordKind::crisis_alert) != 0);
  CHECK(dicts.id_for(RecordKind::audit) == 0);  // compressed without a dictionary

  std::string text = "audit event text, audit event text, audit event text";
  auto c = dicts.compress(RecordKind::audit, as_bytes(text));
  REQUIRE(c.ok());
  CHECK(c->dict_id == 0);
  CHECK(dicts.decompress(0, c->bytes)->view() == text);
  CHECK(dicts.decompress(999, c->bytes).status().code() == Errc::not_found);
  Bytes garbage(40, 0xee);
  CHECK(dicts.decompress(0, garbage).status().code() == Errc::corrupt);
  Bytes cut(c->bytes.begin(), c->bytes.begin() + static_cast<std::ptrdiff_t>(c->bytes.size() / 2));
  CHECK(dicts.decompress(0, cut).status().code() == Errc::corrupt);
}

TEST_CASE("dictionary files are checked: names, ids, content") {
  testing::TempDir dir;
  testing::write_file(dir.path() / "audit.7.zdict", "not a dictionary");
  auto bad = Dictionaries::load(dir.path());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("audit.7.zdict") != std::string::npos);

  testing::TempDir dir2;
  std::filesystem::copy_file(testing::source_dir() / "config/dictionaries/crisis-alert.2.zdict",
                             dir2.path() / "crisis-alert.5.zdict");
  auto mismatch = Dictionaries::load(dir2.path());
  REQUIRE_FALSE(mismatch.ok());
  CHECK(mismatch.status().message().find("does not match the file name") != std::string::npos);

  testing::TempDir dir3;
  testing::write_file(dir3.path() / "nonsense.1.zdict", "x");
  CHECK(Dictionaries::load(dir3.path()).status().message().find("record kind") != std::string::npos);
  CHECK(Dictionaries::load(dir.path() / "missing").status().code() == Errc::not_found);
}

TEST_CASE("privacy: no key on an enrolled kiosk opens a sealed record") {
  testing::init_crypto();
  testing::TempDir dir;
  ClinicDir clinic{dir.path() / "clinic"};
  REQUIRE(clinic_keygen(clinic.root).ok());
  auto clinic_seal_pk = load_key<SealingPublicKey>(clinic.sealing_pk());
  auto clinic_seal_sk = load_key<SealingSecretKey>(clinic.sealing_sk());
  auto clinic_sign_pk = load_key<SigningPublicKey>(clinic.signing_pk());
  REQUIRE(clinic_seal_pk.ok());
  REQUIRE(clinic_sign_pk.ok());
  SigningKeyPair kiosk = generate_signing_keys();  // what enroll puts in kiosk.sk

  std::string text = "MARKER-payload";
  Dictionaries dicts = shipped_dicts();
  SealBinding bind = binding();
  auto sealed = seal_payload(as_bytes(text), bind, dicts, *clinic_seal_pk);
  REQUIRE(sealed.ok());
  bind.dict_id = sealed->dict_id;

  // Every 32-byte secret a kiosk holds or can derive, tried as the X25519
  // secret key with the clinic's public key.
  std::vector<std::array<std::uint8_t, 32>> candidates;
  std::array<std::uint8_t, 32> k{};
  std::copy_n(kiosk.sk.bytes.begin(), 32, k.begin());  // Ed25519 seed
  candidates.push_back(k);
  std::copy_n(kiosk.sk.bytes.begin() + 32, 32, k.begin());  // Ed25519 public half
  candidates.push_back(k);
  REQUIRE(crypto_sign_ed25519_sk_to_curve25519(k.data(), kiosk.sk.bytes.data()) == 0);
  candidates.push_back(k);
  candidates.push_back(clinic_seal_pk->bytes);
  candidates.push_back(clinic_sign_pk->bytes);
  for (const auto& sk : candidates) {
    SealingKeyPair guess{*clinic_seal_pk, SealingSecretKey{sk}};
    CHECK(open_sealed(sealed->sealed, SealScheme::bound, bind, guess, dicts).status().code() == Errc::unauthorized);
  }
  // ...while the clinic's secret, which never leaves the clinic, does.
  SealingKeyPair real{*clinic_seal_pk, *clinic_seal_sk};
  CHECK(open_sealed(sealed->sealed, SealScheme::bound, bind, real, dicts)->view() == text);
}

namespace {
// VmLck from /proc/self/status, in kB.
long locked_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmLck:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}
}  // namespace

TEST_CASE("SecretBytes locks its storage in memory when allowed, and works the same when not") {
  testing::init_crypto();
  rlimit lim{};
  REQUIRE(::getrlimit(RLIMIT_MEMLOCK, &lim) == 0);
  const long before = locked_kb();
  REQUIRE(before >= 0);
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer intercepts mlock and does nothing: there is no lock to see.
  const bool can_see_locks = false;
#else
  const bool can_see_locks = true;
#endif
  {
    SecretBytes secret(std::size_t{1} << 20);
    std::memset(secret.data(), 0x5a, secret.size());
    if (can_see_locks && (::geteuid() == 0 || lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur >= (std::size_t{4} << 20))) {
      CHECK(locked_kb() >= before + 1024);
    }
    secret.resize(std::size_t{2} << 20);  // moves to new storage: locked too, old one unlocked
    if (can_see_locks && (::geteuid() == 0 || lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur >= (std::size_t{4} << 20))) {
      CHECK(locked_kb() >= before + 2048);
      CHECK(locked_kb() < before + 3072);
    }
    CHECK(secret.data()[(std::size_t{1} << 20) - 1] == 0x5a);
  }
  CHECK(locked_kb() <= before + 8);  // a page or two may stay locked if shared with another locked buffer

  // Past RLIMIT_MEMLOCK (a child without CAP_IPC_LOCK): unlocked, same bytes.
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(10);
    const rlimit none{0, 0};
    if (::setrlimit(RLIMIT_MEMLOCK, &none) != 0) _exit(11);
    const std::string text = "answers";
    SecretBytes s(as_bytes(text));
    s.resize(1 << 16);
    _exit(s.view().substr(0, text.size()) == text && locked_kb() == 0 ? 0 : 12);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
