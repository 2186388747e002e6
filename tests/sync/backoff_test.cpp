#include "sync/backoff.h"

#include <doctest/doctest.h>

using namespace outpost;
using namespace outpost::sync;
using ms = Clock::Duration;

TEST_CASE("backoff doubles up to max, with jitter only ever shortening the delay") {
  Backoff b({ms{1000}, ms{60'000}, 0.5}, 42);
  ms now{0};
  std::int64_t nominal = 1000;
  for (int i = 1; i <= 12; ++i) {
    ms d = b.failed(now);
    CHECK(b.failures() == i);
    CHECK(d.count() <= nominal);
    CHECK(d.count() >= nominal / 2);
    CHECK_FALSE(b.ready(now));
    CHECK(b.wait(now) == d);
    CHECK(b.ready(now + d));
    nominal = std::min<std::int64_t>(nominal * 2, 60'000);
  }
}

TEST_CASE("backoff resets on success") {
  Backoff b({ms{1000}, ms{60'000}, 0.0}, 1);
  CHECK(b.ready(ms{0}));
  CHECK(b.failed(ms{0}) == ms{1000});
  CHECK(b.failed(ms{1000}) == ms{2000});
  CHECK(b.failed(ms{3000}) == ms{4000});
  b.succeeded();
  CHECK(b.failures() == 0);
  CHECK(b.ready(ms{3000}));
  CHECK(b.failed(ms{3000}) == ms{1000});
}

TEST_CASE("backoff jitter spreads kiosks with different seeds") {
  Backoff a({ms{10'000}, ms{60'000}, 0.5}, 1);
  Backoff b({ms{10'000}, ms{60'000}, 0.5}, 2);
  bool differ = false;
  for (int i = 0; i < 4; ++i) differ = differ || a.failed(ms{0}) != b.failed(ms{0});
  CHECK(differ);
}

TEST_CASE("backoff survives many failures without overflow") {
  Backoff b({ms{1}, ms{3'600'000}, 0.0}, 1);
  ms d{0};
  for (int i = 0; i < 500; ++i) d = b.failed(ms{0});
  CHECK(d == ms{3'600'000});
}

TEST_CASE("bundle size halves after failures and grows back after successes") {
  BundleSizer s({64 * 1024, 1024, 2});
  CHECK(s.limit() == 65536);
  s.failed();
  CHECK(s.limit() == 32768);
  for (int i = 0; i < 10; ++i) s.failed();
  CHECK(s.limit() == 1024);
  s.succeeded();
  CHECK(s.limit() == 1024);
  s.succeeded();
  CHECK(s.limit() == 2048);
  s.succeeded();
  s.failed();  // a failure resets the run of successes
  s.succeeded();
  CHECK(s.limit() == 1024);
  for (int i = 0; i < 40; ++i) s.succeeded();
  CHECK(s.limit() == 65536);
}
