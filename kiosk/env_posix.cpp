#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <vector>

#include "kiosk/env.h"
#include "kiosk/file_read.h"

namespace outpost {
namespace fs = std::filesystem;
namespace {

Status os_error(const fs::path& path, std::string_view what, int err) {
  return Status(err == ENOSPC || err == EDQUOT ? Errc::storage_full : Errc::io_error,
                path.string() + ": " + std::string(what) + ": " + std::strerror(err));
}

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

std::int64_t to_ms(const timespec& t) { return static_cast<std::int64_t>(t.tv_sec) * 1000 + t.tv_nsec / 1'000'000; }

fs::path folder_of(const fs::path& path) { return path.has_parent_path() ? path.parent_path() : fs::path("."); }

}  // namespace

std::string atomic_temp_name(const std::string& name, long pid) { return ".tmp-" + name + "-" + std::to_string(pid); }

Env& Env::system() {
  static PosixEnv env;
  return env;
}

Result<std::string> PosixEnv::read(const fs::path& path, std::size_t max_bytes, std::string_view what) {
  return read_file_checked(path, max_bytes, what);
}

Status PosixEnv::write_atomic(const fs::path& path, std::string_view bytes, WriteOptions options) {
  const fs::path dir = folder_of(path);
  const fs::path temp = dir / atomic_temp_name(path.filename().string(), ::getpid());
  Fd f(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, options.mode));
  if (f.fd < 0) return os_error(temp, "cannot create", errno);
  auto fail = [&](const fs::path& where, std::string_view what) {
    Status s = os_error(where, what, errno);
    ::unlink(temp.c_str());
    return s;
  };
  if (options.exact_mode && ::fchmod(f.fd, options.mode) != 0) return fail(temp, "cannot set mode");
  for (std::size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(f.fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(temp, "cannot write");
    done += static_cast<std::size_t>(n);
  }
  struct stat old{};
  if (options.newer_mtime && ::stat(path.c_str(), &old) == 0) {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    if (now.tv_sec <= old.st_mtim.tv_sec) {
      const timespec times[2] = {{0, UTIME_OMIT}, {old.st_mtim.tv_sec + 1, 0}};
      if (::futimens(f.fd, times) != 0) return fail(temp, "cannot set mtime");
    }
  }
  if (::fsync(f.fd) != 0) return fail(temp, "cannot fsync");
  int rc = 0;
  if (options.replace) {
    rc = ::rename(temp.c_str(), path.c_str());
  } else {
    rc = ::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE);
    if (rc != 0 && errno == EINVAL) {
      // The file system cannot refuse to replace: link() can.
      rc = ::link(temp.c_str(), path.c_str());
      if (rc == 0) ::unlink(temp.c_str());
    }
    if (rc != 0 && errno == EEXIST) {
      ::unlink(temp.c_str());
      return Status(Errc::already_exists, path.string() + ": already exists");
    }
  }
  if (rc != 0) return fail(path, "cannot rename into place");
  // fsync the folder so the rename itself survives a power cut.
  Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.fd < 0) return os_error(dir, "cannot open folder to fsync", errno);
  if (::fsync(d.fd) != 0 && errno != EINVAL) return os_error(dir, "cannot fsync folder", errno);
  return Status::Ok();
}

Result<std::vector<std::string>> PosixEnv::list(const fs::path& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    const int err = errno;
    if (err == ENOENT) return Status(Errc::not_found, dir.string() + ": no such folder");
    return os_error(dir, "cannot list", err);
  }
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  const int err = errno;
  ::closedir(d);
  if (err != 0) return os_error(dir, "cannot list", err);
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::optional<FileInfo>> PosixEnv::stat(const fs::path& path) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<FileInfo>();
    return os_error(path, "cannot stat", errno);
  }
  const bool link = S_ISLNK(st.st_mode);
  if (link && ::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<FileInfo>();  // a dangling link
    return os_error(path, "cannot stat", errno);
  }
  return std::optional<FileInfo>(FileInfo{static_cast<std::uint64_t>(st.st_size), to_ms(st.st_mtim),
                                          S_ISDIR(st.st_mode), S_ISREG(st.st_mode), link});
}

