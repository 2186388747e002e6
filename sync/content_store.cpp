#include "sync/content_store.h"

#include <sodium.h>

#include <set>

#include <nlohmann/json.hpp>

namespace outpost::sync {
namespace fs = std::filesystem;
namespace {

std::string hex_of(const unsigned char* d, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[d[i] >> 4]);
    out.push_back(digits[d[i] & 15]);
  }
  return out;
}

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string mib(std::uint64_t bytes) {
  if (bytes < 1024 * 1024) return std::to_string(bytes) + " bytes";
  return std::to_string(bytes / (1024 * 1024)) + "." + std::to_string(bytes % (1024 * 1024) * 10 / (1024 * 1024)) +
         " MiB";
}

}  // namespace

std::string sha256_hex(std::span<const std::uint8_t> bytes) {
  unsigned char d[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(d, bytes.data(), bytes.size());
  return hex_of(d, sizeof d);
}

Result<std::string> sha256_file(Env& env, const fs::path& file, std::string_view what) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  Status s = env.read_stream(file, what, [&](std::span<const std::uint8_t> chunk) {
    crypto_hash_sha256_update(&st, chunk.data(), chunk.size());
    return true;
  });
  if (!s.ok()) return s;
  unsigned char d[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&st, d);
  return hex_of(d, sizeof d);
}

ContentStore::ContentStore(Env& env, const fs::path& data_dir, SigningPublicKey clinic_key, std::string channel)
    : env_(env), paths_(data_dir), clinic_key_(clinic_key), channel_(std::move(channel)) {}

Status ContentStore::prepare() {
  for (const fs::path& d : {paths_.root, paths_.blobs(), paths_.partial_dir()})
    if (Status s = env_.create_dirs(d); !s.ok()) return s;
  return Status::Ok();
}

Status ContentStore::check_space(std::uint64_t more) const {
  auto free = env_.free_bytes(paths_.root);
  if (!free.ok()) return free.status();
  if (*free >= more && *free - more >= reserve_) return Status::Ok();
  return Status(Errc::storage_full, "not enough disk space for content: " + mib(*free) + " free, " + mib(more) +
                                        " needed and " + mib(reserve_) + " kept for the outbox");
}

Result<std::optional<std::string>> ContentStore::raw(const fs::path& file, std::string_view what) const {
  auto st = env_.stat(file);
  if (!st.ok()) return st.status();
  if (!st->has_value()) return std::optional<std::string>();
  auto bytes = env_.read(file, kMaxManifestBytes + 4096, what);
  if (!bytes.ok()) return bytes.status();
  return std::optional<std::string>(std::move(*bytes));
}

Result<std::optional<ChannelManifest>> ContentStore::load(const fs::path& file, std::string_view what) const {
  auto bytes = raw(file, what);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::optional<ChannelManifest>();
  auto m = open_manifest(as_bytes(**bytes), clinic_key_, file.string());
  if (!m.ok()) return m.status();
  return std::optional<ChannelManifest>(std::move(*m));
}

Result<std::optional<ChannelManifest>> ContentStore::installed() const {
  return load(paths_.manifest(), "installed manifest");
}
Result<std::optional<ChannelManifest>> ContentStore::pending() const {
  return load(paths_.pending(), "pending manifest");
}

