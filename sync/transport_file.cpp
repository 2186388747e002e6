#include "sync/transport_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <cstring>
#include <vector>

#include "kiosk/env.h"

namespace outpost::sync {

namespace {

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads a whole file into `out`; false when it cannot be read.
bool read_all(const std::filesystem::path& file, std::vector<std::uint8_t>& out) {
  Fd f(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (f.fd < 0) return false;
  std::uint8_t buf[65536];
  for (;;) {
    ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out.insert(out.end(), buf, buf + n);
  }
}

// The pid in a name put() makes, ".tmp-<name>-<pid>" (<name> a safe path
// part, <pid> decimal without a leading zero); 0 for any other name.
pid_t temp_file_pid(std::string_view file) {
  if (!file.starts_with(".tmp-")) return 0;
  file.remove_prefix(5);
  const std::size_t dash = file.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == file.size()) return 0;
  const std::string_view name = file.substr(0, dash), digits = file.substr(dash + 1);
  if (!is_safe_relative_path(name)) return 0;  // one path part: a file name has no '/'
  if (digits.size() > 9 || digits.front() == '0') return 0;
  pid_t pid = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return 0;
    pid = pid * 10 + (c - '0');
  }
  return pid;
}

// Removes the temp files of runs that were killed mid-put: names put() makes
// (temp_file_pid), regular files, whose process is gone and which were last
// written more than kStaleTempAge ago. The age matters for a folder shared
// by several kiosks: another machine's pid means nothing here, but its
// write in flight is seconds old. Walks the root and two levels below it
// (put's "inbox/<kiosk>/<name>"), never following symlinks or entering
// dot-folders. Best effort: what cannot be removed stays.
constexpr std::int64_t kStaleTempAgeS = 10 * 60;

void remove_stale_temp_files(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // Seconds from clock_gettime and stat: std::filesystem's file clock counts
  // int64 nanoseconds and overflows past 2262, and a kiosk clock may be there.
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code type_ec;
    const fs::file_status st = it->symlink_status(type_ec);
    if (type_ec) continue;
    if (fs::is_directory(st)) {
      if (name.starts_with(".") || it.depth() >= 2) it.disable_recursion_pending();
      continue;
    }
    const pid_t pid = temp_file_pid(name);
    if (pid <= 0 || !fs::is_regular_file(st)) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to judge (EPERM)
    struct stat file_st{};
    if (::lstat(it->path().c_str(), &file_st) != 0) continue;
    if (static_cast<std::int64_t>(now.tv_sec) - static_cast<std::int64_t>(file_st.st_mtim.tv_sec) < kStaleTempAgeS)
      continue;
    ::unlink(it->path().c_str());
  }
}

}  // namespace

bool is_safe_relative_path(std::string_view path) {
  if (path.empty()) return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part.front() == '.') return false;
    for (char ch : part) {
      const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                      ch == '.' || ch == '_' || ch == '-';
      if (!ok) return false;
    }
    start = end + 1;
  }
  return true;
}

Result<std::unique_ptr<FileTransport>> FileTransport::create(std::filesystem::path root) {
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) {
    return Status(Errc::not_found, "sync: destination folder '" + root.string() + "' does not exist");
  }
  remove_stale_temp_files(root);
  return std::unique_ptr<FileTransport>(new FileTransport(std::move(root)));
}