Status PosixEnv::remove(const fs::path& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return os_error(path, "cannot remove", errno);
  return Status::Ok();
}

Status PosixEnv::touch(const fs::path& path) {
  Fd f(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (f.fd < 0) return os_error(path, "cannot create", errno);
  if (::futimens(f.fd, nullptr) != 0) return os_error(path, "cannot touch", errno);
  return Status::Ok();
}

Status PosixEnv::create_dirs(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status(ec.value() == ENOSPC ? Errc::storage_full : Errc::io_error,
                        dir.string() + ": cannot create folder: " + ec.message());
  return Status::Ok();
}

Status PosixEnv::create_dir(const fs::path& dir, mode_t mode) {
  if (::mkdir(dir.c_str(), mode) != 0) {
    const int err = errno;
    struct stat st{};
    if (err == EEXIST && ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::Ok();
    return os_error(dir, "cannot create folder", err);
  }
  if (::chmod(dir.c_str(), mode) != 0) return os_error(dir, "cannot set the mode of", errno);
  return Status::Ok();
}

Result<std::uint64_t> PosixEnv::free_bytes(const fs::path& dir) {
  struct statvfs v{};
  if (::statvfs(dir.c_str(), &v) != 0) return os_error(dir, "cannot read free space", errno);
  return static_cast<std::uint64_t>(v.f_bavail) * v.f_frsize;
}

Status PosixEnv::append(const fs::path& path, std::string_view bytes, mode_t mode) {
  Fd f(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, mode));
  if (f.fd < 0) return os_error(path, "cannot open to append", errno);
  struct stat st{};
  if (::fstat(f.fd, &st) != 0) return os_error(path, "cannot stat", errno);
  if (!S_ISREG(st.st_mode)) return Status(Errc::invalid_argument, path.string() + ": not a regular file");
  if (st.st_size == 0 && (st.st_mode & 07777) != mode && ::fchmod(f.fd, mode) != 0)
    return os_error(path, "cannot set mode", errno);
  for (std::size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(f.fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = os_error(path, "cannot write", errno);
      if (::ftruncate(f.fd, st.st_size) != 0) {}  // undo a short write; the error above is the one to report
      return s;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(f.fd) != 0) return os_error(path, "cannot fsync", errno);
  return Status::Ok();
}

Status PosixEnv::truncate(const fs::path& path, std::uint64_t size) {
  Fd f(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
  if (f.fd < 0) return os_error(path, "cannot open to truncate", errno);
  if (::ftruncate(f.fd, static_cast<off_t>(size)) != 0) return os_error(path, "cannot truncate", errno);
  if (::fsync(f.fd) != 0) return os_error(path, "cannot fsync", errno);
  return Status::Ok();
}

Status PosixEnv::rename(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return os_error(to, "cannot rename into place", errno);
  const fs::path dir = folder_of(to);
  Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.fd < 0) return os_error(dir, "cannot open folder to fsync", errno);
  if (::fsync(d.fd) != 0 && errno != EINVAL) return os_error(dir, "cannot fsync folder", errno);
  return Status::Ok();
}

Status PosixEnv::read_stream(const fs::path& path, std::string_view what,
                             const std::function<bool(std::span<const std::uint8_t>)>& on_data) {
  const std::string name = std::string(what) + " " + path.string();
  Fd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (f.fd < 0) {
    if (errno == ENOENT) return Status(Errc::not_found, name + ": no such file");
    return os_error(path, "cannot open", errno);
  }
  struct stat st{};
  if (::fstat(f.fd, &st) != 0) return os_error(path, "cannot stat", errno);
  if (!S_ISREG(st.st_mode)) return Status(Errc::invalid_argument, name + ": not a regular file");
  std::vector<std::uint8_t> buf(1 << 16);
  for (;;) {
    const ssize_t n = ::read(f.fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return os_error(path, "cannot read", errno);
    if (n == 0) return Status::Ok();
    if (!on_data(std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n)))) return Status::Ok();
  }
}

std::int64_t PosixEnv::now_ms() const {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return to_ms(ts);
}

}  // namespace outpost
