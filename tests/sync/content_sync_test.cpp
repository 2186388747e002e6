// ContentSync (sync/content_sync.h): pulling a channel over a Transport
// that cuts, lies and refuses, into a MemEnv library.
#include "sync/content_sync.h"

#include <doctest/doctest.h>

#include "content_fixture.h"

using namespace outpost;
using namespace outpost::sync;

namespace {

Bytes to_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

ContentSyncOptions opts(std::uint64_t chunk = 1024, std::vector<TimeWindow> windows = {},
                        Clock::Duration max_pass = std::chrono::seconds(60)) {
  ContentSyncOptions o;
  o.chunk_bytes = chunk;
  o.bulk_windows = std::move(windows);
  o.max_pass = max_pass;
  return o;
}

struct Site {
  test::TestChannel& ch;
  MemEnv env;
  FakeClock clock;
  FakeTransport server;
  ManualTrafficGate gate;
  ContentStore store;
  ContentSync sync;
  Site(test::TestChannel& c, ContentSyncOptions options = opts())
      : ch(c), store(env, "/data", c.clinic.pk, "skills"), sync(store, server, clock, gate, options) {
    REQUIRE(env.create_dirs("/data").ok());
    publish(c);
  }
  void publish(const test::TestChannel& c) {
    server.files[channel_manifest_path("skills")] = c.signed_bytes();
    for (const auto& [sha, bytes] : c.blobs) server.files[channel_blob_path("skills", sha)] = to_bytes(bytes);
  }
  std::string installed_text() {
    auto st = env.stat(store.paths().manifest());
    if (!st->has_value()) return "";
    return *env.read(store.paths().manifest(), 1 << 22, "m");
  }
  ContentPassReport pass(const ContentSync::BetweenChunks& between = nullptr) {
    auto r = sync.run_pass(between);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    return *r;
  }
  std::uint64_t range_bytes() const {
    std::uint64_t n = 0;
    for (const auto& c : server.range_calls) n += c.length;
    return n;
  }
};

test::TestChannel channel(std::uint64_t version = 1) {
  test::TestChannel ch(version);
  ch.add_item("one", std::string(5000, 'v'));
  ch.add_item("two", std::string(1500, 'w'));
  return ch;
}

}  // namespace

TEST_CASE("a channel is pulled in chunks, checked and installed, and the next pass asks with its ETag") {
  REQUIRE(crypto_init());
  test::TestChannel ch = channel();
  Site site(ch);
  std::string etag_sent = "unset";
  site.server.on_fetch = [&](std::string_view path, const std::string& etag, std::size_t) {
    etag_sent = etag;
    if (!etag.empty()) return FetchResult{FetchErrc::not_modified, {}, etag, {}};
    return FetchResult{FetchErrc::ok, site.server.files.at(std::string(path)), "\"v1\"", {}};
  };
  int chunks = 0;
  auto r = site.pass([&] { return ++chunks, true; });
  CHECK(r.installed);
  CHECK(r.problem.empty());
  CHECK(site.installed_text() == ch.signed_text());
  CHECK(site.store.verify()->empty());
  // 5000 bytes in 1024-byte chunks is 5 requests; every file in order.
  CHECK(site.server.range_calls.size() == 5 + 1 + 1 + 2 + 1 + 1);  // video, caption, thumbnail of each
  CHECK(chunks == static_cast<int>(site.server.range_calls.size()));
  CHECK(r.bytes_fetched == ch.manifest.total_bytes());
  CHECK(site.sync.status().state == "installed");
  CHECK(site.sync.status().installed_version == 1);
  auto again = site.pass();
  CHECK(etag_sent == "\"v1\"");
  CHECK_FALSE(again.installed);
  CHECK(site.server.range_calls.size() == 11);  // nothing fetched twice
  auto on_disk = read_content_status(site.env, site.store.paths());
  REQUIRE(on_disk.ok());
  CHECK((*on_disk)->state == "installed");
}

