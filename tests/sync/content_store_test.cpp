// The kiosk's content library (sync/content_store.h) on MemEnv: staging,
// resumable partial files, hash checks, atomic install, garbage collection,
// rollback refusal, a full disk and a USB import.
#include "sync/content_store.h"

#include <doctest/doctest.h>

#include <array>

#include "content_fixture.h"

using namespace outpost;
using namespace outpost::sync;

namespace {

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

struct Kiosk {
  MemEnv env;
  test::TestChannel& ch;
  ContentStore store;
  explicit Kiosk(test::TestChannel& c) : ch(c), store(env, "/data", c.clinic.pk, "skills") {
    REQUIRE(env.create_dirs("/data").ok());
    REQUIRE(store.prepare().ok());
  }
  std::string installed_text() {
    auto st = env.stat(store.paths().manifest());
    REQUIRE(st.ok());
    if (!st->has_value()) return "";
    return *env.read(store.paths().manifest(), 1 << 22, "m");
  }
  // Downloads every missing file of the pending manifest in `chunk` pieces.
  void fetch_all(std::size_t chunk = 7) {
    auto pend = store.pending();
    REQUIRE(pend.ok());
    REQUIRE(pend->has_value());
    auto miss = store.missing(**pend);
    REQUIRE(miss.ok());
    for (const ChannelFile& f : *miss) {
      const std::string& all = ch.blobs.at(f.sha256);
      for (std::size_t at = *store.partial_size(f); at < all.size(); at += chunk)
        REQUIRE(store.append_partial(f, bytes_of(all.substr(at, chunk))).ok());
      REQUIRE(store.commit_partial(f).ok());
    }
  }
  void install(test::TestChannel& version) {
    auto offered = store.offer(version.signed_bytes(), "test");
    REQUIRE_MESSAGE(offered.ok(), offered.status().message());
    fetch_all();
    auto done = store.install_pending();
    REQUIRE(done.ok());
    REQUIRE(*done);
  }
};

}  // namespace

TEST_CASE("a channel is installed only once every file is there and checked") {
  REQUIRE(crypto_init());
  test::TestChannel ch;
  ch.add_item("one", std::string(100, 'a'));
  ch.add_item("two", std::string(50, 'b'));
  Kiosk k(ch);
  auto offered = k.store.offer(ch.signed_bytes(), "test");
  REQUIRE(offered.ok());
  CHECK(*offered == OfferResult::staged);
  CHECK(*k.store.missing(ch.manifest) == ch.manifest.files());

  // Half of the first file arrives, then the process "restarts": a new store sees the bytes.
  const ChannelFile v = ch.manifest.items[0].video;
  REQUIRE(k.store.append_partial(v, bytes_of(ch.blobs.at(v.sha256).substr(0, 40))).ok());
  ContentStore again(k.env, "/data", ch.clinic.pk, "skills");
  CHECK(*again.partial_size(v) == 40);
  CHECK_FALSE(*again.install_pending());  // files missing: nothing installed
  CHECK(k.installed_text().empty());

  k.fetch_all();
  CHECK(k.store.missing(ch.manifest)->empty());
  REQUIRE(*k.store.install_pending());
  CHECK(k.installed_text() == ch.signed_text());
  CHECK_FALSE(k.env.stat(k.store.paths().pending())->has_value());
  CHECK(k.store.verify()->empty());
  // The same manifest again is nothing new.
  CHECK(*k.store.offer(ch.signed_bytes(), "test") == OfferResult::installed_already);
}

TEST_CASE("a file with the wrong bytes never counts and is deleted") {
  REQUIRE(crypto_init());
  test::TestChannel ch;
  ch.add_item("one", std::string(64, 'a'));
  Kiosk k(ch);
  REQUIRE(k.store.offer(ch.signed_bytes(), "test").ok());
  const ChannelFile v = ch.manifest.items[0].video;
  SUBCASE("wrong hash") {
    REQUIRE(k.store.append_partial(v, bytes_of(std::string(64, 'x'))).ok());
    Status s = k.store.commit_partial(v);
    CHECK(s.code() == Errc::corrupt);
    CHECK(s.message().find("sha256 differs") != std::string::npos);
  }
  SUBCASE("truncated") {
    REQUIRE(k.store.append_partial(v, bytes_of(std::string(10, 'a'))).ok());
    CHECK(k.store.commit_partial(v).code() == Errc::corrupt);
  }
  SUBCASE("too long") {
    REQUIRE(k.store.append_partial(v, bytes_of(std::string(65, 'a'))).ok());
    CHECK(k.store.commit_partial(v).code() == Errc::corrupt);
  }
  CHECK(*k.store.partial_size(v) == 0);
  CHECK_FALSE(*k.store.has_blob(v));
  CHECK_FALSE(*k.store.install_pending());
}

