#include "sync/transport_file.h"

#include "tests/sync/sync_test_util.h"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
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

namespace {
// A pid that was just alive and is not any more.
pid_t dead_pid() {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) _exit(0);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return pid;
}

void plant(const fs::path& file, std::chrono::minutes age) {
  fs::create_directories(file.parent_path());
  outpost::testing::write_file(file, "partial bundle");
  fs::last_write_time(file, fs::file_time_type::clock::now() - age);
}
}  // namespace

TEST_CASE("opening a folder destination removes its own stale temp files and nothing else") {
  TempDir dir;
  const fs::path root = dir.path();
  const std::string dead = std::to_string(dead_pid());
  const std::string alive = std::to_string(::getpid());
  const auto old = std::chrono::minutes(60);
  // Left by killed runs: put()'s names, their process gone, an hour old.
  const fs::path stale_bundle = root / "inbox/k" / (".tmp-k-0000000001.opb-" + dead);
  const fs::path stale_status = root / "status" / (".tmp-k.json-" + dead);
  plant(stale_bundle, old);
  plant(stale_status, old);
  // Everything else stays.
  const fs::path fresh =
      root / "inbox/k" / (".tmp-k-0000000003.opb-" + dead);  // maybe another kiosk's write in flight
  plant(fresh, std::chrono::minutes(0));
  const fs::path keep[] = {
      root / "inbox/k/k-0000000001.opb",                      // a bundle
      root / "notes.txt",                                     // the stick's owner's file
      root / "inbox/k" / (".tmp-k-0000000002.opb-" + alive),  // its writer is alive
      root / "inbox/k/.tmp-k-0000000004.opb",                 // no pid: not a name put() makes
      root / "inbox/k" / (".tmp--" + dead),                   // no name
      root / "inbox/k" / (".tmp-.x-" + dead),                 // a name put() never makes
      root / "inbox/k" / (".tmp-k.opb-0" + dead),             // leading zero
      root / "a/b/c" / (".tmp-k.opb-" + dead),                // deeper than put() writes
      root / ".hidden/x" / (".tmp-k.opb-" + dead),            // inside a dot-folder
  };
  for (const auto& f : keep) plant(f, old);
  const fs::path link = root / "inbox/k" / (".tmp-link.opb-" + dead);  // a symlink: not ours
  fs::create_symlink(root / "notes.txt", link);
  fs::create_directories(root / "inbox" / (".tmp-dir-" + dead));  // a folder: not ours

  auto t = FileTransport::create(root);
  REQUIRE(t.ok());
  CHECK_FALSE(fs::exists(stale_bundle));
  CHECK_FALSE(fs::exists(stale_status));
  CHECK(fs::exists(fresh));
  for (const auto& f : keep) CHECK_MESSAGE(fs::exists(f), f);
  CHECK(fs::is_symlink(link));
  CHECK(fs::is_directory(root / "inbox" / (".tmp-dir-" + dead)));
  // And the transport still works in the cleaned folder.
  const std::string a = "bundle";
  CHECK((*t)->put("inbox/k/k-0000000005.opb", bytes_of(a), PutMode::create_only).code == PutErrc::created);
}

TEST_CASE("file transport fetch_range: the bytes at an offset, a short tail, past the end, escapes") {
  TempDir dir;
  auto t = FileTransport::create(dir.path());
  REQUIRE(t.ok());
  std::string blob;
  for (int i = 0; i < 200000; ++i) blob.push_back(static_cast<char>('a' + i % 26));
  fs::create_directories(dir.path() / "channels/c/blobs");
  REQUIRE((*t)->put("channels/c/blobs/b1", bytes_of(blob), PutMode::create_only).delivered());
  std::string got;
  auto sink = [&](std::span<const std::uint8_t> d) {
    got.append(reinterpret_cast<const char*>(d.data()), d.size());
    return true;
  };
  auto r = (*t)->fetch_range("channels/c/blobs/b1", 70000, 100000, sink);
  CHECK_MESSAGE(r.code == FetchErrc::ok, r.message);
  CHECK(r.received == 100000);
  CHECK(r.object_size == blob.size());
  CHECK(got == blob.substr(70000, 100000));

  got.clear();
  r = (*t)->fetch_range("channels/c/blobs/b1", 190000, 50000, sink);
  CHECK(r.code == FetchErrc::ok);
  CHECK(r.received == 10000);
  CHECK(got == blob.substr(190000));

  got.clear();
  r = (*t)->fetch_range("channels/c/blobs/b1", blob.size(), 10, sink);
  CHECK(r.code == FetchErrc::failed);
  CHECK(r.object_size == blob.size());
  CHECK(got.empty());

  r = (*t)->fetch_range("channels/c/blobs/none", 0, 10, sink);
  CHECK(r.code == FetchErrc::not_found);
  r = (*t)->fetch_range("channels/../../etc/passwd", 0, 10, sink);
  CHECK(r.code == FetchErrc::failed);
  CHECK(r.message.find("not a safe relative path") != std::string::npos);
  CHECK(got.empty());

  int calls = 0;
  r = (*t)->fetch_range("channels/c/blobs/b1", 0, 200000, [&](std::span<const std::uint8_t>) { return ++calls < 2; });
  CHECK(r.code == FetchErrc::failed);
  CHECK(calls == 2);
  CHECK(r.message.find("aborted") != std::string::npos);
}
