// A small channel for the content tests: files made of known bytes, a
// manifest naming them, and the clinic key that signs it.
#pragma once

#include <map>
#include <string>

#include <doctest/doctest.h>

#include "kiosk/env.h"
#include "sync/channel.h"
#include "sync/content_store.h"
#include "sync/keys.h"

namespace outpost::test {

struct TestChannel {
  sync::SigningKeyPair clinic = sync::generate_signing_keys();
  sync::ChannelManifest manifest;
  std::map<std::string, std::string> blobs;  // sha256 -> bytes

  sync::ChannelFile add_blob(const std::string& name, const std::string& bytes) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(bytes.data());
    sync::ChannelFile f{name, sync::sha256_hex({p, bytes.size()}), bytes.size()};
    blobs[f.sha256] = bytes;
    return f;
  }
  // An item whose video is `video_bytes` (captions and thumbnail derived from the id).
  sync::ChannelItem& add_item(const std::string& id, const std::string& video_bytes) {
    sync::ChannelItem it;
    it.id = id;
    it.topic = "sleep";
    it.title = {{"en", "Title " + id}, {"es", "Título " + id}};
    it.duration_ms = 1000;
    it.video = add_blob("video.webm", video_bytes);
    it.captions["en"] = add_blob("captions.en.vtt", "WEBVTT\n\n00:00.000 --> 00:01.000\n" + id + "\n");
    it.thumbnail = add_blob("thumbnail.png", "png of " + id);
    manifest.items.push_back(it);
    return manifest.items.back();
  }
  explicit TestChannel(std::uint64_t version = 1) {
    manifest.channel = "skills";
    manifest.version = version;
    manifest.published = "2026-12-03T10:00:00Z";
    manifest.default_language = "en";
  }
  sync::Bytes signed_bytes() const { return sync::sign_manifest(manifest, clinic.sk); }
  std::string signed_text() const {
    const sync::Bytes b = signed_bytes();
    return std::string(b.begin(), b.end());
  }
  // The channel folder as publish writes it: DIR/manifest.json, DIR/blobs/<sha256>.
  void write_folder(Env& env, const std::filesystem::path& dir) const {
    REQUIRE(env.create_dirs(dir / "blobs").ok());
    for (const auto& [sha, bytes] : blobs) REQUIRE(env.write_atomic(dir / "blobs" / sha, bytes).ok());
    REQUIRE(env.write_atomic(dir / "manifest.json", signed_text()).ok());
  }
};

}  // namespace outpost::test