TEST_CASE("refused manifests leave the installed library exactly as it was") {
  REQUIRE(crypto_init());
  test::TestChannel v2(2);
  v2.add_item("one", "first video");
  Kiosk k(v2);
  k.install(v2);
  const std::string before = k.installed_text();

  auto expect_refused = [&](const Bytes& bytes, Errc code, const std::string& words) {
    auto r = k.store.offer(bytes, "https://clinic/channels/skills/manifest.json");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == code);
    CHECK_MESSAGE(r.status().message().find(words) != std::string::npos, r.status().message());
    CHECK(r.status().message().find("https://clinic/channels/skills/manifest.json") != std::string::npos);
    CHECK(k.installed_text() == before);
    CHECK_FALSE(k.env.stat(k.store.paths().pending())->has_value());
  };
  test::TestChannel v1(1);
  v1.clinic = v2.clinic;
  v1.add_item("old", "old video");
  expect_refused(v1.signed_bytes(), Errc::invalid_argument, "rollback refused: version 1 is older");

  test::TestChannel same(2);
  same.clinic = v2.clinic;
  same.add_item("one", "changed video");
  expect_refused(same.signed_bytes(), Errc::invalid_argument, "must raise the version");

  test::TestChannel forged(3);  // signed by someone else
  forged.add_item("one", "forged");
  expect_refused(forged.signed_bytes(), Errc::unauthorized, "signature does not verify");

  test::TestChannel other(3);
  other.clinic = v2.clinic;
  other.manifest.channel = "other";
  expect_refused(other.signed_bytes(), Errc::invalid_argument, "channel 'other'");

  const std::array<std::uint8_t, 64> zero_sig{};
  std::string junk = "{\"body\":\"{}\",\"sig\":\"" + to_base64(zero_sig) + "\"}";
  expect_refused(Bytes(junk.begin(), junk.end()), Errc::unauthorized, "signature");
  // The library still verifies.
  CHECK(k.store.verify()->empty());
}

TEST_CASE("a newer manifest replaces a pending one and an older one is refused") {
  REQUIRE(crypto_init());
  test::TestChannel v3(3), v4(4);
  v4.clinic = v3.clinic;
  v3.add_item("a", "aaa");
  v4.add_item("a", "aaa");
  v4.add_item("b", "bbb");
  Kiosk k(v3);
  REQUIRE(*k.store.offer(v4.signed_bytes(), "t") == OfferResult::staged);
  CHECK(*k.store.offer(v4.signed_bytes(), "t") == OfferResult::pending_already);
  auto r = k.store.offer(v3.signed_bytes(), "t");
  CHECK(r.status().message().find("not newer than the version 4 being downloaded") != std::string::npos);
  CHECK((*k.store.pending())->version == 4);
}

TEST_CASE("after an install, files no manifest names are removed and shared ones kept") {
  REQUIRE(crypto_init());
  test::TestChannel v1(1), v2(2);
  v2.clinic = v1.clinic;
  v1.add_item("keep", "kept video");
  v1.add_item("drop", "dropped video");
  v2.add_item("keep", "kept video");
  v2.add_item("new", "new video");
  Kiosk k(v1);
  k.install(v1);
  const std::string dropped = v1.manifest.items[1].video.sha256;
  CHECK(k.env.stat(k.store.paths().blob(dropped))->has_value());
  // A stray partial file of nothing pending is removed too.
  ChannelFile stray{"x", std::string(64, 'c'), 3};
  REQUIRE(k.store.append_partial(stray, bytes_of("abc")).ok());
  k.ch = v2;
  k.install(v2);
  CHECK_FALSE(k.env.stat(k.store.paths().blob(dropped))->has_value());
  CHECK(k.env.stat(k.store.paths().blob(v2.manifest.items[0].video.sha256))->has_value());
  CHECK(k.env.stat(k.store.paths().blob(v2.manifest.items[1].video.sha256))->has_value());
  CHECK(*k.store.partial_size(stray) == 0);
  CHECK(k.env.list(k.store.paths().blobs())->size() == v2.manifest.files().size());
  CHECK(k.store.verify()->empty());
}

