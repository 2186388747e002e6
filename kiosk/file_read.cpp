#include "kiosk/file_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace outpost {

namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// "a folder", "a FIFO", ... for a file that is not regular.
const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

Result<std::string> read_file_checked(const std::filesystem::path& path, std::size_t max_bytes,
                                      std::string_view what) {
  const std::string where = path.string() + ": ";
  const std::string the = "the " + std::string(what);
  auto os_error = [&](int err, const char* doing) {
    if (err == ENOENT || err == ENOTDIR) return Status(Errc::not_found, where + the + " does not exist");
    if (err == EACCES || err == EPERM)
      return Status(Errc::io_error, where + "cannot read " + the + ": permission denied");
    return Status(Errc::io_error, where + doing + " " + the + ": " + std::strerror(err));
  };
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  // It changes nothing for the regular files we go on to read.
  Fd f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (f.fd < 0) return os_error(errno, "cannot open");
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return os_error(errno, "cannot look at");
  if (!S_ISREG(st.st_mode)) {
    const char* kind = kind_of(st.st_mode);
    return Status(Errc::invalid_argument, where + the + " is " + kind + ", not a file");
  }
  auto too_large = [&](std::uint64_t size) {
    return Status(Errc::invalid_argument, where + the + " is too large (" + std::to_string(size) +
                                              " bytes; at most " + std::to_string(max_bytes) + ")");
  };
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes)
    return too_large(static_cast<std::uint64_t>(st.st_size));

  // One byte more than fstat said, to see the end (or that the file grew)
  // without reallocating: a key file's bytes should not be left behind in a
  // freed buffer.
  const std::size_t size = static_cast<std::size_t>(st.st_size);
  std::string out(std::min(size, max_bytes) + 1, '\0');
  std::size_t done = 0;
  for (;;) {
    if (done == out.size()) {
      if (out.size() > max_bytes) return too_large(out.size());
      out.resize(std::min(max_bytes + 1, out.size() * 2 + 4096));
    }
    const ssize_t n = ::read(f.fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return os_error(errno, "cannot read");
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  if (out.size() > max_bytes) return too_large(out.size());
  if (out.empty()) return Status(Errc::invalid_argument, where + the + " is empty");
  return out;
}

bool path_may_exist(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return true;
  return errno != ENOENT && errno != ENOTDIR;
}

}  // namespace outpost
