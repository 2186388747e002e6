#include "sync/sync_loop.h"

#include <doctest/doctest.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include <filesystem>

#include "sync/bundle.h"
#include "sync/heartbeat.h"
#ifdef OUTPOST_TEST_SQLITE
#include "sync/outbox_sqlite.h"
#else
#include "sync/outbox_memory.h"
#endif
#include "tests/sync/sync_test_util.h"

using namespace outpost;
using namespace outpost::sync;
namespace fs = std::filesystem;

namespace {

using outpost::testing::TempDir;

// The same cases run twice: on MemoryOutbox (sync_loop_tests: sync policy
// without SQLite) and on SqliteOutbox (sync_loop_sqlite_tests), so a
// difference between the two that these cases reach fails here.
std::unique_ptr<Outbox> fresh_outbox(const fs::path& dir) {
#ifdef OUTPOST_TEST_SQLITE
  std::filesystem::remove(dir / "outbox.db");
  std::filesystem::remove(dir / "outbox.db-wal");
  std::filesystem::remove(dir / "outbox.db-shm");
  auto ob = SqliteOutbox::open(dir / "outbox.db");
  REQUIRE_MESSAGE(ob.ok(), ob.status().to_string());
  return std::move(ob).value();
#else
  (void)dir;
  return std::make_unique<MemoryOutbox>();
#endif
}

constexpr std::int64_t kJan1Utc = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kHourMs = 3'600'000;

// A kiosk with an outbox (above) and a fake destination.
struct Kiosk {
  TempDir dir;
  FakeClock clock;
  FixedBootIdSource boot{BootId{1, 2, 3}};
  ManualTrafficGate gate;
  FakeTransport transport;
  SigningKeyPair keys;
  SigningKeyPair clinic = generate_signing_keys();
  std::unique_ptr<Outbox> outbox;
  std::unique_ptr<SyncLoop> loop;

