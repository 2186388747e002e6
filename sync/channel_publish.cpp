#include "sync/channel_publish.h"

#include <sodium.h>

#include <set>

#include "sync/content_store.h"

namespace outpost::sync {
namespace fs = std::filesystem;
namespace {

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

Status named(const fs::path& file, const Status& s) {
  return Status(s.code(), file.string() + ": " + s.message());
}

// Hashes `file` and copies it to OUT/blobs/<sha256> unless it is there.
Result<ChannelFile> add_blob(Env& env, const fs::path& file, const fs::path& blobs, std::uint64_t max_size,
                             std::uint64_t& written) {
  auto st = env.stat(file);
  if (!st.ok()) return st.status();
  if (!st->has_value() || !(*st)->regular) return Status(Errc::not_found, file.string() + ": not a regular file");
  if ((*st)->size == 0) return Status(Errc::invalid_argument, file.string() + ": is empty");
  if ((*st)->size > max_size)
    return Status(Errc::invalid_argument, file.string() + ": larger than " + std::to_string(max_size) + " bytes");
  auto sha = sha256_file(env, file, "content file");
  if (!sha.ok()) return sha.status();
  ChannelFile f{file.filename().string(), *sha, (*st)->size};
  if (!plain_file_name(f.name)) return Status(Errc::invalid_argument, file.string() + ": not a plain file name");
  const fs::path target = blobs / f.sha256;
  auto there = env.stat(target);
  if (!there.ok()) return there.status();
  if (there->has_value() && (*there)->size == f.size) return f;
  const fs::path temp = blobs / (".tmp-" + f.sha256);
  (void)env.remove(temp);
  Status copy = Status::Ok();
  Status rd = env.read_stream(file, "content file", [&](std::span<const std::uint8_t> chunk) {
    copy = env.append(temp, std::string_view(reinterpret_cast<const char*>(chunk.data()), chunk.size()), 0644);
    return copy.ok();
  });
  if (rd.ok() && copy.ok()) copy = env.rename(temp, target);
  if (!rd.ok() || !copy.ok()) {
    (void)env.remove(temp);
    return rd.ok() ? copy : rd;
  }
  ++written;
  return f;
}

}  // namespace

Result<PublishReport> publish_channel(Env& env, const ContentSource& source, const std::string& channel,
                                      const fs::path& out, const SigningKeyPair& clinic, const PublishChecks& checks,
                                      const std::string& published_utc) {
  if (!valid_channel_name(channel))
    return Status(Errc::invalid_argument, "channel '" + channel + "' must be 1-64 of a-z 0-9 -");
  PublishReport rep;
  ChannelManifest& m = rep.manifest;
  m.channel = channel;
  m.published = published_utc;
  m.default_language = source.default_language;
  m.title = source.title;
  m.version = 1;

  // The version before this one, signed by this clinic.
  std::optional<ChannelManifest> previous;
  const fs::path manifest_file = out / "manifest.json";
  auto prev_st = env.stat(manifest_file);
  if (!prev_st.ok()) return prev_st.status();
  if (prev_st->has_value()) {
    auto bytes = env.read(manifest_file, kMaxManifestBytes + 4096, "published manifest");
    if (!bytes.ok()) return bytes.status();
    auto prev = open_manifest(as_bytes(*bytes), clinic.pk, manifest_file.string());
    if (!prev.ok()) return Status(prev.status().code(), prev.status().message() +
                                                            " (refusing to publish over a manifest this clinic did not sign)");
    if (prev->channel != channel)
      return Status(Errc::invalid_argument, manifest_file.string() + ": holds channel '" + prev->channel + "', not '" +
                                                channel + "'");
    m.version = prev->version + 1;
    previous = std::move(*prev);
  }

  // The schedule, checked as a kiosk will before any file is written.
  for (const ContentSourceSession& src : source.sessions) {
    GroupSession g;
    g.id = src.id;
    g.kind = src.kind;
    g.title = src.title;
    g.start = src.start;
    g.end = src.end;
    g.server = src.server;
    g.room = src.room > 0 ? static_cast<std::uint64_t>(src.room) : 0;
    g.pin = src.pin;
    if (!src.patients.empty()) {
      unsigned char salt[16];
      randombytes_buf(salt, sizeof salt);
      char hex[2 * sizeof salt + 1];
      sodium_bin2hex(hex, sizeof hex, salt, sizeof salt);
      g.patients_salt = hex;
      for (const std::string& code : src.patients) {
        auto d = patient_code_digest(code, g.patients_salt);
        if (!d.ok()) return d.status();
        g.patients.push_back(std::move(*d));
      }
    }
    m.schedule.sessions.push_back(std::move(g));
  }
  if (!m.schedule.sessions.empty()) {
    auto checked = parse_manifest_body(manifest_body_json(m), source.schedule_file.string());
    if (!checked.ok()) return Status(Errc::invalid_argument, checked.status().message());
  }

  // The drop box's nginx reads what we write, whatever our umask.
  const fs::path blobs = out / "blobs";
  std::vector<fs::path> missing{blobs};
  for (fs::path d = out; !d.empty() && d != d.root_path(); d = d.parent_path()) {
    auto st = env.stat(d);
    if (!st.ok()) return st.status();
    if (st->has_value()) break;
    missing.push_back(d);
    if (!d.has_parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it)
    if (Status s = env.create_dir(*it, 0755); !s.ok()) return s;
  for (const ContentSourceItem& src : source.items) {
    ChannelItem it;
    it.id = src.id;
    it.topic = src.topic;
    it.order = src.order;
    it.title = src.title;
    it.description = src.description;
    if (!known_topic(src.topic)) {
      std::string topics;
      for (std::string_view t : kChannelTopics) topics.append(topics.empty() ? "" : ", ").append(t);
      return Status(Errc::invalid_argument,
                    src.metadata.string() + ": topic '" + src.topic + "' is not one of " + topics);
    }
    auto duration = checks.video(src.video);
    if (!duration.ok()) return named(src.video, duration.status());
    it.duration_ms = *duration;
    if (Status s = checks.thumbnail(src.thumbnail); !s.ok()) return named(src.thumbnail, s);
    for (const auto& [lang, file] : src.captions) {
      auto text = env.read(file, kMaxCaptionBytes, "caption file");
      if (!text.ok()) return text.status();
      if (Status s = checks.captions(*text, file); !s.ok()) return s;
    }
    auto v = add_blob(env, src.video, blobs, kMaxVideoBytes, rep.blobs_written);
    if (!v.ok()) return v.status();
    it.video = *v;
    auto t = add_blob(env, src.thumbnail, blobs, kMaxThumbnailBytes, rep.blobs_written);
    if (!t.ok()) return t.status();
    it.thumbnail = *t;
    for (const auto& [lang, file] : src.captions) {
      auto c = add_blob(env, file, blobs, kMaxCaptionBytes, rep.blobs_written);
      if (!c.ok()) return c.status();
      it.captions[lang] = *c;
    }
    m.items.push_back(std::move(it));
  }
  // What we sign must be what a kiosk accepts.
  const Bytes signed_bytes = sign_manifest(m, clinic.sk);
  auto check = open_manifest(signed_bytes, clinic.pk, "the new manifest");
  if (!check.ok()) return check.status();
  if (Status s = env.write_atomic(manifest_file, std::string(signed_bytes.begin(), signed_bytes.end()),
                                  WriteOptions{.mode = 0644, .newer_mtime = true});
      !s.ok())
    return s;

  // Kiosks still fetching the previous version may finish it.
  std::set<std::string> keep;
  for (const ChannelFile& f : m.files()) keep.insert(f.sha256);
  if (previous)
    for (const ChannelFile& f : previous->files()) keep.insert(f.sha256);
  auto names = env.list(blobs);
  if (!names.ok()) return names.status();
  for (const std::string& n : *names) {
    if (keep.count(n) > 0) continue;
    if (Status s = env.remove(blobs / n); !s.ok()) return s;
    ++rep.blobs_removed;
  }
  return rep;
}

}  // namespace outpost::sync