PutStatus FileTransport::put(std::string_view path, std::span<const std::uint8_t> body, PutMode mode) {
  const std::string where = describe() + "/" + std::string(path);
  if (!is_safe_relative_path(path)) {
    return {PutErrc::rejected, 0, "write " + where + ": not a safe relative path"};
  }
  const std::filesystem::path target = root_ / std::string(path);
  const std::filesystem::path dir = target.parent_path();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return {PutErrc::local_error, 0, "write " + where + ": cannot create folder: " + ec.message()};

  auto compare_existing = [&]() -> PutStatus {
    std::vector<std::uint8_t> have;
    if (!read_all(target, have)) {
      return {PutErrc::local_error, 0, "write " + where + ": exists but cannot be read"};
    }
    if (have.size() == body.size() && std::equal(have.begin(), have.end(), body.begin())) {
      return {PutErrc::already_exists, 0, where + " already there"};
    }
    return {PutErrc::rejected, 0, "write " + where + ": a different file with this name exists"};
  };
  if (mode == PutMode::create_only && std::filesystem::exists(target, ec)) return compare_existing();

  Status written = Env::system().write_atomic(
      target, std::string_view(reinterpret_cast<const char*>(body.data()), body.size()),
      {0600, /*exact_mode=*/true, /*replace=*/mode != PutMode::create_only});
  if (written.code() == Errc::already_exists) return compare_existing();
  if (written.code() == Errc::storage_full)
    return {PutErrc::local_error, 0, "write " + where + ": no space left on the destination"};
  if (!written.ok()) return {PutErrc::local_error, 0, "write " + where + ": " + written.message()};
  return {PutErrc::created, 0, {}};
}

FetchResult FileTransport::fetch(std::string_view path, const std::string&, std::size_t max_bytes) {
  const std::string where = describe() + "/" + std::string(path);
  if (!is_safe_relative_path(path)) return {FetchErrc::failed, {}, {}, "read " + where + ": not a safe relative path"};
  const std::filesystem::path file = root_ / std::string(path);
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return {FetchErrc::not_found, {}, {}, where + ": not there"};
  if (!std::filesystem::is_regular_file(file, ec)) return {FetchErrc::failed, {}, {}, "read " + where + ": not a file"};
  const auto size = std::filesystem::file_size(file, ec);
  if (ec || size > max_bytes) return {FetchErrc::failed, {}, {}, "read " + where + ": too large"};
  std::vector<std::uint8_t> body;
  if (!read_all(file, body)) return {FetchErrc::failed, {}, {}, "read " + where + ": cannot be read"};
  return {FetchErrc::ok, std::move(body), {}, {}};
}

RangeResult FileTransport::fetch_range(std::string_view path, std::uint64_t offset, std::uint64_t length,
                                       const RangeSink& on_data) {
  const std::string where = describe() + "/" + std::string(path);
  if (!is_safe_relative_path(path)) return {FetchErrc::failed, 0, 0, 0, "read " + where + ": not a safe relative path"};
  if (length == 0) return {FetchErrc::failed, 0, 0, 0, "read " + where + ": empty range asked"};
  const std::filesystem::path file = root_ / std::string(path);
  Fd f(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (f.fd < 0 && errno == ENOENT) return {FetchErrc::not_found, 0, 0, 0, where + ": not there"};
  if (f.fd < 0) return {FetchErrc::failed, 0, 0, 0, "read " + where + ": " + std::strerror(errno)};
  struct stat st{};
  if (::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return {FetchErrc::failed, 0, 0, 0, "read " + where + ": not a file"};
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (offset >= size) {
    return {FetchErrc::failed, 0, 0, size,
            "read " + where + ": offset " + std::to_string(offset) + " at or past the end (" + std::to_string(size) +
                " bytes)"};
  }
  const std::uint64_t want = std::min(length, size - offset);
  std::uint64_t got = 0;
  std::vector<std::uint8_t> buf(65536);
  while (got < want) {
    const std::size_t ask = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), want - got));
    const ssize_t n = ::pread(f.fd, buf.data(), ask, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return {FetchErrc::failed, 0, got, size, "read " + where + ": " + std::strerror(errno)};
    if (n == 0) break;  // the file shrank while read: a short answer
    if (!on_data(std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n)))) {
      return {FetchErrc::failed, 0, got + static_cast<std::uint64_t>(n), size, "read " + where + ": aborted by the receiver"};
    }
    got += static_cast<std::uint64_t>(n);
  }
  return {FetchErrc::ok, 0, got, size, {}};
}

}  // namespace outpost::sync