  explicit Kiosk(std::size_t bundle_max = 4096) {
    REQUIRE(crypto_init());
    keys = generate_signing_keys();
    outbox = fresh_outbox(dir.path());
    SyncOptions o;
    o.kiosk_id = "kiosk-a";
    o.kiosk_key = keys.sk;
    o.sizes = {bundle_max, 256, 2};
    o.backoff = {Clock::Duration{1000}, Clock::Duration{60'000}, 0.5};
    o.clinic_signing_key = clinic.pk;
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

  // The clinic's receipt at the destination: every bundle seen so far
  // ingested except `missing`, and `rejected` by name. The chain is computed
  // here from the bytes, independently of the outbox.
  void clinic_receipt(const std::vector<std::uint64_t>& missing = {}, const std::vector<std::string>& rejected = {},
                      const SigningSecretKey* key = nullptr, std::uint64_t claim_through = 0) {
    std::map<std::uint64_t, Bytes> by_seq;
    for (const auto& [path, bytes] : transport.files) {
      if (!path.starts_with("inbox/")) continue;
      auto b = parse_bundle(bytes);
      REQUIRE(b.ok());
      by_seq[b->header.seq] = bytes;
    }
    ReceiptOutbox o;
    o.generation = outbox->generation();
    for (const auto& [seq, bytes] : by_seq) {
      if (std::find(missing.begin(), missing.end(), seq) != missing.end()) continue;
      const auto d = bundle_digest(bytes);
      if (seq == o.through + 1 && o.also.empty()) {
        o.through = seq;
        std::array<std::uint8_t, 32> next{};
        crypto_generichash_state st;
        crypto_generichash_init(&st, nullptr, 0, next.size());
        crypto_generichash_update(&st, reinterpret_cast<const std::uint8_t*>("OPC1"), 4);
        crypto_generichash_update(&st, o.chain.data(), o.chain.size());
        crypto_generichash_update(&st, d.data(), d.size());
        crypto_generichash_final(&st, next.data(), next.size());
        o.chain = next;
      } else {
        o.also.push_back({seq, d});
      }
    }
    if (claim_through) o.through = claim_through;
    for (const auto& n : rejected) o.rejected.push_back({n, "tampered: test"});
    Receipt r{"kiosk-a", clock.wall_ms(), {o}};
    transport.files[receipt_path("kiosk-a")] = encode_receipt(r, key ? *key : clinic.sk);
  }

  std::size_t records_at_destination() {
    std::size_t n = 0;
    for (const auto& [path, bytes] : transport.files) {
      if (!path.starts_with("inbox/")) continue;
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
  const std::string gen = generation_hex(k.outbox->generation());
  CHECK(k.transport.calls[0].path.starts_with("inbox/kiosk-a/kiosk-a-" + gen + "-0000000001-"));
  Bundle first = k.bundle_at(0);
  CHECK(k.transport.calls[0].path ==
        "inbox/kiosk-a/" + bundle_file_name(first.header, k.transport.files.at(k.transport.calls[0].path)));
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
  k.clock.set_wall_ms(kJan1Utc + 12 * kHourMs);
  auto r = loop.run_pass();
  REQUIRE(r.ok());
  CHECK(r->bulk_held);
  CHECK(k.transport.calls.empty());
  k.clock.set_wall_ms(kJan1Utc + 23 * kHourMs);
  r = loop.run_pass();
  REQUIRE(r.ok());
  CHECK(r->drained);
}

TEST_CASE("bulk windows are in the kiosk's local time, as the Clock gives it: UTC-05:00 and a daylight saving change") {
  Kiosk k;
  SyncOptions o;
  o.kiosk_id = "kiosk-a";
  o.kiosk_key = k.keys.sk;
  auto night = parse_time_window("22:00-06:00", "sync.bulk_windows[0]");
  auto morning = parse_time_window("06:00-07:00", "sync.bulk_windows[1]");
  REQUIRE(night.ok());
  REQUIRE(morning.ok());
  o.bulk_windows = {*night};
  SyncLoop loop(*k.outbox, k.transport, k.clock, k.boot, k.gate, o);
  k.clock.set_local_offset_s(-5 * 3600);
  k.clock.set_wall_ms(kJan1Utc + 25 * kHourMs);  // Jan 2, 01:00 UTC: 20:00 on Jan 1 in UTC-05:00
  k.add(RecordKind::questionnaire_response);  // bulk_held is reported while something waits
  auto r = loop.run_pass();
  REQUIRE(r.ok());
  CHECK(r->bulk_held);
  k.clock.set_wall_ms(kJan1Utc + 27 * kHourMs + 30 * 60'000);  // 03:30 UTC: 22:30 local
  k.add(RecordKind::questionnaire_response);
  r = loop.run_pass();
  REQUIRE(r.ok());
  CHECK_FALSE(r->bulk_held);
  CHECK(r->drained);
  k.clock.set_wall_ms(kJan1Utc + 35 * kHourMs);  // 11:00 UTC: 06:00 local, past the night window
  k.add(RecordKind::questionnaire_response);
  r = loop.run_pass();
  REQUIRE(r.ok());
  CHECK(r->bulk_held);

  // The same instant on either side of a daylight saving change: 06:30 in
  // UTC-05:00 is inside 06:00-07:00, 07:30 in UTC-04:00 is not.
  SyncOptions m = o;
  m.bulk_windows = {*morning};
  SyncLoop early(*k.outbox, k.transport, k.clock, k.boot, k.gate, m);
  k.clock.set_wall_ms(kJan1Utc + 35 * kHourMs + 30 * 60'000);
  k.add(RecordKind::questionnaire_response);
  r = early.run_pass();
  REQUIRE(r.ok());
  CHECK_FALSE(r->bulk_held);
  CHECK(r->drained);
  k.clock.set_local_offset_s(-4 * 3600);
  k.add(RecordKind::questionnaire_response);
  r = early.run_pass();
  REQUIRE(r.ok());
  CHECK(r->bulk_held);
}

TEST_CASE("local_minute_of_day: wall time and the zone's offset, across midnight and before 1970") {
  CHECK(local_minute_of_day(kJan1Utc, 0) == 0);
  CHECK(local_minute_of_day(kJan1Utc + 3 * kHourMs, -5 * 3600) == 22 * 60);  // the day before, 22:00
  CHECK(local_minute_of_day(kJan1Utc + 23 * kHourMs, 5 * 3600 + 30 * 60) == 4 * 60 + 30);  // UTC+05:30
  CHECK(local_minute_of_day(kJan1Utc + 59'999, 0) == 0);
  CHECK(local_minute_of_day(-60'000, 0) == 23 * 60 + 59);  // 1969-12-31T23:59Z
  CHECK(local_minute_of_day(0, -1) == 23 * 60 + 59);
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

TEST_CASE("the video flag file: a touch 120 s old still pauses, 121 s does not, a crashed call frees sync") {
  MemEnv env;
  REQUIRE(env.create_dirs("/data").ok());
  FlagFileTrafficGate gate(video_flag_path("/data"), std::chrono::seconds(120), env);
  REQUIRE(set_video_active("/data", true, env).ok());
  env.advance_ms(119'000);
  CHECK(gate.bulk_paused());
  env.advance_ms(1'000);
  CHECK(gate.bulk_paused());  // 120 s: the limit itself counts
  env.advance_ms(1'000);
  CHECK_FALSE(gate.bulk_paused());  // the call died without removing the flag
  REQUIRE(set_video_active("/data", true, env).ok());  // a live call touches it again
  CHECK(gate.bulk_paused());
}

TEST_CASE("the video flag file: a clock set back does not stop sync for longer than the limit") {
  MemEnv env;
  REQUIRE(env.create_dirs("/data").ok());
  FlagFileTrafficGate gate(video_flag_path("/data"), std::chrono::seconds(120), env);
  REQUIRE(set_video_active("/data", true, env).ok());
  env.advance_ms(-60'000);  // touched "in the future" by a minute: a live call
  CHECK(gate.bulk_paused());
  env.advance_ms(-3'600'000);  // an hour back: the touch means nothing now
  CHECK_FALSE(gate.bulk_paused());
}

TEST_CASE("heartbeats are signed and carry no more than status") {
  REQUIRE(crypto_init());
  auto keys = generate_signing_keys();
  Heartbeat hb;
  hb.kiosk_id = "kiosk-a";
  hb.version = "0.1.0";
  hb.clock_ms = 1'767'225'600'000;
  hb.queue_depth = 7;
  hb.oldest_queued_ms = 1'767'225'000'000;
  hb.disk_free_bytes = 123456789;
  hb.last_error = "network: reset";
  hb.generation = "0123456789abcdef";
  hb.seq = 42;
  hb.unconfirmed = 3;
  Bytes wire = encode_heartbeat(hb, keys.sk);
  CHECK(wire.size() < 700);
  auto back = verify_heartbeat(wire, keys.pk);
  REQUIRE_MESSAGE(back.ok(), back.status().to_string());
  CHECK(back->kiosk_id == "kiosk-a");
  CHECK(back->queue_depth == 7);
  CHECK(back->oldest_queued_ms == std::optional<std::int64_t>(1'767'225'000'000));
  CHECK(back->last_error == "network: reset");
  CHECK(back->generation == "0123456789abcdef");
  CHECK(back->seq == 42);
  CHECK(back->unconfirmed == 3);

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

TEST_CASE("accepted by the drop box is not delivered: only a clinic receipt confirms, and then records may go") {
  Kiosk k;
  for (int i = 0; i < 30; ++i) k.add(RecordKind::questionnaire_response);
  auto r = k.loop->run_pass();
  REQUIRE(r.ok());
  CHECK(r->drained);
  auto st = k.outbox->stats();
  CHECK(st->accepted == 30);
  CHECK(st->confirmed == 0);
  CHECK(k.outbox->prune(k.clock.wall_ms() + 1'000'000'000, 0).value() == 0);

  k.clinic_receipt();
  r = k.loop->run_pass();
  REQUIRE(r.ok());
  REQUIRE(r->receipt.has_value());
  CHECK(r->receipt->confirmed_records == 30);
  CHECK(r->receipt->problems.empty());
  st = k.outbox->stats();
  CHECK(st->accepted == 0);
  CHECK(st->confirmed == 30);
  CHECK(k.outbox->prune(k.clock.wall_ms() + 1'000'000'000, 0).value() == 30);
}

TEST_CASE("a receipt not signed by the clinic, or for another kiosk, confirms nothing and is reported") {
  Kiosk k;
  for (int i = 0; i < 5; ++i) k.add(RecordKind::questionnaire_response);
  REQUIRE(k.loop->run_pass().ok());
  SigningKeyPair forger = generate_signing_keys();
  k.clinic_receipt({}, {}, &forger.sk);
  auto r = k.loop->run_pass();
  REQUIRE(r.ok());
  CHECK_FALSE(r->receipt.has_value());
  CHECK(r->receipt_error.find("signature") != std::string::npos);
  CHECK(k.outbox->stats()->confirmed == 0);

  Receipt other{"kiosk-b", 0, {}};
  k.transport.files[receipt_path("kiosk-a")] = encode_receipt(other, k.clinic.sk);
  r = k.loop->run_pass();
  CHECK(r->receipt_error.find("kiosk-b") != std::string::npos);

  // A receipt that claims more than this outbox made, or other bundles under
  // the same numbers (a chain that does not match), confirms nothing.
  k.clinic_receipt({}, {}, nullptr, 7);
  r = k.loop->run_pass();
  REQUIRE(r->receipt.has_value());
  CHECK(r->receipt->confirmed_bundles == 0);
  REQUIRE(r->receipt->problems.size() == 1);
  CHECK(r->receipt->problems[0].find("made only") != std::string::npos);
  Receipt forged{"kiosk-a", 0, {ReceiptOutbox{k.outbox->generation(), 1, BundleChain{}, {}, {}}}};
  k.transport.files[receipt_path("kiosk-a")] = encode_receipt(forged, k.clinic.sk);
  r = k.loop->run_pass();
  REQUIRE(r->receipt.has_value());
  CHECK(r->receipt->confirmed_bundles == 0);
  CHECK(r->receipt->problems.at(0).find("not the bundles this kiosk made") != std::string::npos);
  CHECK(k.outbox->stats()->confirmed == 0);
}

TEST_CASE("a bundle the clinic rejected is re-sent as a new bundle, then held after three rejections") {
  Kiosk k;
  RecordId id = k.add(RecordKind::questionnaire_response);
  for (int round = 1; round <= kMaxRejections; ++round) {
    auto r = k.loop->run_pass();
    REQUIRE(r.ok());
    // Reject every bundle seen so far, by name.
    std::vector<std::string> names;
    for (const auto& [path, bytes] : k.transport.files) {
      if (path.starts_with("inbox/")) names.push_back(std::filesystem::path(path).filename().string());
    }
    CHECK(names.size() == static_cast<std::size_t>(round));
    std::vector<std::uint64_t> all;
    for (std::uint64_t s = 1; s <= names.size(); ++s) all.push_back(s);
    k.clinic_receipt(all, names);
    r = k.loop->run_pass();
    REQUIRE(r.ok());
    REQUIRE(r->receipt.has_value());
    CHECK(r->receipt->rejected_bundles == 1);
    auto st = k.outbox->stats();
    CHECK(st->rejected_bundles == static_cast<std::uint64_t>(round));
    REQUIRE(st->last_rejection.has_value());
    CHECK(st->last_rejection->reason == "tampered: test");
    if (round < kMaxRejections) {
      // Re-queued and, in the same pass, uploaded again under a new name.
      CHECK(k.outbox->state_of(id).value() == RecordState::accepted);
    } else {
      CHECK(k.outbox->state_of(id).value() == RecordState::held);
      CHECK(st->held == 1);
    }
  }
  // Every copy the clinic saw carried the same record id.
  for (const auto& [path, bytes] : k.transport.files) {
    if (!path.starts_with("inbox/")) continue;
    auto b = parse_bundle(bytes);
    REQUIRE(b.ok());
    CHECK(b->records.at(0).id == id);
  }
}

TEST_CASE("a bundle the drop box accepted but the clinic never got is uploaded again") {
  Kiosk k(600);
  for (int i = 0; i < 9; ++i) k.add(RecordKind::questionnaire_response);
  REQUIRE(k.loop->run_pass().ok());
  REQUIRE(k.transport.files.size() >= 3);
  // The drop box lost bundle 2: the clinic has 1 and 3 onwards.
  std::string lost;
  for (const auto& [path, bytes] : k.transport.files) {
    if (parse_bundle(bytes)->header.seq == 2) lost = path;
  }
  k.clinic_receipt({2});
  k.transport.files.erase(lost);
  const std::size_t before = k.transport.calls.size();
  auto r = k.loop->run_pass();
  REQUIRE(r.ok());
  REQUIRE(r->receipt.has_value());
  CHECK(r->receipt->resend_bundles == 1);
  CHECK(r->bundles_sent == 1);
  REQUIRE(k.transport.calls.size() == before + 1);
  CHECK(k.transport.calls.back().path == lost);
  k.clinic_receipt();
  r = k.loop->run_pass();
  CHECK(k.outbox->stats()->accepted == 0);
  CHECK(k.outbox->stats()->confirmed == 9);
}

TEST_CASE("after an outbox reset the new bundles never collide with the old names, and old receipts do not apply") {
  Kiosk k;
  k.add(RecordKind::questionnaire_response);
  REQUIRE(k.loop->run_pass().ok());
  k.clinic_receipt();
  const Bytes old_receipt = k.transport.files.at(receipt_path("kiosk-a"));
  const auto old_names = k.transport.files.size();
  // The data folder is wiped: a new outbox, same key and config.
  k.loop.reset();
  k.outbox.reset();
  k.outbox = fresh_outbox(k.dir.path());
  SyncOptions o;
  o.kiosk_id = "kiosk-a";
  o.kiosk_key = k.keys.sk;
  o.clinic_signing_key = k.clinic.pk;
  k.loop = std::make_unique<SyncLoop>(*k.outbox, k.transport, k.clock, k.boot, k.gate, o);
  k.add(RecordKind::questionnaire_response);
  k.add(RecordKind::questionnaire_response);
  auto r = k.loop->run_pass();
  REQUIRE(r.ok());
  CHECK(r->bundles_sent == 1);  // created, not "already there"
  CHECK(r->bundles_known == 0);
  CHECK(k.transport.files.size() == old_names + 1);
  CHECK(k.transport.files.at(receipt_path("kiosk-a")) == old_receipt);
  const bool confirmed_any = r->receipt.has_value() && r->receipt->confirmed_records > 0;
  CHECK_FALSE(confirmed_any);
  CHECK(k.outbox->stats()->accepted == 2);
}

TEST_CASE("a junk object planted under a bundle's name is caught by the receipt, and the records still arrive") {
  Kiosk k;
  RecordId id = k.add(RecordKind::questionnaire_response);
  // Someone who learned the next name plants junk there first: the PUT
  // answers "exists" and the bundle counts as accepted...
  k.transport.on_put = [&](std::string_view p, std::span<const std::uint8_t> body, PutMode m) -> PutStatus {
    if (p.starts_with("inbox/") && k.transport.files.empty()) {
      k.transport.files[std::string(p)] = Bytes{'j', 'u', 'n', 'k'};
    }
    return k.transport.store(p, body, m);
  };
  auto r = k.loop->run_pass();
  REQUIRE(r.ok());
  CHECK(r->bundles_known == 1);
  const std::string junk_path = k.transport.calls.at(0).path;
  // ...but the clinic rejects what it found under that name, and says so.
  Receipt receipt{"kiosk-a", 0, {ReceiptOutbox{k.outbox->generation(), 0, BundleChain{}, {}, {}}}};
  receipt.outboxes[0].rejected.push_back({std::filesystem::path(junk_path).filename().string(), "corrupt: not a bundle"});
  k.transport.files[receipt_path("kiosk-a")] = encode_receipt(receipt, k.clinic.sk);
  r = k.loop->run_pass();
  REQUIRE(r.ok());
  CHECK(r->bundles_sent == 1);
  // The record went again in a bundle of another name, intact.
  const std::string again = k.transport.calls.back().path;
  CHECK(again != junk_path);
  auto b = parse_and_verify_bundle(k.transport.files.at(again), k.keys.pk);
  REQUIRE(b.ok());
  CHECK(b->records.at(0).id == id);
}
