#include "sync/transport_file.h"

#include "tests/sync/sync_test_util.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

using namespace outpost;
using namespace outpost::sync;
namespace fs = std::filesystem;

namespace {
std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
using outpost::testing::TempDir;
}  // namespace

TEST_CASE("safe relative paths") {
  CHECK(is_safe_relative_path("inbox/kiosk-a/kiosk-a-0000000001.opb"));
  CHECK(is_safe_relative_path("status/kiosk-a.json"));
  CHECK_FALSE(is_safe_relative_path(""));
  CHECK_FALSE(is_safe_relative_path("/etc/passwd"));
  CHECK_FALSE(is_safe_relative_path("inbox/../x"));
  CHECK_FALSE(is_safe_relative_path("inbox//x"));
  CHECK_FALSE(is_safe_relative_path("inbox/.hidden"));
  CHECK_FALSE(is_safe_relative_path("inbox/x/"));
  CHECK_FALSE(is_safe_relative_path("inbox/a b"));
}

TEST_CASE("file transport writes whole files, create-only, and leaves no temp files") {
  TempDir dir;
  auto t = FileTransport::create(dir.path());
  REQUIRE(t.ok());
  const std::string a = "first bundle", b = "other bytes";
  auto s = (*t)->put("inbox/k/k-0000000001.opb", bytes_of(a), PutMode::create_only);
  CHECK(s.code == PutErrc::created);
  CHECK(outpost::testing::read_file(dir.path() / "inbox/k/k-0000000001.opb") == a);

  s = (*t)->put("inbox/k/k-0000000001.opb", bytes_of(a), PutMode::create_only);
  CHECK(s.code == PutErrc::already_exists);
  s = (*t)->put("inbox/k/k-0000000001.opb", bytes_of(b), PutMode::create_only);
  CHECK(s.code == PutErrc::rejected);
  CHECK(s.message.find("different") != std::string::npos);
  CHECK(outpost::testing::read_file(dir.path() / "inbox/k/k-0000000001.opb") == a);

  CHECK((*t)->put("status/k.json", bytes_of(a), PutMode::replace).code == PutErrc::created);
  CHECK((*t)->put("status/k.json", bytes_of(b), PutMode::replace).code == PutErrc::created);
  CHECK(outpost::testing::read_file(dir.path() / "status/k.json") == b);

  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
    if (e.is_regular_file()) {
      ++files;
      CHECK(e.path().filename().string().rfind(".tmp-", 0) != 0);
    }
  }
  CHECK(files == 2);
}

TEST_CASE("file transport refuses unsafe paths and a missing folder") {
  TempDir dir;
  auto t = FileTransport::create(dir.path());
  REQUIRE(t.ok());
  const std::string a = "x";
  auto s = (*t)->put("../escape", bytes_of(a), PutMode::create_only);
  CHECK(s.code == PutErrc::rejected);
  CHECK_FALSE(fs::exists(dir.path().parent_path() / "escape"));
  auto missing = FileTransport::create(dir.path() / "no-such-stick");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Errc::not_found);
  CHECK(missing.status().message().find("no-such-stick") != std::string::npos);
}
