#include "sync/transport.h"

#include <doctest/doctest.h>

#include <iterator>
#include <set>
#include <string>

using namespace outpost;
using namespace outpost::sync;

// The fake's own behaviour is not tested here: the sync loop cases
// (sync_loop_test.cpp) and the folder adapter (transport_file_test.cpp) test
// what create-only and failed PUTs mean to real code.

TEST_CASE("put_errc_name: every outcome has its own name, as syncd's status reports it") {
  const PutErrc all[] = {PutErrc::created,      PutErrc::already_exists, PutErrc::network,  PutErrc::stalled,
                         PutErrc::untrusted,    PutErrc::unauthorized,   PutErrc::too_large, PutErrc::server_error,
                         PutErrc::rejected,     PutErrc::local_error};
  std::set<std::string> names;
  for (PutErrc c : all) {
    const std::string n = put_errc_name(c);
    CHECK(n != "unknown");
    names.insert(n);
  }
  CHECK(names.size() == std::size(all));
  CHECK(std::string(put_errc_name(PutErrc::too_large)) == "too_large");
  CHECK(std::string(put_errc_name(static_cast<PutErrc>(99))) == "unknown");
}

TEST_CASE("PutStatus::to_status: the outcome's name leads the message unless the code already says it") {
  const PutStatus cut{PutErrc::network, 0, "PUT https://x/inbox/k/b: connection reset"};
  CHECK(cut.to_status().to_string() == "network: PUT https://x/inbox/k/b: connection reset");
  const PutStatus slow{PutErrc::stalled, 0, "PUT https://x/inbox/k/b: below 100 B/s"};
  CHECK(slow.to_status().to_string() == "network: stalled: PUT https://x/inbox/k/b: below 100 B/s");
  const PutStatus busy{PutErrc::server_error, 503, "PUT https://x/inbox/k/b: HTTP 503"};
  CHECK(busy.to_status().message() == "server_error: PUT https://x/inbox/k/b: HTTP 503");
  const PutStatus known{PutErrc::already_exists, 409, "PUT https://x/inbox/k/b: exists"};
  CHECK(known.to_status().ok());
  CHECK(known.to_status().message().empty());
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

TEST_CASE("FakeTransport fetch_range honours Range by default and records calls") {
  FakeTransport t;
  t.files["channels/c/blobs/x"] = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9'};
  std::string got;
  auto sink = [&](std::span<const std::uint8_t> d) {
    got.append(reinterpret_cast<const char*>(d.data()), d.size());
    return true;
  };
  auto r = t.fetch_range("channels/c/blobs/x", 3, 4, sink);
  CHECK(r.code == FetchErrc::ok);
  CHECK(r.http_status == 206);
  CHECK(r.received == 4);
  CHECK(r.object_size == 10);
  CHECK(got == "3456");
  got.clear();
  r = t.fetch_range("channels/c/blobs/x", 8, 100, sink);
  CHECK(r.received == 2);
  CHECK(got == "89");
  r = t.fetch_range("channels/c/blobs/x", 10, 1, sink);
  CHECK(r.code == FetchErrc::failed);
  CHECK(r.http_status == 416);
  CHECK(t.fetch_range("channels/c/blobs/y", 0, 1, sink).code == FetchErrc::not_found);
  REQUIRE(t.range_calls.size() == 4);
  CHECK(t.range_calls[0].offset == 3);
  CHECK(t.range_calls[0].length == 4);
  t.set_max_receive_rate(65536);
  CHECK(t.max_receive_rate == 65536);

  t.on_fetch_range = [](std::string_view, std::uint64_t, std::uint64_t, const RangeSink&) {
    return RangeResult{FetchErrc::failed, 200, 0, 0, "server ignored Range"};
  };
  CHECK(t.fetch_range("channels/c/blobs/x", 5, 1, sink).message == "server ignored Range");
}