TEST_CASE("a cut transfer resumes from the bytes on disk, in a new process too") {
  REQUIRE(crypto_init());
  test::TestChannel ch = channel();
  Site site(ch);
  // The link drops 600 bytes into the second chunk of the big file.
  int calls = 0;
  site.server.on_fetch_range = [&](std::string_view path, std::uint64_t offset, std::uint64_t length,
                                   const RangeSink& sink) {
    if (++calls == 2) {
      const auto& all = site.server.files.at(std::string(path));
      (void)sink(std::span<const std::uint8_t>(all).subspan(offset, 600));
      return RangeResult{FetchErrc::failed, 206, 600, all.size(), "connection reset"};
    }
    return site.server.serve_range(path, offset, length, sink);
  };
  auto r = site.pass();
  CHECK(r.problem == "connection reset");
  CHECK(site.sync.status().state == "failed");
  CHECK(site.installed_text().empty());
  CHECK(site.sync.status().bytes_done == 1024 + 600);
  // A restarted syncd: a new ContentSync over the same disk.
  ContentSync restarted(site.store, site.server, site.clock, site.gate, opts());
  auto r2 = restarted.run_pass();
  REQUIRE(r2.ok());
  CHECK(r2->installed);
  CHECK(site.server.range_calls[2].offset == 1624);
  // Every byte was fetched once.
  CHECK(r.bytes_fetched + r2->bytes_fetched == ch.manifest.total_bytes());
  CHECK(site.store.verify()->empty());
}

TEST_CASE("a tampered file is deleted, fetched again once, and reported") {
  REQUIRE(crypto_init());
  test::TestChannel ch = channel();
  Site site(ch);
  const std::string bad_path = channel_blob_path("skills", ch.manifest.items[1].video.sha256);
  int lies = 0;
  SUBCASE("once") { lies = 1; }
  SUBCASE("always") { lies = 1000; }
  site.server.on_fetch_range = [&](std::string_view path, std::uint64_t offset, std::uint64_t length,
                                   const RangeSink& sink) {
    if (path == bad_path && lies > 0) {
      std::vector<std::uint8_t> wrong(std::min<std::uint64_t>(length, 1500 - offset), 'X');
      if (offset + wrong.size() == 1500) --lies;
      (void)sink(wrong);
      return RangeResult{FetchErrc::ok, 206, wrong.size(), 1500, {}};
    }
    return site.server.serve_range(path, offset, length, sink);
  };
  auto r = site.pass();
  CHECK(r.problem.find("sha256 differs") != std::string::npos);
  CHECK(site.sync.status().refetched_bytes >= 1500);
  if (lies == 0) {
    CHECK(r.installed);
    CHECK(site.store.verify()->empty());
  } else {
    CHECK_FALSE(r.installed);
    CHECK(r.problem.find("fetched twice") != std::string::npos);
    CHECK(site.installed_text().empty());
    CHECK(site.sync.status().state == "failed");
    // Not fetched a third time until the clinic publishes again.
    const std::size_t before = site.server.range_calls.size();
    (void)site.pass();
    for (std::size_t i = before; i < site.server.range_calls.size(); ++i)
      CHECK(site.server.range_calls[i].path != bad_path);
  }
}

TEST_CASE("an older or forged manifest leaves the library as it was, with the reason in the status") {
  REQUIRE(crypto_init());
  test::TestChannel v2 = channel(2);
  Site site(v2);
  REQUIRE(site.pass().installed);
  const std::string before = site.installed_text();
  const std::size_t calls = site.server.range_calls.size();

  SUBCASE("rollback") {
    test::TestChannel v1(1);
    v1.clinic = v2.clinic;
    v1.add_item("old", "old bytes");
    site.publish(v1);
    auto r = site.pass();
    CHECK(r.problem.find("rollback refused: version 1 is older than the installed version 2") != std::string::npos);
  }
  SUBCASE("forged") {
    test::TestChannel forged(3);
    forged.add_item("one", "evil");
    site.publish(forged);
    auto r = site.pass();
    CHECK(r.problem.find("signature does not verify") != std::string::npos);
  }
  SUBCASE("tampered in transit") {
    Bytes& m = site.server.files[channel_manifest_path("skills")];
    test::TestChannel v3 = channel(3);
    v3.clinic = v2.clinic;
    m = v3.signed_bytes();
    auto at = std::search(m.begin(), m.end(), std::begin("5000"), std::end("5000") - 1);
    REQUIRE(at != m.end());
    *at = '6';
    auto r = site.pass();
    CHECK(r.problem.find("signature") != std::string::npos);
  }
  CHECK(site.installed_text() == before);
  CHECK(site.server.range_calls.size() == calls);
  CHECK_FALSE(site.env.stat(site.store.paths().pending())->has_value());
  auto st = read_content_status(site.env, site.store.paths());
  CHECK_FALSE((*st)->reason.empty());
  CHECK(site.store.verify()->empty());
}

