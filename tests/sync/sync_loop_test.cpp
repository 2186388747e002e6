#include "sync/sync_loop.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "sync/bundle.h"
#include "sync/heartbeat.h"
#include "sync/outbox_sqlite.h"
#include "tests/sync/sync_test_util.h"

using namespace outpost;
using namespace outpost::sync;
namespace fs = std::filesystem;

namespace {

using outpost::testing::TempDir;

// A kiosk with a real SQLite outbox and a fake destination.
struct Kiosk {
  TempDir dir;
  FakeClock clock;
  FixedBootIdSource boot{BootId{1, 2, 3}};
  ManualTrafficGate gate;
  FakeTransport transport;
  SigningKeyPair keys;
  std::unique_ptr<SqliteOutbox> outbox;
  std::unique_ptr<SyncLoop> loop;

  explicit Kiosk(std::size_t bundle_max = 4096) {
    REQUIRE(crypto_init());
    keys = generate_signing_keys();
    auto ob = SqliteOutbox::open(dir.path() / "outbox.db");
    REQUIRE_MESSAGE(ob.ok(), ob.status().to_string());
    outbox = std::move(ob.value());
    SyncOptions o;
    o.kiosk_id = "kiosk-a";
    o.kiosk_key = keys.sk;
    o.sizes = {bundle_max, 256, 2};
    o.backoff = {Clock::Duration{1000}, Clock::Duration{60'000}, 0.5};
    loop = std::make_unique<SyncLoop>(*outbox, transport, clock, boot, gate, o);
  }

  RecordId add(RecordKind kind, std::size_t sealed_bytes = 120) {
    Record r;
    r.id = RecordId::generate(clock.wall_ms());
    r.kind = kind;
    r.priority = default_priority(kind);
    r.boot_id = BootId{1, 2, 3};
    r.sealed.assign(sealed_bytes, 0x5a);
    auto seq = outbox->append(r);
    REQUIRE(seq.ok());
    clock.advance(Clock::Duration{10});
    return r.id;
  }

  Bundle bundle_at(std::size_t call) {
    const auto& bytes = transport.files.at(transport.calls.at(call).path);
    auto b = parse_and_verify_bundle(bytes, keys.pk);
    REQUIRE_MESSAGE(b.ok(), b.status().to_string());
    return std::move(b.value());
  }

  std::size_t records_at_destination() {
    std::size_t n = 0;
    for (const auto& [path, bytes] : transport.files) {
      auto b = parse_bundle(bytes);
      REQUIRE(b.ok());
      n += b->records.size();
    }
    return n;
  }
};

}  // namespace

TEST_CASE("a pass drains the outbox into size-limited bundles named by kiosk and seq") {
  Kiosk k;
  for (int i = 0; i < 100; ++i) k.add(RecordKind::questionnaire_response);
  auto r = k.loop->run_pass();
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  CHECK(r->drained);
  CHECK_FALSE(r->failure.has_value());
  CHECK(r->records_sent == 100);
  CHECK(r->bundles_sent == k.transport.files.size());
  CHECK(k.transport.files.size() > 1);
  CHECK(k.records_at_destination() == 100);
  CHECK(k.transport.calls[0].path == "inbox/kiosk-a/kiosk-a-0000000001.opb");
  for (const auto& c : k.transport.calls) {
    CHECK(c.bytes <= 4096);
    CHECK(c.mode == PutMode::create_only);
  }
  auto stats = k.outbox->stats();
  REQUIRE(stats.ok());
  CHECK(stats->queued == 0);
  CHECK(stats->in_bundle == 0);
}

TEST_CASE("crisis alerts go first, each alone, even while bulk is paused") {
  Kiosk k;
  for (int i = 0; i < 5; ++i) k.add(RecordKind::questionnaire_response);
  RecordId crisis = k.add(RecordKind::crisis_alert);
  k.gate.pause();
  auto r = k.loop->run_pass();
  REQUIRE(r.ok());
  CHECK_FALSE(r->drained);
  CHECK(r->bulk_held);
  REQUIRE(k.transport.calls.size() == 1);
  Bundle b = k.bundle_at(0);
  REQUIRE(b.records.size() == 1);
  CHECK(b.records[0].id == crisis);
  CHECK(b.records[0].kind == RecordKind::crisis_alert);

  k.gate.resume();
  r = k.loop->run_pass();
  REQUIRE(r.ok());
  CHECK(r->drained);
  CHECK(k.records_at_destination() == 6);
}

TEST_CASE("bulk waits outside the configured time windows") {
  Kiosk k;
  k.add(RecordKind::questionnaire_response);
  SyncOptions o;
  o.kiosk_id = "kiosk-a";
  o.kiosk_key = k.keys.sk;
  auto window = parse_time_window("22:00-06:00", "sync.bulk_windows[0]");
  REQUIRE(window.ok());
  o.bulk_windows = {*window};
  SyncLoop loop(*k.outbox, k.transport, k.clock, k.boot, k.gate, o);
  loop.local_minute_of_day = [] { return 12 * 60; };
  auto r = loop.run_pass();
  REQUIRE(r.ok());
  CHECK(r->bulk_held);
  CHECK(k.transport.calls.empty());
  loop.local_minute_of_day = [] { return 23 * 60; };
  r = loop.run_pass();
  REQUIRE(r.ok());
  CHECK(r->drained);
}

TEST_CASE("a crisis bundle whose upload failed is retried first, even while bulk is paused") {
  Kiosk k;
  RecordId crisis = k.add(RecordKind::crisis_alert);
  bool fail = true;
  k.transport.on_put = [&](std::string_view p, std::span<const std::uint8_t> body, PutMode m) -> PutStatus {
    if (fail) return {PutErrc::network, 0, "connection reset (test)"};
    return k.transport.store(p, body, m);
  };
  auto r = k.loop->run_pass();
  REQUIRE(r.ok());
  REQUIRE(r->failure.has_value());
  k.add(RecordKind::questionnaire_response);
  k.gate.pause();
  fail = false;
  k.clock.advance(Clock::Duration{120'000});  // past the backoff
  r = k.loop->run_pass();
  REQUIRE(r.ok());
  CHECK_FALSE(r->failure.has_value());
  CHECK(r->bulk_held);
  REQUIRE(k.transport.files.size() == 1);
  Bundle b = k.bundle_at(k.transport.calls.size() - 1);
  REQUIRE(b.records.size() == 1);
  CHECK(b.records[0].id == crisis);
  auto stats = k.outbox->stats();
  REQUIRE(stats.ok());
  CHECK(stats->in_bundle == 0);
  CHECK(stats->queued == 1);  // the bulk record waits for the call to end
}

TEST_CASE("a failed upload stops the pass, backs off, halves the bundle size, then resends the same bundle") {
  Kiosk k;
  for (int i = 0; i < 60; ++i) k.add(RecordKind::questionnaire_response);
  int failures = 2;
  k.transport.on_put = [&](std::string_view p, std::span<const std::uint8_t> body, PutMode m) -> PutStatus {
    if (failures-- > 0) return {PutErrc::network, 0, "connection reset (test)"};
    return k.transport.store(p, body, m);
  };
  auto r = k.loop->run_pass();
  REQUIRE(r.ok());
  REQUIRE(r->failure.has_value());
  CHECK(r->failure->code == PutErrc::network);
  CHECK(r->records_sent == 0);
  CHECK_FALSE(k.loop->ready());
  CHECK(k.loop->bundle_limit() == 2048);
  const std::string first = k.transport.calls[0].path;

  k.clock.advance(k.loop->wait());
  CHECK(k.loop->ready());
  r = k.loop->run_pass();
  REQUIRE(r.ok());
  CHECK(r->failure.has_value());
  CHECK(k.loop->bundle_limit() == 1024);
  CHECK(k.transport.calls[1].path == first);

  k.clock.advance(k.loop->wait());
  r = k.loop->run_pass();
  REQUIRE(r.ok());
  CHECK(r->drained);
  CHECK(k.transport.calls[2].path == first);
  CHECK(k.records_at_destination() == 60);
  // Smaller bundles after the failures, growing back to the limit.
  CHECK(k.transport.calls[3].bytes <= 1024);
  CHECK(k.loop->bundle_limit() > 1024);
}

TEST_CASE("a bundle stored but not acknowledged (killed after the PUT) is re-sent once and counted as known") {
  Kiosk k;
  for (int i = 0; i < 10; ++i) k.add(RecordKind::questionnaire_response);
  bool lose_answer = true;
  k.transport.on_put = [&](std::string_view p, std::span<const std::uint8_t> body, PutMode m) -> PutStatus {
    PutStatus s = k.transport.store(p, body, m);
    if (lose_answer) {
      lose_answer = false;
      return {PutErrc::network, 0, "answer lost (test)"};
    }
    return s;
  };
  auto r = k.loop->run_pass();
  REQUIRE(r.ok());
  CHECK(r->failure.has_value());
  k.clock.advance(k.loop->wait());
  r = k.loop->run_pass();
  REQUIRE(r.ok());
  CHECK(r->drained);
  CHECK(r->bundles_known == 1);
  CHECK(k.records_at_destination() == 10);
}

TEST_CASE("an untrusted server does not shrink bundles and keeps everything queued") {
  Kiosk k;
  k.add(RecordKind::questionnaire_response);
  k.transport.on_put = [](std::string_view, std::span<const std::uint8_t>, PutMode) -> PutStatus {
    return {PutErrc::untrusted, 0, "server certificate not trusted (test)"};
  };
  auto r = k.loop->run_pass();
  REQUIRE(r.ok());
  REQUIRE(r->failure.has_value());
  CHECK(r->failure->to_status().code() == Errc::unauthorized);
  CHECK(k.loop->bundle_limit() == 4096);
  auto stats = k.outbox->stats();
  REQUIRE(stats.ok());
  CHECK(stats->in_bundle == 1);
}

TEST_CASE("time windows parse and wrap past midnight") {
  auto w = parse_time_window("22:00-06:00", "w");
  REQUIRE(w.ok());
  CHECK(w->contains(23 * 60));
  CHECK(w->contains(5 * 60 + 59));
  CHECK_FALSE(w->contains(6 * 60));
  CHECK_FALSE(w->contains(12 * 60));
  auto day = parse_time_window("09:30-17:00", "w");
  REQUIRE(day.ok());
  CHECK(day->contains(9 * 60 + 30));
  CHECK_FALSE(day->contains(17 * 60));
  CHECK(in_windows({}, 3));
  for (const char* bad : {"9:00-17:00", "09:00-25:00", "09:60-10:00", "0900-1700", ""}) {
    auto b = parse_time_window(bad, "sync.bulk_windows[1]");
    REQUIRE_FALSE(b.ok());
    CHECK(b.status().message().find("sync.bulk_windows[1]") != std::string::npos);
  }
}

TEST_CASE("the video flag file pauses bulk while fresh") {
  TempDir d;
  FlagFileTrafficGate gate(video_flag_path(d.path()));
  CHECK_FALSE(gate.bulk_paused());
  REQUIRE(set_video_active(d.path(), true).ok());
  CHECK(gate.bulk_paused());
  REQUIRE(set_video_active(d.path(), false).ok());
  CHECK_FALSE(gate.bulk_paused());
  REQUIRE(set_video_active(d.path(), false).ok());
}

TEST_CASE("heartbeats are signed and carry no more than status") {
  REQUIRE(crypto_init());
  auto keys = generate_signing_keys();
  Heartbeat hb{"kiosk-a", "0.1.0", 1'767'225'600'000, 7, 1'767'225'000'000, 123456789, "network: reset"};
  Bytes wire = encode_heartbeat(hb, keys.sk);
  CHECK(wire.size() < 600);
  auto back = verify_heartbeat(wire, keys.pk);
  REQUIRE_MESSAGE(back.ok(), back.status().to_string());
  CHECK(back->kiosk_id == "kiosk-a");
  CHECK(back->queue_depth == 7);
  CHECK(back->oldest_queued_ms == std::optional<std::int64_t>(1'767'225'000'000));
  CHECK(back->last_error == "network: reset");

  auto other = generate_signing_keys();
  auto wrong = verify_heartbeat(wire, other.pk);
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.status().code() == Errc::unauthorized);

  std::string text(wire.begin(), wire.end());
  text.replace(text.find("queue_depth\\\":7"), 15, "queue_depth\\\":0");
  auto tampered = verify_heartbeat(Bytes(text.begin(), text.end()), keys.pk);
  CHECK(tampered.status().code() == Errc::unauthorized);

  const std::string junk = "{\"body\":3}";
  auto bad = parse_heartbeat(Bytes(junk.begin(), junk.end()));
  CHECK(bad.status().code() == Errc::corrupt);
}
