// FileTransport: a folder as the destination (a USB stick, a shared folder),
// through the same sync loop as HTTPS (docs/design.md, "Sync protocol").
// Each put writes a temp file in the target directory, fsyncs it, renames it
// into place and fsyncs the directory, so a pulled stick holds whole files
// or none. create_only never overwrites: an existing file with the same bytes
// is already_exists, with other bytes rejected. Not thread-safe.
#pragma once

#include <filesystem>
#include <memory>

#include "sync/transport.h"

namespace outpost::sync {

class FileTransport final : public Transport {
 public:
  // `root` must be an existing directory (Errc::not_found otherwise).
  // Removes the temp files that killed runs left under it: names put()
  // makes (".tmp-<name>-<pid>"), whose process is gone, older than 10
  // minutes; never any other file.
  static Result<std::unique_ptr<FileTransport>> create(std::filesystem::path root);
  PutStatus put(std::string_view path, std::span<const std::uint8_t> body, PutMode mode) override;
  FetchResult fetch(std::string_view path, const std::string& etag, std::size_t max_bytes) override;
  // Reads the file at `offset` in 64 KiB pieces. A folder has no Range to
  // ignore, so the answers are a good server's: ok with `received` short of
  // `length` at the file's end, failed with object_size at or past it.
  RangeResult fetch_range(std::string_view path, std::uint64_t offset, std::uint64_t length,
                          const RangeSink& on_data) override;
  void set_max_send_rate(std::uint64_t) override {}
  void set_max_receive_rate(std::uint64_t) override {}  // a local folder: nothing to share
  std::string describe() const override { return "file://" + root_.string(); }

 private:
  explicit FileTransport(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path root_;
};

// Whether `path` is a safe relative destination path: '/'-separated parts of
// [A-Za-z0-9._-], none empty, none starting with '.'.
bool is_safe_relative_path(std::string_view path);

}  // namespace outpost::sync