TEST_CASE("content waits for a video group and the bulk windows") {
  REQUIRE(crypto_init());
  test::TestChannel ch = channel();
  Site site(ch, opts(1024, {{22 * 60, 6 * 60}}));
  site.clock.set_wall_ms(1'767'268'800'000);  // 2026-01-01T12:00:00Z: outside 22:00-06:00
  auto r = site.pass();
  CHECK(r.held);
  CHECK(site.server.range_calls.empty());
  site.clock.set_wall_ms(1'767'304'800'000);  // 22:00
  site.gate.pause();
  CHECK(site.pass().held);
  CHECK(site.server.range_calls.empty());
  site.gate.resume();
  // A group starts in the middle of the download: it stops after the chunk.
  int chunks = 0;
  r = site.pass([&] {
    if (++chunks == 2) site.gate.pause();
    return true;
  });
  CHECK(r.held);
  CHECK(site.server.range_calls.size() == 2);
  CHECK(site.sync.status().state == "paused");
  CHECK(site.sync.status().reason == "paused while a video group is on");
  site.gate.resume();
  CHECK(site.pass().installed);
}

TEST_CASE("the disk reserve and a full disk stop content with a clear status and the library intact") {
  REQUIRE(crypto_init());
  test::TestChannel v1(1);
  v1.add_item("small", "tiny");
  Site site(v1);
  REQUIRE(site.pass().installed);
  const std::string before = site.installed_text();
  test::TestChannel v2 = channel(2);
  v2.clinic = v1.clinic;
  site.publish(v2);
  SUBCASE("reserve") {
    site.env.set_capacity(20'000);
    site.store.set_reserve_bytes(15'000);
    auto r = site.pass();
    CHECK(r.problem.find("not enough disk space for content") != std::string::npos);
    CHECK(site.sync.status().state == "blocked");
  }
  SUBCASE("full in the middle of a file") {
    site.store.set_reserve_bytes(0);
    // Another writer fills the disk just as the first chunk arrives: 600 bytes are left.
    bool filled = false;
    site.server.on_fetch_range = [&](std::string_view path, std::uint64_t offset, std::uint64_t length,
                                     const RangeSink& sink) {
      if (!filled) {
        const std::uint64_t used = UINT64_MAX - *site.env.free_bytes("/data");
        site.env.set_capacity(used + 600);
        filled = true;
      }
      return site.server.serve_range(path, offset, length, sink);
    };
    auto r = site.pass();
    CHECK_MESSAGE(r.problem.find("No space left") != std::string::npos, r.problem);
    CHECK(site.sync.status().state == "blocked");
  }
  CHECK(site.installed_text() == before);
  CHECK(site.store.verify()->empty());
}

TEST_CASE("a server that ignores Range or sends too much fails the chunk and keeps what is good") {
  REQUIRE(crypto_init());
  test::TestChannel ch = channel();
  Site site(ch);
  site.server.on_fetch_range = [&](std::string_view path, std::uint64_t offset, std::uint64_t length,
                                   const RangeSink& sink) {
    if (offset > 0) return RangeResult{FetchErrc::failed, 200, 0, 0, "fake://x: server ignored Range (200)"};
    return site.server.serve_range(path, offset, length, sink);
  };
  auto r = site.pass();
  CHECK(r.problem.find("ignored Range") != std::string::npos);
  CHECK(site.installed_text().empty());
  CHECK(*site.store.partial_size(ch.manifest.items[0].video) == 1024);
}

TEST_CASE("between chunks the daemon may end the pass, and a pass ends when its time is up") {
  REQUIRE(crypto_init());
  test::TestChannel ch = channel();
  Site site(ch, opts(1024, {}, std::chrono::seconds(10)));
  auto r = site.pass([] { return false; });
  CHECK(site.server.range_calls.size() == 1);
  CHECK_FALSE(r.installed);
  r = site.pass([&] {
    site.clock.advance(std::chrono::seconds(4));
    return true;
  });
  CHECK(site.server.range_calls.size() == 1 + 3);
  CHECK(site.sync.status().state == "downloading");
  while (!site.pass().installed) REQUIRE(site.server.range_calls.size() < 40);
  CHECK(site.store.verify()->empty());
}

TEST_CASE("a disk full when the new manifest arrives does not lose it: the next pass fetches it again") {
  REQUIRE(crypto_init());
  test::TestChannel ch = channel();
  Site site(ch);
  site.server.on_fetch = [&](std::string_view path, const std::string& etag, std::size_t) {
    if (etag == "\"v1\"") return FetchResult{FetchErrc::not_modified, {}, etag, {}};
    return FetchResult{FetchErrc::ok, site.server.files.at(std::string(path)), "\"v1\"", {}};
  };
  site.env.set_capacity(UINT64_MAX - *site.env.free_bytes("/data"));  // full now
  auto full = site.sync.run_pass();
  REQUIRE_FALSE(full.ok());
  CHECK(full.status().code() == Errc::storage_full);
  CHECK_FALSE(site.env.stat(site.store.paths().pending())->has_value());
  site.env.set_capacity(UINT64_MAX);  // space again
  CHECK(site.pass().installed);
  CHECK(site.installed_text() == ch.signed_text());
}

TEST_CASE("a library wiped under a running daemon is fetched again without waiting for a new publish") {
  REQUIRE(crypto_init());
  test::TestChannel ch = channel();
  Site site(ch);
  std::vector<std::string> etags;
  site.server.on_fetch = [&](std::string_view path, const std::string& etag, std::size_t) {
    etags.push_back(etag);
    if (etag == "\"v1\"") return FetchResult{FetchErrc::not_modified, {}, etag, {}};
    return FetchResult{FetchErrc::ok, site.server.files.at(std::string(path)), "\"v1\"", {}};
  };
  REQUIRE(site.pass().installed);
  const ContentPaths& p = site.store.paths();  // every file of the library goes
  for (const auto& dir : {p.blobs(), p.partial_dir()}) {
    auto names = site.env.list(dir);
    REQUIRE(names.ok());
    const std::vector<std::string> files = *names;
    for (const std::string& name : files) REQUIRE(site.env.remove(dir / name).ok());
  }
  for (const auto& file : {p.manifest(), p.pending(), p.status()}) (void)site.env.remove(file);
  auto r = site.pass();
  CHECK(r.installed);
  CHECK(etags == std::vector<std::string>{"", ""});  // asked without the ETag after the wipe
  CHECK(site.installed_text() == ch.signed_text());
  CHECK(site.store.verify()->empty());
  CHECK_FALSE(site.pass().installed);  // and with it again once installed
  CHECK(etags.back() == "\"v1\"");
}

TEST_CASE("a refused manifest keeps its ETag: it is not fetched again on every pass") {
  REQUIRE(crypto_init());
  test::TestChannel ch = channel();
  Site site(ch);
  Bytes forged = site.server.files[channel_manifest_path("skills")];
  forged[forged.size() / 2] ^= 1;
  int full_fetches = 0;
  site.server.on_fetch = [&](std::string_view, const std::string& etag, std::size_t) {
    if (etag == "\"bad\"") return FetchResult{FetchErrc::not_modified, {}, etag, {}};
    ++full_fetches;
    return FetchResult{FetchErrc::ok, forged, "\"bad\"", {}};
  };
  for (int i = 0; i < 3; ++i) CHECK_FALSE(site.pass().installed);
  CHECK(full_fetches == 1);
  CHECK_FALSE(site.sync.status().reason.empty());
}
