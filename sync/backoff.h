// Retry policy for the sync loop (docs/design.md, "Sync protocol"): when to
// try again after a failed upload, and how big the next bundle may be. Pure:
// time comes from the caller (Clock::monotonic()), randomness from a seeded
// generator, so tests are exact and never sleep. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>

#include "kiosk/clock.h"

namespace outpost::sync {

struct BackoffConfig {
  Clock::Duration initial{1'000};      // the delay after the first failure
  Clock::Duration max{15 * 60'000};    // the delay never grows past this
  double jitter = 0.5;                 // delay drawn uniformly from [d*(1-jitter), d]
};

// Exponential backoff with jitter: after n failures in a row the nominal
// delay is min(initial * 2^(n-1), max); the actual delay is the nominal one
// shortened by a random fraction up to `jitter`, so kiosks that lost the same
// link do not come back in lockstep.
class Backoff {
 public:
  explicit Backoff(BackoffConfig config = {}, std::uint64_t seed = 0x6f7574706f7374);

  // Records a failure at `now`; returns the delay before the next try.
  Clock::Duration failed(Clock::Duration now);
  // Records a success: the next failure starts from `initial` again.
  void succeeded();
  // Whether a try is due at `now`.
  bool ready(Clock::Duration now) const { return now >= next_try_; }
  // Time left until ready (zero when ready).
  Clock::Duration wait(Clock::Duration now) const { return ready(now) ? Clock::Duration{0} : next_try_ - now; }
  int failures() const { return failures_; }

 private:
  BackoffConfig config_;
  std::mt19937_64 rng_;
  int failures_ = 0;
  Clock::Duration next_try_{0};
};

struct BundleSizeConfig {
  std::size_t max_bytes = 64 * 1024;  // the normal bundle size limit
  std::size_t min_bytes = 512;        // never halves below this
  int successes_to_grow = 2;          // successes in a row before doubling back
};

// The bundle size limit: halves after each failure that may be due to the
// size (a cut, a stall, 413), and doubles back after a run of successes, so
// a poor link still moves small bundles and a good one gets big ones.
class BundleSizer {
 public:
  explicit BundleSizer(BundleSizeConfig config = {}) : config_(config), limit_(config.max_bytes) {}
  std::size_t limit() const { return limit_; }
  void failed();
  void succeeded();

 private:
  BundleSizeConfig config_;
  std::size_t limit_;
  int successes_ = 0;
};

}  // namespace outpost::sync
