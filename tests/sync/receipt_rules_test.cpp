#include "sync/receipt_rules.h"

#include <doctest/doctest.h>

#include <map>

using namespace outpost;
using namespace outpost::sync;

namespace {

using Range = ReceiptPlan::Range;

// An outbox that made bundles 1-5; bundle 1 is pruned. Bundle n has digest
// and chain bytes all n (chain + 100).
struct Made {
  Generation generation{};
  std::map<std::uint64_t, KnownBundle> bundles;
  std::uint64_t made = 5;
  int lookups = 0;

  Made() {
    generation.fill(0x47);
    for (std::uint64_t n = 2; n <= made; ++n) {
      KnownBundle k;
      k.digest.fill(static_cast<std::uint8_t>(n));
      k.chain.fill(static_cast<std::uint8_t>(n + 100));
      bundles[n] = k;
    }
  }
  BundleLookup lookup() {
    return [this](std::uint64_t seq) -> Result<std::optional<KnownBundle>> {
      ++lookups;
      auto it = bundles.find(seq);
      if (it == bundles.end()) return std::optional<KnownBundle>();
      return std::optional<KnownBundle>(it->second);
    };
  }
  ReceiptOutbox entry(std::uint64_t through) const {
    ReceiptOutbox e;
    e.generation = generation;
    e.through = through;
    if (through > 0 && bundles.count(through)) e.chain = bundles.at(through).chain;
    return e;
  }
  ReceiptPlan plan(const ReceiptOutbox& e) {
    auto p = plan_receipt(e, generation, made, lookup());
    REQUIRE(p.ok());
    return *p;
  }
};

}  // namespace

TEST_CASE(
    "receipt rules: a matching chain confirms 1..through, and the drop box's losses below it are re-sent") {
  Made m;
  const ReceiptPlan p = m.plan(m.entry(3));
  CHECK(p.for_this_outbox);
  CHECK(p.problems.empty());
  CHECK(p.confirm == std::vector<Range>{{1, 3}});
  CHECK(p.resend_below == 3);
  CHECK(p.reject.empty());
}

TEST_CASE("receipt rules: another generation's entry applies nothing and is reported") {
  Made m;
  ReceiptOutbox e = m.entry(3);
  e.generation.fill(0x11);
  const ReceiptPlan p = m.plan(e);
  CHECK_FALSE(p.for_this_outbox);
  REQUIRE(p.problems.size() == 1);
  CHECK(p.problems[0] ==
        "receipt is for outbox generation 1111111111111111, not this one (4747474747474747)");
  CHECK(p.confirm.empty());
  CHECK(m.lookups == 0);
}

TEST_CASE("receipt rules: a chain that is not ours, or bundles never made, confirm nothing") {
  Made m;
  ReceiptOutbox other = m.entry(4);
  other.chain[0] ^= 1;
  ReceiptPlan p = m.plan(other);
  CHECK(p.confirm.empty());
  CHECK(p.resend_below == 0);
  REQUIRE(p.problems.size() == 1);
  CHECK(p.problems[0] ==
        "receipt's bundles 1-4 are not the bundles this kiosk made; nothing confirmed from it");

  p = m.plan(m.entry(6));
  CHECK(p.confirm.empty());
  REQUIRE(p.problems.size() == 1);
  CHECK(p.problems[0] == "receipt confirms bundles up to 6 but this outbox has made only 5; ignored");
}

TEST_CASE("receipt rules: a pruned bundle at `through` is neither confirmed nor a problem") {
  Made m;
  const ReceiptPlan p = m.plan(m.entry(1));
  CHECK(p.confirm.empty());
  CHECK(p.problems.empty());
  CHECK(p.resend_below == 0);
}

TEST_CASE("receipt rules: bundles past a gap are confirmed one by one when their digest matches") {
  Made m;
  ReceiptOutbox e = m.entry(2);
  e.also.push_back({4, m.bundles[4].digest});
  BundleDigest wrong = m.bundles[5].digest;
  wrong[15] ^= 0xff;
  e.also.push_back({5, wrong});
  e.also.push_back({9, m.bundles[5].digest});  // never made: skipped quietly
  e.rejected.push_back({"kiosk-a-x.opb", "corrupt: bad signature"});
  const ReceiptPlan p = m.plan(e);
  CHECK(p.confirm == std::vector<Range>{{1, 2}, {4, 4}});
  CHECK(p.resend_below == 4);
  REQUIRE(p.problems.size() == 1);
  CHECK(p.problems[0] == "receipt names bundle 5 with other content; ignored");
  REQUIRE(p.reject.size() == 1);
  CHECK(p.reject[0].name == "kiosk-a-x.opb");
  CHECK(p.reject[0].reason == "corrupt: bad signature");
}

TEST_CASE("receipt rules: a store that cannot be read fails the plan with its error") {
  Made m;
  const BundleLookup broken = [](std::uint64_t) -> Result<std::optional<KnownBundle>> {
    return Status(Errc::io_error, "outbox.db: disk I/O error");
  };
  const auto p = plan_receipt(m.entry(3), m.generation, m.made, broken);
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().code() == Errc::io_error);
  CHECK(p.status().message() == "outbox.db: disk I/O error");
}
