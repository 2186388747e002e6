#include "sync/bundle.h"

#include <doctest/doctest.h>
#include <sodium.h>

#include <sstream>

#include "sync/seal.h"
#include "tests/sync/sync_test_util.h"

using namespace outpost;
using namespace outpost::sync;

namespace {

Record make_record(std::uint64_t seq, const BootId& boot, std::size_t sealed_bytes = 80) {
  Record r;
  r.id = RecordId::generate(1'767'225'600'000 + static_cast<std::int64_t>(seq));
  r.kind = seq % 2 ? RecordKind::questionnaire_response : RecordKind::crisis_alert;
  r.priority = default_priority(r.kind);
  r.boot_id = boot;
  r.mono_ms = 1000 * seq;
  r.seq = seq;
  r.dict_id = 1;
  r.sealed.resize(sealed_bytes);
  randombytes_buf(r.sealed.data(), r.sealed.size());
  return r;
}

BundleHeader header(const BootId& boot) {
  BundleHeader h;
  h.kiosk_id = "site-7";
  h.generation = {0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78};
  h.seq = 42;
  h.created_ms = 1'767'225'700'000;
  h.boot_id = boot;
  h.mono_ms = 123456;
  return h;
}

void check_same(const Record& a, const Record& b) {
  CHECK(a.id == b.id);
  CHECK(a.kind == b.kind);
  CHECK(a.priority == b.priority);
  CHECK(a.boot_id == b.boot_id);
  CHECK(a.mono_ms == b.mono_ms);
  CHECK(a.seq == b.seq);
  CHECK(a.dict_id == b.dict_id);
  CHECK(a.sealed == b.sealed);
}

std::vector<std::uint8_t> from_hex(const std::string& hex) {
  std::vector<std::uint8_t> out(hex.size() / 2);
  std::size_t len = 0;
  REQUIRE(sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &len, nullptr) == 0);
  out.resize(len);
  return out;
}

}  // namespace

TEST_CASE("a bundle round-trips and verifies with the kiosk's key only") {
  testing::init_crypto();
  SigningKeyPair kiosk = generate_signing_keys(), other = generate_signing_keys();
  BootId boot1{}, boot2{};
  boot1.fill(1);
  boot2.fill(2);
  std::vector<Record> records{make_record(1, boot1), make_record(2, boot2), make_record(3, boot1, 48)};
  auto bytes = encode_bundle(header(boot1), records, kiosk.sk);
  REQUIRE(bytes.ok());

  auto b = parse_and_verify_bundle(*bytes, kiosk.pk);
  REQUIRE_MESSAGE(b.ok(), b.status().to_string());
  CHECK(b->header.kiosk_id == "site-7");
  CHECK(b->header.seq == 42);
  CHECK(b->header.created_ms == 1'767'225'700'000);
  CHECK(b->header.mono_ms == 123456);
  CHECK(b->header.boot_id == boot1);
  REQUIRE(b->records.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) check_same(b->records[i], records[i]);
  CHECK(b->header.generation == header(boot1).generation);
  // The name carries the generation and the first 16 bytes of BLAKE2b-256 of the file.
  std::array<std::uint8_t, 32> h{};
  crypto_generichash(h.data(), h.size(), bytes->data(), bytes->size(), nullptr, 0);
  char digest[33];
  sodium_bin2hex(digest, sizeof digest, h.data(), 16);
  CHECK(bundle_file_name(b->header, *bytes) == "site-7-0f1e2d3c4b5a6978-0000000042-" + std::string(digest) + ".opb");

  CHECK(verify_bundle(*b, other.pk).code() == Errc::unauthorized);
  // A flipped bit inside the last record's sealed payload still parses, and fails the signature.
  Bytes tampered = *bytes;
  tampered[tampered.size() - 64 - 10] ^= 0x10;
  auto t = parse_bundle(tampered);
  REQUIRE(t.ok());
  CHECK(verify_bundle(*t, kiosk.pk).code() == Errc::unauthorized);
  CHECK(bundle_file_name(t->header, tampered) != bundle_file_name(b->header, *bytes));

  // The planner's size is the encoding's, byte for byte.
  BundlePlanner planner(header(boot1), 1 << 20);
  for (const auto& r : records) CHECK(planner.add(r));
  CHECK(planner.size() == bytes->size());
}