Result<OfferResult> ContentStore::offer(std::span<const std::uint8_t> bytes, std::string_view source) {
  auto m = open_manifest(bytes, clinic_key_, source);
  if (!m.ok()) return m.status();
  const std::string src(source);
  std::string want = channel_;
  if (want.empty()) {
    auto inst = installed();
    want = inst.ok() && inst->has_value() ? (*inst)->channel : m->channel;
  }
  if (m->channel != want)
    return Status(Errc::invalid_argument,
                  src + ": manifest is for channel '" + m->channel + "', this kiosk takes '" + want + "'");
  const std::string text(bytes.begin(), bytes.end());
  auto inst_raw = raw(paths_.manifest(), "installed manifest");
  if (!inst_raw.ok()) return inst_raw.status();
  if (inst_raw->has_value() && **inst_raw == text) return OfferResult::installed_already;
  auto inst = installed();
  // An installed manifest that no longer verifies is replaced by any good one.
  if (inst.ok() && inst->has_value()) {
    const std::uint64_t have = (*inst)->version;
    if (m->version < have)
      return Status(Errc::invalid_argument, src + ": rollback refused: version " + std::to_string(m->version) +
                                                " is older than the installed version " + std::to_string(have));
    if (m->version == have)
      return Status(Errc::invalid_argument, src + ": version " + std::to_string(have) +
                                                " is installed with other content; a new publish must raise the version");
  }
  auto pend_raw = raw(paths_.pending(), "pending manifest");
  if (!pend_raw.ok()) return pend_raw.status();
  if (pend_raw->has_value() && **pend_raw == text) return OfferResult::pending_already;
  auto pend = pending();
  if (pend.ok() && pend->has_value() && m->version <= (*pend)->version)
    return Status(Errc::invalid_argument, src + ": rollback refused: version " + std::to_string(m->version) +
                                              " is not newer than the version " + std::to_string((*pend)->version) +
                                              " being downloaded");
  if (Status s = prepare(); !s.ok()) return s;
  if (Status s = env_.write_atomic(paths_.pending(), text, WriteOptions{.mode = 0644}); !s.ok()) return s;
  return OfferResult::staged;
}

Result<bool> ContentStore::has_blob(const ChannelFile& f) const {
  auto st = env_.stat(paths_.blob(f.sha256));
  if (!st.ok()) return st.status();
  return st->has_value() && (*st)->regular && !(*st)->symlink && (*st)->size == f.size;
}

Result<std::vector<ChannelFile>> ContentStore::missing(const ChannelManifest& m) const {
  std::vector<ChannelFile> out;
  for (const ChannelFile& f : m.files()) {
    auto have = has_blob(f);
    if (!have.ok()) return have.status();
    if (!*have) out.push_back(f);
  }
  return out;
}

Result<std::uint64_t> ContentStore::partial_size(const ChannelFile& f) const {
  auto st = env_.stat(paths_.partial(f.sha256));
  if (!st.ok()) return st.status();
  if (!st->has_value()) return std::uint64_t{0};
  if (!(*st)->regular || (*st)->symlink) {
    return Status(Errc::corrupt, paths_.partial(f.sha256).string() + ": not a regular file");
  }
  return (*st)->size;
}

