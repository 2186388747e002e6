// CurlTransport against the real reference drop box. Run by
// tests/integration/transport_curl_test.sh, which starts nginx and sets
// DROPBOX_URL, DROPBOX_CERTS (test CA with kiosk-a, kiosk-b), DROPBOX_DATA and
// ROGUE_CERTS (a second CA).
#include "sync/transport_curl.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

using namespace outpost;
using namespace outpost::sync;
namespace fs = std::filesystem;

namespace {
std::string env(const char* name) {
  const char* v = std::getenv(name);
  REQUIRE_MESSAGE(v != nullptr, name << " is not set; run tests/integration/transport_curl_test.sh");
  return v;
}
std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
CurlTransportOptions kiosk(const std::string& id) {
  const std::string certs = env("DROPBOX_CERTS");
  CurlTransportOptions o;
  o.base_url = env("DROPBOX_URL");
  o.ca_file = certs + "/ca.crt";
  o.client_cert = certs + "/" + id + ".crt";
  o.client_key = certs + "/" + id + ".key";
  o.connect_timeout_s = 5;
  o.timeout_s = 20;
  return o;
}
std::unique_ptr<CurlTransport> make(CurlTransportOptions o) {
  auto t = CurlTransport::create(std::move(o));
  REQUIRE_MESSAGE(t.ok(), t.status().to_string());
  return std::move(t.value());
}
}  // namespace

TEST_CASE("a kiosk creates its bundle once, a re-PUT is already_exists") {
  auto t = make(kiosk("kiosk-a"));
  const std::string body(500, 'b');
  auto s = t->put("inbox/kiosk-a/kiosk-a-0000000001.opb", bytes_of(body), PutMode::create_only);
  CHECK_MESSAGE(s.code == PutErrc::created, s.message);
  CHECK(s.http_status == 201);
  CHECK(t->last_wire_bytes() > body.size());
  CHECK(t->last_wire_bytes() < body.size() + 400);
  CHECK(fs::file_size(fs::path(env("DROPBOX_DATA")) / "inbox/kiosk-a/kiosk-a-0000000001.opb") == body.size());
  s = t->put("inbox/kiosk-a/kiosk-a-0000000001.opb", bytes_of(body), PutMode::create_only);
  CHECK(s.code == PutErrc::already_exists);
  CHECK(s.delivered());
}

TEST_CASE("heartbeats replace each other") {
  auto t = make(kiosk("kiosk-a"));
  const std::string one = "{\"n\":1}", two = "{\"n\":2}";
  CHECK(t->put("status/kiosk-a.json", bytes_of(one), PutMode::replace).delivered());
  auto s = t->put("status/kiosk-a.json", bytes_of(two), PutMode::replace);
  CHECK_MESSAGE(s.code == PutErrc::created, s.message);
  CHECK(fs::file_size(fs::path(env("DROPBOX_DATA")) / "status/kiosk-a.json") == two.size());
}

TEST_CASE("kiosk A cannot write into kiosk B's inbox") {
  auto t = make(kiosk("kiosk-a"));
  const std::string body = "x";
  auto s = t->put("inbox/kiosk-b/kiosk-b-0000000001.opb", bytes_of(body), PutMode::create_only);
  CHECK(s.code == PutErrc::unauthorized);
  CHECK(s.http_status == 403);
  CHECK_FALSE(s.retryable());
  CHECK(s.message.find("inbox/kiosk-b") != std::string::npos);
  CHECK_FALSE(fs::exists(fs::path(env("DROPBOX_DATA")) / "inbox/kiosk-b"));
}

TEST_CASE("a server certificate from another CA is refused and reported") {
  auto o = kiosk("kiosk-a");
  o.ca_file = env("ROGUE_CERTS") + "/ca.crt";
  auto t = make(o);
  const std::string body = "x";
  auto s = t->put("inbox/kiosk-a/kiosk-a-0000000099.opb", bytes_of(body), PutMode::create_only);
  CHECK(s.code == PutErrc::untrusted);
  CHECK_FALSE(s.retryable());
  CHECK(s.message.find("not trusted") != std::string::npos);
  CHECK_FALSE(fs::exists(fs::path(env("DROPBOX_DATA")) / "inbox/kiosk-a/kiosk-a-0000000099.opb"));
}

TEST_CASE("a pinned public key verifies the server without a CA file") {
  auto o = kiosk("kiosk-a");
  o.ca_file.clear();
  o.pinned_public_key = env("DROPBOX_CERTS") + "/server.pub.der";
  auto t = make(o);
  const std::string body = "pinned";
  auto s = t->put("inbox/kiosk-a/kiosk-a-0000000002.opb", bytes_of(body), PutMode::create_only);
  CHECK_MESSAGE(s.code == PutErrc::created, s.message);

  o.pinned_public_key = env("ROGUE_CERTS") + "/server.pub.der";
  auto wrong = make(o);
  s = wrong->put("inbox/kiosk-a/kiosk-a-0000000003.opb", bytes_of(body), PutMode::create_only);
  CHECK(s.code == PutErrc::untrusted);
}