TEST_CASE("bundle version 1 (no generation, unsigned time) is still read") {
  testing::init_crypto();
  SigningKeyPair kiosk = generate_signing_keys();
  BootId boot{};
  BundleHeader h = header(boot);
  h.version = kBundleVersionV1;
  h.generation = {};
  auto bytes = encode_bundle(h, std::vector<Record>{make_record(1, boot)}, kiosk.sk);
  REQUIRE(bytes.ok());
  auto b = parse_and_verify_bundle(*bytes, kiosk.pk);
  REQUIRE(b.ok());
  CHECK(b->header.version == kBundleVersionV1);
  CHECK(seal_scheme(b->header) == SealScheme::box_seal);
  CHECK(bundle_file_name(b->header, *bytes) == "site-7-0000000042.opb");
  h.created_ms = -1;
  CHECK(encode_bundle(h, std::vector<Record>{make_record(1, boot)}, kiosk.sk).status().code() == Errc::invalid_argument);
}

TEST_CASE("a kiosk clock before 1970 or past 2262 is carried as given") {
  testing::init_crypto();
  SigningKeyPair kiosk = generate_signing_keys();
  BootId boot{};
  for (std::int64_t t : {std::int64_t{-86'400'000} * 365 * 30, std::int64_t{-1}, std::int64_t{0},
                         std::int64_t{32'503'680'000'000} /* 3000-01-01 */, INT64_MAX, INT64_MIN}) {
    BundleHeader h = header(boot);
    h.created_ms = t;
    auto bytes = encode_bundle(h, std::vector<Record>{make_record(1, boot)}, kiosk.sk);
    REQUIRE(bytes.ok());
    auto b = parse_and_verify_bundle(*bytes, kiosk.pk);
    REQUIRE(b.ok());
    CHECK(b->header.created_ms == t);
  }
}

TEST_CASE("the planner stops at the byte cap and at 1024 boot ids, counting wide boot indexes") {
  testing::init_crypto();
  BootId own{};
  const BundleHeader h = header(own);
  // 1100 records, each from a boot of its own.
  std::vector<Record> records;
  for (std::uint64_t i = 0; i < 1100; ++i) {
    BootId b{};
    b[0] = static_cast<std::uint8_t>(i >> 8);
    b[1] = static_cast<std::uint8_t>(i);
    b[2] = 0xaa;
    records.push_back(make_record(i + 1, b, 48));
  }
  BundlePlanner planner(h, 1 << 24);
  std::size_t n = 0;
  while (n < records.size() && planner.add(records[n])) ++n;
  CHECK(n == kMaxBundleBoots - 1);  // the bundle's own boot takes one entry
  SigningKeyPair kiosk = generate_signing_keys();
  auto bytes = encode_bundle(h, std::span(records).first(n), kiosk.sk);
  REQUIRE_MESSAGE(bytes.ok(), bytes.status().to_string());
  CHECK(planner.size() == bytes->size());  // boot indexes past 127 take two bytes

  // A byte cap: the first record always fits, then only what stays under it.
  BundlePlanner small(h, 400);
  CHECK(small.add(make_record(1, own, 300)));
  CHECK_FALSE(small.add(make_record(2, own, 300)));
  BundlePlanner tiny(h, 1);
  CHECK(tiny.add(make_record(1, own, 300)));  // travels alone
  CHECK_FALSE(tiny.add(make_record(2, own, 48)));
}

