#include "sync/record.h"

#include <doctest/doctest.h>

#include <set>

#include "tests/sync/sync_test_util.h"

using namespace outpost;
using namespace outpost::sync;

TEST_CASE("RecordId is a UUIDv7 carrying the creation wall clock") {
  testing::init_crypto();
  const std::int64_t t = 1'767'225'600'123;
  RecordId id = RecordId::generate(t);
  CHECK(id.unix_ts_ms() == t);
  CHECK((id.bytes[6] >> 4) == 7);        // version
  CHECK((id.bytes[8] & 0xc0) == 0x80);   // RFC 9562 variant
  std::string text = id.to_string();
  CHECK(text.size() == 36);
  CHECK(text[14] == '7');
  auto back = RecordId::parse(text);
  REQUIRE(back);
  CHECK(*back == id);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(RecordId::generate(t).to_string());
  CHECK(seen.size() == 1000);
}

TEST_CASE("RecordId::parse rejects what is not a canonical UUID") {
  CHECK_FALSE(RecordId::parse(""));
  CHECK_FALSE(RecordId::parse("0190a6f2-7c1e-7000-8000-00000000000"));    // short
  CHECK_FALSE(RecordId::parse("0190a6f2x7c1e-7000-8000-000000000000"));   // bad dash
  CHECK_FALSE(RecordId::parse("0190a6f2-7c1e-7000-8000-00000000000g"));   // not hex
  CHECK(RecordId::parse("0190A6F2-7C1E-7000-8000-000000000000"));         // upper case is fine
}

TEST_CASE("record kinds and priorities have stable names and codes") {
  CHECK(std::string(kind_name(RecordKind::questionnaire_response)) == "questionnaire-response");
  CHECK(kind_from_name("crisis-alert") == RecordKind::crisis_alert);
  CHECK_FALSE(kind_from_name("nope"));
  CHECK(kind_from_code(1) == RecordKind::questionnaire_response);
  CHECK_FALSE(kind_from_code(0));
  CHECK_FALSE(kind_from_code(99));
  CHECK(default_priority(RecordKind::crisis_alert) == Priority::crisis);
  CHECK(default_priority(RecordKind::crisis_alert) < default_priority(RecordKind::questionnaire_response));
  CHECK(default_priority(RecordKind::questionnaire_response) < default_priority(RecordKind::audit));
  CHECK(std::string(priority_name(Priority::crisis)) == "crisis");
}

TEST_CASE("ProcBootIdSource reads the boot id file and names it on error") {
  testing::TempDir dir;
  auto file = dir.path() / "boot_id";
  testing::write_file(file, "5a4c52b1-0a7d-4e4f-9d2e-1f3c6b8a9d00\n");
  auto id = ProcBootIdSource(file.string()).boot_id();
  REQUIRE(id.ok());
  CHECK((*id)[0] == 0x5a);
  CHECK((*id)[15] == 0x00);

  testing::write_file(file, "not a uuid\n");
  auto bad = ProcBootIdSource(file.string()).boot_id();
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Errc::corrupt);
  CHECK(bad.status().message().find(file.string()) != std::string::npos);

  auto missing = ProcBootIdSource((dir.path() / "none").string()).boot_id();
  CHECK(missing.status().code() == Errc::io_error);

  CHECK(ProcBootIdSource().boot_id().ok());  // this machine's
}
