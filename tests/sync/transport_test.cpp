#include "sync/transport.h"

#include <doctest/doctest.h>

#include <string>

using namespace outpost;
using namespace outpost::sync;

namespace {
std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
}  // namespace

TEST_CASE("fake transport is create-only for bundles and replaces heartbeats") {
  FakeTransport t;
  const std::string a = "bundle-a", b = "bundle-b";
  CHECK(t.put("inbox/k/x.opb", bytes_of(a), PutMode::create_only).code == PutErrc::created);
  auto again = t.put("inbox/k/x.opb", bytes_of(b), PutMode::create_only);
  CHECK(again.code == PutErrc::already_exists);
  CHECK(again.delivered());
  CHECK(std::string(t.files["inbox/k/x.opb"].begin(), t.files["inbox/k/x.opb"].end()) == a);
  CHECK(t.put("status/k.json", bytes_of(a), PutMode::replace).code == PutErrc::created);
  CHECK(t.put("status/k.json", bytes_of(b), PutMode::replace).code == PutErrc::created);
  CHECK(t.files["status/k.json"].size() == b.size());
  CHECK(t.calls.size() == 4);
}

TEST_CASE("fake transport failures come from on_put") {
  FakeTransport t;
  int n = 0;
  t.on_put = [&](std::string_view p, std::span<const std::uint8_t> body, PutMode m) -> PutStatus {
    if (++n <= 2) return {PutErrc::server_error, 503, "fake 503"};
    return t.store(p, body, m);
  };
  const std::string x = "x";
  CHECK(t.put("inbox/k/a", bytes_of(x), PutMode::create_only).code == PutErrc::server_error);
  CHECK(t.put("inbox/k/a", bytes_of(x), PutMode::create_only).code == PutErrc::server_error);
  CHECK(t.put("inbox/k/a", bytes_of(x), PutMode::create_only).code == PutErrc::created);
  CHECK(t.files.size() == 1);
}

TEST_CASE("put status: delivered, retryable and Status mapping") {
  struct Case {
    PutErrc code;
    bool delivered, retryable;
    Errc errc;
  };
  const Case cases[] = {
      {PutErrc::created, true, false, Errc::ok},
      {PutErrc::already_exists, true, false, Errc::ok},
      {PutErrc::network, false, true, Errc::network},
      {PutErrc::stalled, false, true, Errc::network},
      {PutErrc::server_error, false, true, Errc::network},
      {PutErrc::too_large, false, true, Errc::invalid_argument},
      {PutErrc::untrusted, false, false, Errc::unauthorized},
      {PutErrc::unauthorized, false, false, Errc::unauthorized},
      {PutErrc::rejected, false, false, Errc::invalid_argument},
      {PutErrc::local_error, false, false, Errc::io_error},
  };
  for (const auto& c : cases) {
    CAPTURE(put_errc_name(c.code));
    PutStatus s{c.code, 0, "PUT https://x/inbox/k/b"};
    CHECK(s.delivered() == c.delivered);
    CHECK(s.retryable() == c.retryable);
    CHECK(s.to_status().code() == c.errc);
    if (!c.delivered) CHECK(s.to_status().message().find("https://x/inbox/k/b") != std::string::npos);
  }
}
