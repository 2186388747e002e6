#include "sync/backoff.h"

#include <algorithm>

namespace outpost::sync {

Backoff::Backoff(BackoffConfig config, std::uint64_t seed) : config_(config), rng_(seed) {
  config_.jitter = std::clamp(config_.jitter, 0.0, 1.0);
  if (config_.initial.count() < 1) config_.initial = Clock::Duration{1};
  config_.max = std::max(config_.max, config_.initial);
}

Clock::Duration Backoff::failed(Clock::Duration now) {
  ++failures_;
  // Doubling stops once max is reached, so the shift never overflows.
  std::int64_t nominal = config_.initial.count();
  for (int i = 1; i < failures_ && nominal < config_.max.count(); ++i) nominal *= 2;
  nominal = std::min(nominal, config_.max.count());
  std::uniform_real_distribution<double> cut(0.0, config_.jitter);
  auto delay = static_cast<std::int64_t>(static_cast<double>(nominal) * (1.0 - cut(rng_)));
  delay = std::max<std::int64_t>(delay, 1);
  next_try_ = now + Clock::Duration{delay};
  return Clock::Duration{delay};
}

void Backoff::succeeded() {
  failures_ = 0;
  next_try_ = Clock::Duration{0};
}

void BundleSizer::failed() {
  successes_ = 0;
  limit_ = std::max(config_.min_bytes, limit_ / 2);
}

void BundleSizer::succeeded() {
  if (limit_ >= config_.max_bytes) return;
  if (++successes_ < config_.successes_to_grow) return;
  successes_ = 0;
  limit_ = std::min(config_.max_bytes, limit_ * 2);
}

}  // namespace outpost::sync
