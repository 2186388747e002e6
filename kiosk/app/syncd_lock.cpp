#include "kiosk/app/syncd_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace outpost::app {

SyncdLock::~SyncdLock() {
  if (fd_ >= 0) ::close(fd_);
}

Status SyncdLock::acquire(const std::filesystem::path& data_dir, const char* held_by) {
  const auto file = data_dir / "syncd.lock";
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    const int err = errno;
    if (err == ENOENT)
      return Status(Errc::not_found, data_dir.string() + ": the data directory does not exist (check data_dir or --data-dir)");
    return Status(Errc::io_error, file.string() + ": cannot open the lock file: " + std::strerror(err));
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) return Status(Errc::busy, file.string() + ": " + held_by);
  return Status::Ok();
}

}  // namespace outpost::app
