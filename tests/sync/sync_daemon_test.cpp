// SyncDaemon on MemoryOutbox, FakeTransport, FakeClock and MemEnv: the
// heartbeat schedule, what last_error says, and saved crisis alerts.
#include "sync/sync_daemon.h"

#include <doctest/doctest.h>

#include <sstream>

#include "sync/heartbeat.h"
#include "sync/outbox_memory.h"

using namespace outpost;
using namespace outpost::sync;

namespace {

struct Daemon {
  FakeClock clock;
  FixedBootIdSource boot{BootId{1, 2, 3}};
  ManualTrafficGate gate;
  FakeTransport transport;
  MemEnv env;
  MemoryOutbox outbox;
  SigningKeyPair keys;
  std::unique_ptr<SyncLoop> loop;
  std::ostringstream out, err;
  std::size_t unsaved_alerts = 0;
  std::unique_ptr<SyncDaemon> daemon;

  Daemon() {
    REQUIRE(crypto_init());
    keys = generate_signing_keys();
    env.set_capacity(5'000'000);
    SyncOptions o;
    o.kiosk_id = "kiosk-a";
    o.kiosk_key = keys.sk;
    o.backoff = {Clock::Duration{1000}, Clock::Duration{60'000}, 0.5};
    o.clinic_signing_key = generate_signing_keys().pk;
    loop = std::make_unique<SyncLoop>(outbox, transport, clock, boot, gate, o);
    DaemonOptions d;
    d.kiosk_id = "kiosk-a";
    d.data_dir = "/data";
    d.version = "9.9.9";
    d.heartbeat_interval = std::chrono::seconds(300);
    daemon = std::make_unique<SyncDaemon>(d, outbox, transport, clock, *loop, env, keys.sk,
                                          [this] { return Result<std::size_t>(unsaved_alerts); }, out, err);
  }

  void add_record() {
    Record r;
    r.id = RecordId::generate(clock.wall_ms());
    r.kind = RecordKind::questionnaire_response;
    r.priority = default_priority(r.kind);
    r.boot_id = BootId{1, 2, 3};
    r.sealed.assign(100, 0x5a);
    REQUIRE(outbox.append(r).ok());
  }

  std::size_t heartbeats() const {
    std::size_t n = 0;
    for (const auto& c : transport.calls) n += c.path == "status/kiosk-a.json" ? 1 : 0;
    return n;
  }
  Heartbeat last_heartbeat() const {
    auto hb = verify_heartbeat(transport.files.at("status/kiosk-a.json"), keys.pk);
    REQUIRE_MESSAGE(hb.ok(), hb.status().to_string());
    return *hb;
  }
};

}  // namespace

TEST_CASE("the daemon puts a heartbeat on its first pass, then once per interval, and at once after a failure") {
  Daemon k;
  k.add_record();
  REQUIRE(k.daemon->pass().ok());
  CHECK(k.heartbeats() == 1);
  Heartbeat hb = k.last_heartbeat();
  CHECK(hb.kiosk_id == "kiosk-a");
  CHECK(hb.version == "9.9.9");
  CHECK(hb.disk_free_bytes == 5'000'000);
  CHECK(hb.unconfirmed == 1);  // the drop box has it; no receipt yet
  CHECK(hb.last_error.empty());
  CHECK(k.out.str().find("1 bundles sent") != std::string::npos);

  // 299 s later: no heartbeat; at 300 s: one.
  k.clock.advance(std::chrono::seconds(299));
  REQUIRE(k.daemon->pass().ok());
  CHECK(k.heartbeats() == 1);
  k.clock.advance(std::chrono::seconds(1));
  REQUIRE(k.daemon->pass().ok());
  CHECK(k.heartbeats() == 2);

  // A failed upload: the error in plain words, and a heartbeat that carries it.
  k.transport.on_put = [&k](std::string_view path, std::span<const std::uint8_t> body, PutMode mode) {
    if (path.starts_with("inbox/")) return PutStatus{PutErrc::network, 0, "fake: connection reset"};
    return k.transport.store(path, body, mode);
  };
  k.add_record();
  k.clock.advance(std::chrono::seconds(1));
  auto r = k.daemon->pass();
  REQUIRE(r.ok());
  REQUIRE(r->failure);
  CHECK(k.daemon->last_error() == "network: fake: connection reset");
  CHECK(k.heartbeats() == 3);
  CHECK(k.last_heartbeat().last_error == "network: fake: connection reset");
  CHECK(k.last_heartbeat().queue_depth == 1);
  CHECK(k.err.str().find("network: fake: connection reset") != std::string::npos);

  // The link is back: the error clears, and the next heartbeat waits for its interval.
  k.transport.on_put = [&k](std::string_view path, std::span<const std::uint8_t> body, PutMode mode) {
    return k.transport.store(path, body, mode);
  };
  k.clock.advance(std::chrono::seconds(2));
  REQUIRE(k.daemon->loop().ready());
  REQUIRE(k.daemon->pass().ok());
  CHECK(k.daemon->last_error().empty());
  CHECK(k.heartbeats() == 3);
}

TEST_CASE("crisis alerts the kiosk could not queue are the last error, told to the clinic in the heartbeat") {
  Daemon k;
  k.unsaved_alerts = 2;
  REQUIRE(k.daemon->pass().ok());
  CHECK(k.daemon->last_error() == "2 crisis alert(s) cannot be queued on the kiosk (storage full?)");
  CHECK(k.last_heartbeat().last_error == k.daemon->last_error());
  k.unsaved_alerts = 0;
  REQUIRE(k.daemon->pass().ok());
  CHECK(k.daemon->last_error().empty());
}

TEST_CASE("a heartbeat the drop box refuses is reported and does not fail the pass") {
  Daemon k;
  k.transport.on_put = [](std::string_view, std::span<const std::uint8_t>, PutMode) {
    return PutStatus{PutErrc::unauthorized, 403, "fake: forbidden"};
  };
  auto r = k.daemon->pass();
  REQUIRE(r.ok());
  CHECK(r->drained);
  CHECK(k.err.str().find("heartbeat:") != std::string::npos);
  CHECK(k.err.str().find("fake: forbidden") != std::string::npos);
}