Status ContentStore::append_partial(const ChannelFile& f, std::span<const std::uint8_t> bytes) {
  return env_.append(paths_.partial(f.sha256),
                     std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

Status ContentStore::drop_partial(const ChannelFile& f) { return env_.remove(paths_.partial(f.sha256)); }

Status ContentStore::commit_partial(const ChannelFile& f) {
  const fs::path part = paths_.partial(f.sha256);
  auto size = partial_size(f);
  if (!size.ok()) return size.status();
  if (*size != f.size) {
    (void)drop_partial(f);
    return Status(Errc::corrupt, f.name + " (" + f.sha256.substr(0, 12) + "): " + std::to_string(*size) +
                                     " bytes, the manifest says " + std::to_string(f.size));
  }
  auto hash = sha256_file(env_, part, "partial file");
  if (!hash.ok()) return hash.status();
  if (*hash != f.sha256) {
    (void)drop_partial(f);
    return Status(Errc::corrupt, f.name + " (" + f.sha256.substr(0, 12) + "): sha256 differs (got " +
                                     hash->substr(0, 12) + "); deleted");
  }
  return env_.rename(part, paths_.blob(f.sha256));
}

Result<bool> ContentStore::install_pending() {
  auto pend = pending();
  if (!pend.ok()) return pend.status();
  if (!pend->has_value()) return false;
  auto miss = missing(**pend);
  if (!miss.ok()) return miss.status();
  if (!miss->empty()) return false;
  if (Status s = env_.rename(paths_.pending(), paths_.manifest()); !s.ok()) return s;
  if (auto gc = collect_garbage(); !gc.ok()) return gc.status();
  return true;
}

Result<std::uint64_t> ContentStore::collect_garbage() {
  std::set<std::string> keep_blobs, keep_partial;
  auto inst = installed();
  if (!inst.ok()) return inst.status();  // never delete what an unreadable manifest may name
  if (inst->has_value())
    for (const ChannelFile& f : (*inst)->files()) keep_blobs.insert(f.sha256);
  auto pend = pending();
  if (pend.ok() && pend->has_value())
    for (const ChannelFile& f : (*pend)->files()) keep_blobs.insert(f.sha256), keep_partial.insert(f.sha256);
  std::uint64_t removed = 0;
  auto sweep = [&](const fs::path& dir, const std::set<std::string>& keep) -> Status {
    auto names = env_.list(dir);
    if (!names.ok()) return names.status().code() == Errc::not_found ? Status::Ok() : names.status();
    for (const std::string& n : *names) {
      if (keep.count(n) > 0) continue;
      if (Status s = env_.remove(dir / n); !s.ok()) return s;
      ++removed;
    }
    return Status::Ok();
  };
  if (Status s = sweep(paths_.blobs(), keep_blobs); !s.ok()) return s;
  if (Status s = sweep(paths_.partial_dir(), keep_partial); !s.ok()) return s;
  return removed;
}

Result<std::vector<std::string>> ContentStore::verify(
    const std::function<void(std::uint64_t, std::uint64_t)>& progress) const {
  auto inst = installed();
  if (!inst.ok()) return inst.status();
  std::vector<std::string> problems;
  if (!inst->has_value()) return problems;
  const ChannelManifest& m = **inst;
  const std::uint64_t total = m.total_bytes();
  std::uint64_t done = 0;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < m.items.size(); ++i) {
    const ChannelItem& it = m.items[i];
    std::vector<std::pair<std::string, const ChannelFile*>> files{{"video", &it.video}, {"thumbnail", &it.thumbnail}};
    for (const auto& [lang, c] : it.captions) files.emplace_back("captions " + lang, &c);
    for (const auto& [role, f] : files) {
      const std::string who = "items[" + std::to_string(i) + "] '" + it.id + "' " + role + " " + f->name;
      auto have = has_blob(*f);
      if (!have.ok()) return have.status();
      if (!*have) {
        problems.push_back(who + ": missing or of the wrong size");
      } else if (seen.insert(f->sha256).second) {
        auto hash = sha256_file(env_, paths_.blob(f->sha256), "content file");
        if (!hash.ok()) problems.push_back(who + ": " + hash.status().message());
        else if (*hash != f->sha256) problems.push_back(who + ": sha256 differs");
        done += f->size;
        if (progress) progress(done, total);
      }
    }
  }
  return problems;
}

std::string content_status_json(const ContentStatus& s) {
  return nlohmann::ordered_json{{"v", 1},
                                {"state", s.state},
                                {"installed_version", s.installed_version},
                                {"pending_version", s.pending_version},
                                {"bytes_done", s.bytes_done},
                                {"bytes_total", s.bytes_total},
                                {"reason", s.reason},
                                {"refetched_bytes", s.refetched_bytes},
                                {"updated_ms", s.updated_ms}}
      .dump();
}

Result<ContentStatus> parse_content_status(std::string_view text, std::string_view source) {
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  const std::string src(source);
  if (j.is_discarded() || !j.is_object()) return Status(Errc::corrupt, src + ": not a JSON object");
  ContentStatus s;
  try {
    if (j.at("v").get<int>() != 1) return Status(Errc::corrupt, src + ": unknown version");
    s.state = j.at("state").get<std::string>();
    s.installed_version = j.at("installed_version").get<std::uint64_t>();
    s.pending_version = j.at("pending_version").get<std::uint64_t>();
    s.bytes_done = j.at("bytes_done").get<std::uint64_t>();
    s.bytes_total = j.at("bytes_total").get<std::uint64_t>();
    s.reason = j.at("reason").get<std::string>();
    s.refetched_bytes = j.at("refetched_bytes").get<std::uint64_t>();
    s.updated_ms = j.at("updated_ms").get<std::int64_t>();
  } catch (const nlohmann::json::exception& e) {
    return Status(Errc::corrupt, src + ": " + e.what());
  }
  return s;
}

Status write_content_status(Env& env, const ContentPaths& paths, const ContentStatus& s) {
  if (Status d = env.create_dirs(paths.root); !d.ok()) return d;
  return env.write_atomic(paths.status(), content_status_json(s), WriteOptions{.mode = 0644});
}

Result<std::optional<ContentStatus>> read_content_status(Env& env, const ContentPaths& paths) {
  auto st = env.stat(paths.status());
  if (!st.ok()) return st.status();
  if (!st->has_value()) return std::optional<ContentStatus>();
  auto text = env.read(paths.status(), 1 << 16, "content status");
  if (!text.ok()) return text.status();
  auto s = parse_content_status(*text, paths.status().string());
  if (!s.ok()) return s.status();
  return std::optional<ContentStatus>(std::move(*s));
}

Result<ImportReport> import_channel(ContentStore& store, const fs::path& from,
                                    const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  Env& env = store.env();
  const fs::path mf = from / "manifest.json";
  auto bytes = env.read(mf, kMaxManifestBytes + 4096, "channel manifest");
  if (!bytes.ok()) return bytes.status();
  auto offered = store.offer(as_bytes(*bytes), mf.string());
  if (!offered.ok()) return offered.status();
  ImportReport rep;
  rep.offer = *offered;
  auto pend = store.pending();
  if (!pend.ok()) return pend.status();
  if (*offered == OfferResult::installed_already || !pend->has_value()) {
    auto inst = store.installed();
    if (!inst.ok()) return inst.status();
    rep.version = inst->has_value() ? (*inst)->version : 0;
    return rep;
  }
  const ChannelManifest& man = **pend;
  rep.version = man.version;
  auto miss = store.missing(man);
  if (!miss.ok()) return miss.status();
  std::uint64_t total = 0, done = 0;
  for (const ChannelFile& f : *miss) total += f.size;
  for (const ChannelFile& f : *miss) {
    if (Status s = store.drop_partial(f); !s.ok()) return s;
    if (Status s = store.check_space(f.size); !s.ok()) return s;
    const fs::path src = from / "blobs" / f.sha256;
    auto st = env.stat(src);
    if (!st.ok()) return st.status();
    if (!st->has_value()) return Status(Errc::not_found, src.string() + ": missing (" + f.name + ")");
    if ((*st)->size != f.size)
      return Status(Errc::corrupt, src.string() + ": " + std::to_string((*st)->size) + " bytes, the manifest says " +
                                       std::to_string(f.size) + " (" + f.name + ")");
    std::string buf;
    Status write = Status::Ok();
    auto flush = [&] {
      if (buf.empty() || !write.ok()) return;
      write = store.append_partial(f, as_bytes(buf));
      done += buf.size();
      buf.clear();
      if (progress) progress(done, total);
    };
    Status rd = env.read_stream(src, "channel file", [&](std::span<const std::uint8_t> chunk) {
      buf.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
      if (buf.size() >= (1u << 20)) flush();
      return write.ok();
    });
    flush();
    if (!rd.ok()) return rd;
    if (!write.ok()) return write;
    if (Status s = store.commit_partial(f); !s.ok()) return Status(s.code(), src.string() + ": " + s.message());
    ++rep.files_copied;
    rep.bytes_copied += f.size;
  }
  auto inst = store.install_pending();
  if (!inst.ok()) return inst.status();
  rep.installed = *inst;
  return rep;
}

}  // namespace outpost::sync
