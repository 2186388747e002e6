#include <algorithm>

#include "kiosk/env.h"

namespace outpost {
namespace fs = std::filesystem;
namespace {

fs::path norm(const fs::path& p) {
  fs::path n = p.lexically_normal();
  if (n.empty()) return ".";
  std::string s = n.string();
  if (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

fs::path folder_of(const fs::path& p) { return p.has_parent_path() ? norm(p.parent_path()) : fs::path("."); }

}  // namespace

bool MemEnv::dir_exists_locked(const fs::path& dir) const { return dirs_.count(norm(dir)) > 0; }

std::uint64_t MemEnv::used_locked() const {
  std::uint64_t n = 0;
  for (const auto& [path, f] : files_) n += f.bytes.size();
  return n;
}

Result<std::string> MemEnv::read(const fs::path& path, std::size_t max_bytes, std::string_view what) {
  std::lock_guard<std::mutex> lock(mutex_);
  const fs::path p = norm(path);
  const std::string name = std::string(what) + " " + p.string();
  if (dirs_.count(p) > 0) return Status(Errc::invalid_argument, name + ": is a folder, not a file");
  auto it = files_.find(p);
  if (it == files_.end()) return Status(Errc::not_found, name + ": no such file");
  if (it->second.bytes.empty()) return Status(Errc::invalid_argument, name + ": is empty");
  if (it->second.bytes.size() > max_bytes)
    return Status(Errc::invalid_argument, name + ": larger than " + std::to_string(max_bytes) + " bytes");
  return it->second.bytes;
}

Status MemEnv::write_atomic(const fs::path& path, std::string_view bytes, WriteOptions options) {
  std::lock_guard<std::mutex> lock(mutex_);
  const fs::path p = norm(path);
  if (!dir_exists_locked(folder_of(p))) return Status(Errc::io_error, p.string() + ": cannot create: no such folder");
  if (dirs_.count(p) > 0) return Status(Errc::io_error, p.string() + ": cannot rename into place: is a folder");
  auto it = files_.find(p);
  if (it != files_.end() && !options.replace) return Status(Errc::already_exists, p.string() + ": already exists");
  // The temp file and the old one exist together until the rename.
  if (used_locked() + bytes.size() > capacity_)
    return Status(Errc::storage_full, p.string() + ": cannot write: No space left on device");
  std::int64_t mtime = now_;
  if (options.newer_mtime && it != files_.end() && mtime / 1000 <= it->second.mtime_ms / 1000)
    mtime = (it->second.mtime_ms / 1000 + 1) * 1000;
  files_[p] = File{std::string(bytes), options.mode, mtime};
  return Status::Ok();
}

Result<std::vector<std::string>> MemEnv::list(const fs::path& dir) {
  std::lock_guard<std::mutex> lock(mutex_);
  const fs::path d = norm(dir);
  if (!dir_exists_locked(d)) return Status(Errc::not_found, d.string() + ": no such folder");
  std::vector<std::string> names;
  for (const auto& [path, f] : files_)
    if (folder_of(path) == d) names.push_back(path.filename().string());
  for (const fs::path& sub : dirs_)
    if (sub != d && folder_of(sub) == d && sub.has_filename()) names.push_back(sub.filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::optional<FileInfo>> MemEnv::stat(const fs::path& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  const fs::path p = norm(path);
  if (dirs_.count(p) > 0) return std::optional<FileInfo>(FileInfo{0, 0, true, false});
  auto it = files_.find(p);
  if (it == files_.end()) return std::optional<FileInfo>();
  return std::optional<FileInfo>(FileInfo{it->second.bytes.size(), it->second.mtime_ms, false, true});
}

Status MemEnv::remove(const fs::path& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  files_.erase(norm(path));
  return Status::Ok();
}

Status MemEnv::touch(const fs::path& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  const fs::path p = norm(path);
  if (!dir_exists_locked(folder_of(p))) return Status(Errc::io_error, p.string() + ": cannot create: no such folder");
  File& f = files_[p];
  f.mtime_ms = now_;
  return Status::Ok();
}

Status MemEnv::create_dirs(const fs::path& dir) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (fs::path d = norm(dir); !d.empty() && dirs_.count(d) == 0; d = folder_of(d)) {
    if (files_.count(d) > 0) return Status(Errc::io_error, d.string() + ": cannot create folder: is a file");
    dirs_.insert(d);
  }
  return Status::Ok();
}

Status MemEnv::create_dir(const fs::path& dir, mode_t mode) {
  std::lock_guard<std::mutex> lock(mutex_);
  const fs::path d = norm(dir);
  if (dirs_.count(d) > 0) return Status::Ok();
  if (files_.count(d) > 0) return Status(Errc::io_error, d.string() + ": cannot create folder: is a file");
  if (!dir_exists_locked(folder_of(d))) return Status(Errc::io_error, d.string() + ": cannot create folder: no parent");
  dirs_.insert(d);
  dir_modes_[d] = mode;
  return Status::Ok();
}

Result<std::uint64_t> MemEnv::free_bytes(const fs::path&) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::uint64_t used = used_locked();
  return capacity_ > used ? capacity_ - used : 0;
}

Status MemEnv::append(const fs::path& path, std::string_view bytes, mode_t mode) {
  std::lock_guard<std::mutex> lock(mutex_);
  const fs::path p = norm(path);
  if (!dir_exists_locked(folder_of(p))) return Status(Errc::io_error, p.string() + ": cannot open to append: no such folder");
  if (dirs_.count(p) > 0) return Status(Errc::invalid_argument, p.string() + ": not a regular file");
  if (used_locked() + bytes.size() > capacity_)
    return Status(Errc::storage_full, p.string() + ": cannot write: No space left on device");
  const bool fresh = files_.count(p) == 0;
  File& f = files_[p];
  if (fresh) f.mode = mode;
  f.bytes.append(bytes);
  f.mtime_ms = now_;
  return Status::Ok();
}

Status MemEnv::truncate(const fs::path& path, std::uint64_t size) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = files_.find(norm(path));
  if (it == files_.end()) return Status(Errc::io_error, norm(path).string() + ": cannot open to truncate: no such file");
  it->second.bytes.resize(size, '\0');
  return Status::Ok();
}

Status MemEnv::rename(const fs::path& from, const fs::path& to) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = files_.find(norm(from));
  const fs::path t = norm(to);
  if (it == files_.end() || !dir_exists_locked(folder_of(t)) || dirs_.count(t) > 0)
    return Status(Errc::io_error, t.string() + ": cannot rename into place");
  File f = std::move(it->second);
  files_.erase(it);
  files_[t] = std::move(f);
  return Status::Ok();
}

Status MemEnv::read_stream(const fs::path& path, std::string_view what,
                           const std::function<bool(std::span<const std::uint8_t>)>& on_data) {
  std::string copy;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = files_.find(norm(path));
    if (it == files_.end()) return Status(Errc::not_found, std::string(what) + " " + norm(path).string() + ": no such file");
    copy = it->second.bytes;
  }
  const auto* data = reinterpret_cast<const std::uint8_t*>(copy.data());
  for (std::size_t at = 0; at < copy.size(); at += 1 << 16) {
    if (!on_data(std::span<const std::uint8_t>(data + at, std::min<std::size_t>(1 << 16, copy.size() - at)))) break;
  }
  return Status::Ok();
}

std::int64_t MemEnv::now_ms() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return now_;
}

void MemEnv::set_now_ms(std::int64_t ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  now_ = ms;
}

void MemEnv::advance_ms(std::int64_t ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  now_ += ms;
}

void MemEnv::set_capacity(std::uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  capacity_ = bytes;
}

std::optional<mode_t> MemEnv::mode_of(const fs::path& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const fs::path p = norm(path);
  if (auto d = dir_modes_.find(p); d != dir_modes_.end() && dirs_.count(p) > 0) return d->second;
  auto it = files_.find(p);
  if (it == files_.end()) return std::nullopt;
  return it->second.mode;
}

}  // namespace outpost