TEST_CASE("no client certificate: the drop box refuses") {
  auto o = kiosk("kiosk-a");
  o.client_cert.clear();
  o.client_key.clear();
  auto t = make(o);
  const std::string body = "x";
  auto s = t->put("inbox/kiosk-a/kiosk-a-0000000004.opb", bytes_of(body), PutMode::create_only);
  CHECK_FALSE(s.delivered());
  CHECK(s.http_status == 400);
  CHECK(s.code == PutErrc::rejected);
}

TEST_CASE("nothing listening is a retryable network error") {
  auto o = kiosk("kiosk-a");
  o.base_url = "https://127.0.0.1:1";
  auto t = make(o);
  const std::string body = "x";
  auto s = t->put("inbox/kiosk-a/x.opb", bytes_of(body), PutMode::create_only);
  CHECK(s.code == PutErrc::network);
  CHECK(s.retryable());
}

TEST_CASE("bad options are refused with the option's name") {
  CurlTransportOptions o;
  o.base_url = "ftp://x";
  auto t = CurlTransport::create(o);
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().code() == Errc::invalid_config);
  o.base_url = "https://x";
  o.ca_file = "/no/such/ca.crt";
  t = CurlTransport::create(o);
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().message().find("ca_file") != std::string::npos);
  o.ca_file.clear();
  o.client_cert = env("DROPBOX_CERTS") + "/kiosk-a.crt";
  t = CurlTransport::create(o);
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().message().find("client_key") != std::string::npos);
}

// Faults through tests/integration/fault_proxy.py (PROXY_URL, PROXY_MODES).
namespace {
void set_fault(const std::string& modes) {
  const std::string file = env("PROXY_MODES");
  FILE* f = std::fopen(file.c_str(), "w");
  REQUIRE(f != nullptr);
  std::fputs(modes.c_str(), f);
  std::fclose(f);
}
std::unique_ptr<CurlTransport> via_proxy(long low_speed_time_s = 2) {
  auto o = kiosk("kiosk-a");
  o.base_url = env("PROXY_URL");
  o.low_speed_limit = 100;
  o.low_speed_time_s = low_speed_time_s;
  return make(o);
}
}  // namespace

TEST_CASE("faults: a cut mid-request is a network error and stores nothing") {
  set_fault("cut 3000\n");
  auto t = via_proxy();
  const std::string body(20000, 'c');
  auto s = t->put("inbox/kiosk-a/kiosk-a-0000000010.opb", bytes_of(body), PutMode::create_only);
  CHECK_MESSAGE(s.code == PutErrc::network, s.message);
  CHECK(s.retryable());
  CHECK_FALSE(fs::exists(fs::path(env("DROPBOX_DATA")) / "inbox/kiosk-a/kiosk-a-0000000010.opb"));
  set_fault("pass\n");
  s = t->put("inbox/kiosk-a/kiosk-a-0000000010.opb", bytes_of(body), PutMode::create_only);
  CHECK_MESSAGE(s.code == PutErrc::created, s.message);
}

TEST_CASE("faults: a stalled link aborts at the low-speed limit") {
  set_fault("stall\n");
  auto t = via_proxy(1);
  const std::string body(2000, 's');
  auto s = t->put("inbox/kiosk-a/kiosk-a-0000000011.opb", bytes_of(body), PutMode::create_only);
  CHECK_MESSAGE(s.code == PutErrc::stalled, s.message);
  CHECK(s.retryable());
  set_fault("pass\n");
}

TEST_CASE("faults: 500 and 503 are retryable server errors") {
  for (int code : {500, 503}) {
    set_fault("status " + std::to_string(code) + "\n");
    auto t = via_proxy();
    const std::string body(1000, 'e');
    auto s = t->put("inbox/kiosk-a/kiosk-a-0000000012.opb", bytes_of(body), PutMode::create_only);
    CHECK(s.code == PutErrc::server_error);
    CHECK(s.http_status == code);
    CHECK(s.retryable());
  }
  set_fault("pass\n");
  CHECK_FALSE(fs::exists(fs::path(env("DROPBOX_DATA")) / "inbox/kiosk-a/kiosk-a-0000000012.opb"));
}

TEST_CASE("faults: a throttled link still delivers") {
  set_fault("throttle 10000\n");
  auto t = via_proxy(5);
  const std::string body(15000, 't');
  auto s = t->put("inbox/kiosk-a/kiosk-a-0000000013.opb", bytes_of(body), PutMode::create_only);
  CHECK_MESSAGE(s.code == PutErrc::created, s.message);
  set_fault("pass\n");
}
