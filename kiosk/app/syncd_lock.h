// SyncdLock: the exclusive flock on <data_dir>/syncd.lock that makes
// outpost-syncd and `outpostctl export` take turns on the outbox's bundles
// (docs/design.md, "Sync protocol" and "Architecture"). The lock dies with
// the process, even on kill -9. Never waits: a holder is reported at once,
// so a person at the terminal is told what to do rather than left hanging.
#pragma once

#include <filesystem>

#include "kiosk/result.h"

namespace outpost::app {

class SyncdLock {
 public:
  SyncdLock() = default;
  SyncdLock(const SyncdLock&) = delete;
  SyncdLock& operator=(const SyncdLock&) = delete;
  ~SyncdLock();

  // Errc::busy when another process holds it; `held_by` names who that
  // usually is, for the message.
  [[nodiscard]] Status acquire(const std::filesystem::path& data_dir, const char* held_by);

 private:
  int fd_ = -1;
};

}  // namespace outpost::app
