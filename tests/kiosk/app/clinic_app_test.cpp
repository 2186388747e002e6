// ClinicApp: what outpost-clinic needs before it opens a record, each
// missing piece named.
#include "kiosk/app/clinic_app.h"

#include <doctest/doctest.h>

#include <sstream>

#include "sync/keys.h"
#include "tests/sync/sync_test_util.h"

using namespace outpost;
using outpost::testing::TempDir;
namespace fs = std::filesystem;

TEST_CASE("the clinic tool names what is missing: the database argument, a key, the dictionaries") {
  auto none = app::ClinicApp::open_store("");
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().message() == "--db: not given");

  TempDir dir;
  REQUIRE(sync::crypto_init());
  const fs::path shipped = outpost::testing::source_dir() / "config";
  app::ClinicPaths p{dir.path() / "clinic", dir.path() / "clinic.db", shipped / "questionnaires",
                     shipped / "dictionaries", shipped / "crisis-rules.toml"};
  std::ostringstream warn;
  auto no_keys = app::ClinicApp::open(p, warn);
  REQUIRE_FALSE(no_keys.ok());
  CHECK(no_keys.status().message().find("sealing.pk") != std::string::npos);
  CHECK_FALSE(fs::exists(p.db));  // nothing made before the keys are there

  REQUIRE(sync::clinic_keygen(p.clinic_dir).ok());
  p.dictionaries = dir.path() / "no-dictionaries";
  auto no_dicts = app::ClinicApp::open(p, warn);
  REQUIRE_FALSE(no_dicts.ok());
  CHECK(no_dicts.status().message().find("no-dictionaries") != std::string::npos);

  p.dictionaries = shipped / "dictionaries";
  auto ok = app::ClinicApp::open(p, warn);
  REQUIRE_MESSAGE(ok.ok(), ok.status().to_string());
  CHECK(fs::exists(p.db));
  CHECK((*ok)->signing_key().ok());
  auto held = (*ok)->store().quarantined();
  REQUIRE(held.ok());
  CHECK(held->empty());
}
