// Env: the file system as the project uses it, behind one interface, in the
// spirit of LevelDB's Env: read, atomic write, list, stat, remove, touch,
// free space and the time files are stamped with. PosixEnv (Env::system())
// is the real one; MemEnv keeps everything in memory so tests can drive
// time, fill the disk and look at what was written without touching /tmp.
// Implementations are safe to call from any thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/result.h"

namespace outpost {

struct FileInfo {
  std::uint64_t size = 0;
  std::int64_t mtime_ms = 0;  // wall clock, ms since the epoch
  bool directory = false;
  bool regular = false;  // a plain file (not a folder, FIFO, device or socket)
  bool symlink = false;  // the name is a symbolic link (the other fields describe its target)
};

struct WriteOptions {
  mode_t mode = 0600;
  bool exact_mode = true;  // false: the umask applies
  bool replace = true;     // false: Errc::already_exists when the file is there
  // The new file's mtime is made later (in whole seconds) than the one it
  // replaces: nginx's ETag is (mtime in seconds, size), and a file replaced
  // within the same second by one of the same size would keep its ETag.
  bool newer_mtime = false;
};

// The temp name write_atomic uses beside `name` in process `pid`:
// ".tmp-<name>-<pid>". A run killed mid-write leaves at most this one.
std::string atomic_temp_name(const std::string& name, long pid);

class Env {
 public:
  virtual ~Env() = default;
  // The real file system; lives for the whole program.
  static Env& system();

  // As read_file_checked (kiosk/file_read.h): a regular file of 1 to
  // max_bytes bytes; `what` names it in errors.
  virtual Result<std::string> read(const std::filesystem::path& path, std::size_t max_bytes,
                                   std::string_view what) = 0;
  // All of `bytes` or nothing: written beside `path`, synced, renamed into
  // place, and the folder synced, so after ok the file survives a power cut.
  // On failure the old file (if any) is untouched and no temp file is left.
  // Errc::storage_full when the disk is full.
  virtual Status write_atomic(const std::filesystem::path& path, std::string_view bytes,
                              WriteOptions options = {}) = 0;
  // Names in `dir`, sorted; Errc::not_found when it does not exist.
  virtual Result<std::vector<std::string>> list(const std::filesystem::path& dir) = 0;
  // nullopt when nothing is there.
  virtual Result<std::optional<FileInfo>> stat(const std::filesystem::path& path) = 0;
  // Ok when it was not there either.
  virtual Status remove(const std::filesystem::path& path) = 0;
  // Creates an empty file if missing and sets its mtime to now.
  virtual Status touch(const std::filesystem::path& path) = 0;
  virtual Status create_dirs(const std::filesystem::path& dir) = 0;
  // Creates the one folder `dir` (its parent must exist) with exactly
  // `mode`, whatever the umask; ok, and left as it is, when it is there.
  virtual Status create_dir(const std::filesystem::path& dir, mode_t mode) = 0;
  // Bytes an unprivileged writer may still use on dir's file system.
  virtual Result<std::uint64_t> free_bytes(const std::filesystem::path& dir) = 0;
  // The wall clock files are stamped with, ms since the epoch.
  virtual std::int64_t now_ms() const = 0;

  // Files that grow (content downloads; docs/design.md, "Content channels"):
  // appends `bytes` to `path` (created with exactly `mode` when missing) and fsyncs it, so
  // after ok the bytes survive a power cut. A short write is undone.
  // Errc::storage_full when the disk is full.
  virtual Status append(const std::filesystem::path& path, std::string_view bytes, mode_t mode = 0600) = 0;
  // Cuts `path` to `size` bytes and fsyncs it.
  virtual Status truncate(const std::filesystem::path& path, std::uint64_t size) = 0;
  // Renames `from` over `to` and fsyncs the folder.
  virtual Status rename(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
  // Hands a regular file's bytes to `on_data` in chunks; on_data returning
  // false stops early (ok). `what` names the file in errors.
  virtual Status read_stream(const std::filesystem::path& path, std::string_view what,
                             const std::function<bool(std::span<const std::uint8_t>)>& on_data) = 0;
};

class PosixEnv final : public Env {
 public:
  Result<std::string> read(const std::filesystem::path& path, std::size_t max_bytes,
                           std::string_view what) override;
  Status write_atomic(const std::filesystem::path& path, std::string_view bytes,
                      WriteOptions options = {}) override;
  Result<std::vector<std::string>> list(const std::filesystem::path& dir) override;
  Result<std::optional<FileInfo>> stat(const std::filesystem::path& path) override;
  Status remove(const std::filesystem::path& path) override;
  Status touch(const std::filesystem::path& path) override;
  Status create_dirs(const std::filesystem::path& dir) override;
  Status create_dir(const std::filesystem::path& dir, mode_t mode) override;
  Result<std::uint64_t> free_bytes(const std::filesystem::path& dir) override;
  std::int64_t now_ms() const override;
  Status append(const std::filesystem::path& path, std::string_view bytes, mode_t mode = 0600) override;
  Status truncate(const std::filesystem::path& path, std::uint64_t size) override;
  Status rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  Status read_stream(const std::filesystem::path& path, std::string_view what,
                     const std::function<bool(std::span<const std::uint8_t>)>& on_data) override;
};

// Everything in memory: a map of files and a set of folders (a file's folder
// must exist, as on disk). The clock is set by hand; `capacity` bounds the
// bytes all files may hold, so a write that would pass it fails as a full
// disk does.
class MemEnv final : public Env {
 public:
  explicit MemEnv(std::int64_t now_ms = 1'767'225'600'000 /* 2026-01-01T00:00:00Z */) : now_(now_ms) {}

  Result<std::string> read(const std::filesystem::path& path, std::size_t max_bytes,
                           std::string_view what) override;
  Status write_atomic(const std::filesystem::path& path, std::string_view bytes,
                      WriteOptions options = {}) override;
  Result<std::vector<std::string>> list(const std::filesystem::path& dir) override;
  Result<std::optional<FileInfo>> stat(const std::filesystem::path& path) override;
  Status remove(const std::filesystem::path& path) override;
  Status touch(const std::filesystem::path& path) override;
  Status create_dirs(const std::filesystem::path& dir) override;
  Status create_dir(const std::filesystem::path& dir, mode_t mode) override;
  Result<std::uint64_t> free_bytes(const std::filesystem::path& dir) override;
  std::int64_t now_ms() const override;
  Status append(const std::filesystem::path& path, std::string_view bytes, mode_t mode = 0600) override;
  Status truncate(const std::filesystem::path& path, std::uint64_t size) override;
  Status rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  Status read_stream(const std::filesystem::path& path, std::string_view what,
                     const std::function<bool(std::span<const std::uint8_t>)>& on_data) override;

  void set_now_ms(std::int64_t ms);
  void advance_ms(std::int64_t ms);
  void set_capacity(std::uint64_t bytes);
  // The mode a file was written (or a folder made by create_dir) with;
  // nullopt when there is none.
  std::optional<mode_t> mode_of(const std::filesystem::path& path) const;

 private:
  struct File {
    std::string bytes;
    mode_t mode = 0600;
    std::int64_t mtime_ms = 0;
  };
  std::uint64_t used_locked() const;
  bool dir_exists_locked(const std::filesystem::path& dir) const;

  mutable std::mutex mutex_;
  std::map<std::filesystem::path, File> files_;
  std::set<std::filesystem::path> dirs_{"/", "."};
  std::map<std::filesystem::path, mode_t> dir_modes_;
  std::int64_t now_;
  std::uint64_t capacity_ = UINT64_MAX;
};

}  // namespace outpost
