// The composition layer (kiosk/app): what KioskApp and SyncdApp refuse before
// any window or upload, and which Submit path the kiosk gets.
#include <doctest/doctest.h>

#include <sstream>

#include "kiosk/app/kiosk_app.h"
#include "kiosk/app/syncd_app.h"
#include "sync/keys.h"
#include "tests/sync/sync_test_util.h"

using namespace outpost;
using outpost::testing::TempDir;
using outpost::testing::write_file;
namespace fs = std::filesystem;

namespace {

const fs::path kFonts = "/usr/share/fonts/truetype/noto";

app::KioskArgs kiosk_args(const fs::path& config) {
  app::KioskArgs a;
  a.config_file = config;
  a.font_dir = kFonts;
  return a;
}

std::string sealing_key_b64() {
  REQUIRE(sync::crypto_init());
  return sync::key_to_base64(sync::generate_sealing_keys().pk);
}

}  // namespace

TEST_CASE("a kiosk whose config cannot seal opens, and every submit is refused with the reason") {
  TempDir dir;
  write_file(dir.path() / "outpost.toml", "[kiosk]\nid = \"kiosk-a\"\ndata_dir = \"" + dir.path().string() + "\"\n");
  std::ostringstream warn;
  auto k = app::KioskApp::open(kiosk_args(dir.path() / "outpost.toml"), warn);
  REQUIRE_MESSAGE(k.ok(), k.status().to_string());
  CHECK_FALSE((*k)->demo());
  CHECK((*k)->checkin().size() == 2);  // the shipped PHQ-9 and GAD-7
  CHECK(warn.str().find("clinic.sealing_public_key is not set") != std::string::npos);
  CHECK(warn.str().find("submissions will be refused") != std::string::npos);
  auto r = (*k)->sink().raise_crisis((*k)->checkin().front(), {"phq9-9"}, ResponseMeta{});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Errc::invalid_config);
  CHECK(fs::exists(dir.path() / "outbox.db"));  // the outbox is there for when the key comes
}

TEST_CASE("a kiosk with the clinic's key writes to the sealed outbox in its data dir") {
  TempDir dir;
  write_file(dir.path() / "outpost.toml", "[kiosk]\nid = \"kiosk-a\"\ndata_dir = \"data\"\n[clinic]\nsealing_public_key = \"" +
                                              sealing_key_b64() + "\"\n");
  fs::create_directory(dir.path() / "elsewhere");
  app::KioskArgs args = kiosk_args(dir.path() / "outpost.toml");
  args.data_dir = dir.path() / "elsewhere";  // the command line wins over the file
  std::ostringstream warn;
  auto k = app::KioskApp::open(args, warn);
  REQUIRE_MESSAGE(k.ok(), k.status().to_string());
  CHECK(warn.str().find("refused") == std::string::npos);
  CHECK((*k)->config().data_dir == dir.path() / "elsewhere");
  CHECK(fs::exists(dir.path() / "elsewhere" / "outbox.db"));
  auto r = (*k)->sink().raise_crisis((*k)->checkin().front(), {"phq9-9"}, ResponseMeta{});
  CHECK_MESSAGE(r.ok(), r.status().to_string());
}

TEST_CASE("the kiosk does not start with a questionnaire it cannot offer, a missing one, or no fonts") {
  TempDir dir;
  const std::string data = "data_dir = \"" + dir.path().string() + "\"\n";
  // No url or version: the clinic could confuse it with another one.
  write_file(dir.path() / "anon.json",
             R"({"resourceType":"Questionnaire","status":"active","item":[{"linkId":"a","text":"A?","type":"boolean"}]})");
  write_file(dir.path() / "anon.toml", "[kiosk]\n" + data + "questionnaire_dir = \".\"\ncheckin = [\"anon.json\"]\n");
  std::ostringstream warn;
  auto k = app::KioskApp::open(kiosk_args(dir.path() / "anon.toml"), warn);
  REQUIRE_FALSE(k.ok());
  CHECK(k.status().message().find("the kiosk does not offer it") != std::string::npos);

  write_file(dir.path() / "missing.toml", "[kiosk]\n" + data + "questionnaire_dir = \".\"\ncheckin = [\"nope.json\"]\n");
  k = app::KioskApp::open(kiosk_args(dir.path() / "missing.toml"), warn);
  REQUIRE_FALSE(k.ok());
  CHECK(k.status().message().find("nope.json") != std::string::npos);

  write_file(dir.path() / "ok.toml", "[kiosk]\n" + data);
  app::KioskArgs args = kiosk_args(dir.path() / "ok.toml");
  args.font_dir = dir.path();
  k = app::KioskApp::open(args, warn);
  REQUIRE_FALSE(k.ok());
  CHECK(k.status().message().find("NotoSans-Regular.ttf") != std::string::npos);
  CHECK(k.status().message().find("fonts-noto-core") != std::string::npos);
}

TEST_CASE("outpost-syncd refuses a missing data dir, and a second daemon on the same data dir") {
  TempDir dir;
  app::SyncdArgs args;
  args.config_file = dir.path() / "outpost.toml";
  write_file(args.config_file, "[kiosk]\nid = \"kiosk-a\"\ndata_dir = \"" + (dir.path() / "gone").string() + "\"\n");
  auto s = app::SyncdApp::open(args);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == Errc::not_found);
  CHECK(s.status().message().find("gone") != std::string::npos);

  // A kiosk key and a file destination: enough for a daemon.
  REQUIRE(sync::crypto_init());
  const auto key = sync::generate_signing_keys();
  REQUIRE(sync::write_key_file(dir.path() / "kiosk.key", key.sk.bytes, true).ok());
  fs::create_directory(dir.path() / "usb");
  write_file(args.config_file, "[kiosk]\nid = \"kiosk-a\"\ndata_dir = \"" + dir.path().string() +
                                   "\"\n[clinic]\nkiosk_key_file = \"kiosk.key\"\nserver = \"file://" +
                                   (dir.path() / "usb").string() + "\"\n");
  auto first = app::SyncdApp::open(args);
  REQUIRE_MESSAGE(first.ok(), first.status().to_string());
  auto second = app::SyncdApp::open(args);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == Errc::busy);
  CHECK(second.status().message().find("another outpost-syncd") != std::string::npos);
  // With nothing queued one pass leaves nothing to send.
  auto drained = (*first)->run_once();
  REQUIRE_MESSAGE(drained.ok(), drained.status().to_string());
  CHECK(*drained);
}