TEST_CASE("content keeps the reserve free and a full disk leaves the library whole") {
  REQUIRE(crypto_init());
  test::TestChannel v1(1), v2(2);
  v2.clinic = v1.clinic;
  v1.add_item("a", "small");
  v2.add_item("a", "small");
  v2.add_item("big", std::string(5000, 'z'));
  Kiosk k(v1);
  k.install(v1);
  const std::string before = k.installed_text();
  k.env.set_capacity(8000);
  k.store.set_reserve_bytes(4000);
  Status s = k.store.check_space(5000);
  CHECK(s.code() == Errc::storage_full);
  CHECK(s.message().find("kept for the outbox") != std::string::npos);
  CHECK(k.store.check_space(100).ok());
  // Without the reserve, the disk itself fills in the middle of the file.
  REQUIRE(k.store.offer(v2.signed_bytes(), "t").ok());
  const ChannelFile big = v2.manifest.items[1].video;
  Status full = Status::Ok();
  for (int i = 0; i < 10 && full.ok(); ++i) full = k.store.append_partial(big, bytes_of(std::string(1000, 'z')));
  CHECK(full.code() == Errc::storage_full);
  CHECK_FALSE(*k.store.install_pending());
  CHECK(k.installed_text() == before);
  CHECK(k.store.verify()->empty());
}

TEST_CASE("verify names a file changed on disk") {
  REQUIRE(crypto_init());
  test::TestChannel ch;
  ch.add_item("one", "the video");
  Kiosk k(ch);
  k.install(ch);
  const ChannelFile v = ch.manifest.items[0].video;
  REQUIRE(k.env.write_atomic(k.store.paths().blob(v.sha256), "the vide0").ok());
  auto problems = k.store.verify();
  REQUIRE(problems.ok());
  REQUIRE(problems->size() == 1);
  CHECK((*problems)[0].find("items[0] 'one' video video.webm: sha256 differs") != std::string::npos);
  REQUIRE(k.env.remove(k.store.paths().blob(v.sha256)).ok());
  CHECK((*k.store.verify())[0].find("missing") != std::string::npos);
}

TEST_CASE("import from a stick checks the same things and installs atomically") {
  REQUIRE(crypto_init());
  test::TestChannel ch(5);
  ch.add_item("one", std::string(3000, 'q'));
  ch.add_item("two", "second");
  Kiosk k(ch);
  ch.write_folder(k.env, "/media/usb/skills");
  SUBCASE("good") {
    std::uint64_t last = 0;
    auto r = import_channel(k.store, "/media/usb/skills", [&](std::uint64_t d, std::uint64_t) { last = d; });
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    CHECK(r->installed);
    CHECK(r->version == 5);
    CHECK(r->files_copied == ch.manifest.files().size());
    CHECK(last == ch.manifest.total_bytes());
    CHECK(k.installed_text() == ch.signed_text());
    CHECK(k.store.verify()->empty());
  }
  SUBCASE("a tampered file on the stick") {
    const ChannelFile v = ch.manifest.items[0].video;
    REQUIRE(k.env.write_atomic("/media/usb/skills/blobs/" + v.sha256, std::string(3000, 'Q')).ok());
    auto r = import_channel(k.store, "/media/usb/skills");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Errc::corrupt);
    CHECK(r.status().message().find("sha256 differs") != std::string::npos);
    CHECK(k.installed_text().empty());
    CHECK(*k.store.partial_size(v) == 0);
  }
  SUBCASE("a file missing from the stick") {
    REQUIRE(k.env.remove("/media/usb/skills/blobs/" + ch.manifest.items[1].video.sha256).ok());
    auto r = import_channel(k.store, "/media/usb/skills");
    CHECK(r.status().code() == Errc::not_found);
    CHECK(k.installed_text().empty());
  }
  SUBCASE("a file of the wrong size on the stick") {
    REQUIRE(k.env.write_atomic("/media/usb/skills/blobs/" + ch.manifest.items[1].video.sha256, "secondX").ok());
    auto r = import_channel(k.store, "/media/usb/skills");
    CHECK(r.status().message().find("the manifest says") != std::string::npos);
  }
}