TEST_CASE("parse_bundle rejects every truncation and bad field without crashing") {
  testing::init_crypto();
  SigningKeyPair kiosk = generate_signing_keys();
  BootId boot{};
  std::vector<Record> records{make_record(1, boot), make_record(2, boot)};
  Bytes bytes = encode_bundle(header(boot), records, kiosk.sk).value();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto r = parse_bundle(std::span(bytes).first(n));
    if (r.ok()) {
      CHECK(verify_bundle(*r, kiosk.pk).code() == Errc::unauthorized);
    } else {
      CHECK(r.status().code() == Errc::corrupt);
    }
  }
  Bytes bad_magic = bytes;
  bad_magic[0] = 'X';
  CHECK(parse_bundle(bad_magic).status().message() == "bundle: not a bundle (bad magic)");
  Bytes bad_version = bytes;
  bad_version[3] = 9;
  CHECK(parse_bundle(bad_version).status().message() == "bundle: unsupported format version 9");
  Bytes extra = bytes;
  extra.insert(extra.end() - 64, 0);
  CHECK(parse_bundle(extra).status().message().find("unexpected bytes before the signature") != std::string::npos);

  BundleHeader h = header(boot);
  h.kiosk_id = "bad id";
  CHECK(encode_bundle(h, records, kiosk.sk).status().code() == Errc::invalid_argument);
  h = header(boot);
  h.seq = 0;
  CHECK(encode_bundle(h, records, kiosk.sk).status().code() == Errc::invalid_argument);
}

// docs/design.md, "Bundles", carries examples made with the keys from the
// seeds written there; this parses each, verifies it and opens its record.
void check_design_example(const std::string& marker, std::size_t size, std::uint8_t version) {
  testing::init_crypto();
  std::string doc = testing::read_file(testing::source_dir() / "docs/design.md");
  auto start = doc.find("<!-- " + marker + " -->");
  REQUIRE(start != std::string::npos);
  auto end = doc.find("<!-- /" + marker + " -->", start);
  REQUIRE(end != std::string::npos);
  std::string block = doc.substr(start, end - start);
  auto fence = block.find("```");
  REQUIRE(fence != std::string::npos);
  block = block.substr(block.find('\n', fence) + 1);
  block = block.substr(0, block.find("```"));
  // Each line: hex bytes, then (after three spaces) a comment.
  std::string hex;
  std::istringstream lines(block);
  for (std::string line; std::getline(lines, line);) {
    line = line.substr(0, line.find("   "));
    for (char c : line)
      if (std::isxdigit(static_cast<unsigned char>(c))) hex += c;
  }
  CHECK(hex.size() == 2 * size);
  Bytes bytes = from_hex(hex);

  std::array<std::uint8_t, 32> kiosk_seed{}, clinic_seed{};
  kiosk_seed.fill(0x01);
  clinic_seed.fill(0x02);
  SigningKeyPair kiosk;
  crypto_sign_seed_keypair(kiosk.pk.bytes.data(), kiosk.sk.bytes.data(), kiosk_seed.data());
  SealingKeyPair clinic;
  crypto_box_seed_keypair(clinic.pk.bytes.data(), clinic.sk.bytes.data(), clinic_seed.data());

  auto b = parse_and_verify_bundle(bytes, kiosk.pk);
  REQUIRE_MESSAGE(b.ok(), b.status().to_string());
  CHECK(b->header.version == version);
  CHECK(b->header.kiosk_id == "demo-kiosk");
  CHECK(b->header.seq == 1);
  REQUIRE(b->records.size() == 1);
  const Record& r = b->records[0];
  CHECK(r.id.to_string() == "019b76da-a800-7000-8000-000000000001");
  CHECK(r.kind == RecordKind::audit);
  CHECK(r.dict_id == 0);
  auto payload = open_record(r, b->header.kiosk_id, seal_scheme(b->header), clinic, Dictionaries());
  REQUIRE_MESSAGE(payload.ok(), payload.status().to_string());
  CHECK(payload->view() == R"({"event":"example"})");
  if (version != kBundleVersionV1) {
    CHECK(generation_hex(b->header.generation) == "0123456789abcdef");
    // Bound to its record: under another kiosk id it does not open.
    CHECK(open_record(r, "other-kiosk", seal_scheme(b->header), clinic, Dictionaries()).status().code() ==
          Errc::unauthorized);
  }
}

TEST_CASE("the example bundles in docs/design.md parse, verify and open") {
  check_design_example("example-bundle", 212, kBundleVersion);
  check_design_example("example-bundle-v1", 204, kBundleVersionV1);
}
