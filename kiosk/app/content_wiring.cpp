#include "kiosk/app/content_wiring.h"

#include <algorithm>

#include "sync/keys.h"

namespace outpost::app {

Result<sync::SigningPublicKey> clinic_signing_key(const SiteConfig& config) {
  if (config.clinic.signing_public_key.empty())
    return Status(Errc::invalid_config,
                  "clinic.signing_public_key is not set: the kiosk cannot check what the clinic publishes");
  auto key = sync::key_from_base64<sync::SigningPublicKey>(config.clinic.signing_public_key,
                                                           "clinic.signing_public_key");
  if (!key.ok()) return Status(Errc::invalid_config, key.status().message());
  return *key;
}

Result<std::unique_ptr<sync::ContentStore>> open_content_store(const SiteConfig& config, Env& env) {
  if (!sync::crypto_init()) return Status(Errc::internal, "libsodium failed to initialise");
  auto key = clinic_signing_key(config);
  if (!key.ok()) return key.status();
  auto store = std::make_unique<sync::ContentStore>(env, config.data_dir, *key, config.content.channel);
  store->set_reserve_bytes(config.content.reserve_bytes);
  return store;
}

Status record_content_status(sync::ContentStore& store, const Status& outcome) {
  sync::ContentStatus st;
  auto old = sync::read_content_status(store.env(), store.paths());
  if (old.ok() && old->has_value()) st = **old;
  auto inst = store.installed();
  auto pend = store.pending();
  st.installed_version = inst.ok() && inst->has_value() ? (*inst)->version : 0;
  st.pending_version = pend.ok() && pend->has_value() ? (*pend)->version : 0;
  st.state = outcome.ok() ? (st.pending_version ? "downloading" : "installed") : "failed";
  st.reason = outcome.ok() ? "" : outcome.message();
  st.updated_ms = store.env().now_ms();
  return sync::write_content_status(store.env(), store.paths(), st);
}

Result<ContentSummary> content_summary(const SiteConfig& config) {
  auto store = open_content_store(config);
  if (!store.ok()) return store.status();
  ContentSummary c;
  c.channel = config.content.channel;
  auto inst = (*store)->installed();
  if (!inst.ok()) c.library_error = inst.status().message();
  else if (inst->has_value()) c.installed = std::move(**inst);
  if (c.channel.empty() && c.installed) c.channel = c.installed->channel;
  auto st = sync::read_content_status((*store)->env(), (*store)->paths());
  if (st.ok() && st->has_value()) c.status = **st;
  else if (!st.ok()) c.status.reason = st.status().message();
  return c;
}

Result<std::vector<std::string>> decode_library(const sync::ContentStore& store, const DecodeCheck& decode,
                                                const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  auto inst = store.installed();
  if (!inst.ok()) return inst.status();
  std::vector<std::string> problems;
  if (!inst->has_value()) return problems;
  const auto& items = (*inst)->items;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (Status s = decode(store.paths().blob(items[i].video.sha256)); !s.ok())
      problems.push_back("items[" + std::to_string(i) + "] '" + items[i].id + "' video " + items[i].video.name +
                         ": " + s.message());
    if (progress) progress(i + 1, items.size());
  }
  return problems;
}

Library to_library(const sync::ChannelManifest& m, const sync::ContentPaths& paths) {
  Library lib;
  lib.channel = m.channel;
  lib.version = m.version;
  lib.default_language = m.default_language;
  for (const sync::ChannelItem& it : m.items) {
    LibraryItem li;
    li.id = it.id;
    li.topic = it.topic;
    li.title = it.title;
    li.description = it.description;
    li.duration_ms = it.duration_ms;
    li.video = paths.blob(it.video.sha256);
    li.thumbnail = paths.blob(it.thumbnail.sha256);
    for (const auto& [lang, f] : it.captions) li.captions[lang] = paths.blob(f.sha256);
    lib.items.push_back(std::move(li));
  }
  const auto rank = [](const std::string& topic) {
    const auto* end = std::end(sync::kChannelTopics);
    return std::find(std::begin(sync::kChannelTopics), end, topic) - std::begin(sync::kChannelTopics);
  };
  std::vector<std::int64_t> order;
  for (const auto& it : m.items) order.push_back(it.order);
  std::vector<std::size_t> idx(lib.items.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
    const auto& x = lib.items[a];
    const auto& y = lib.items[b];
    if (rank(x.topic) != rank(y.topic)) return rank(x.topic) < rank(y.topic);
    if (order[a] != order[b]) return order[a] < order[b];
    return x.id < y.id;
  });
  std::vector<LibraryItem> sorted;
  for (std::size_t i : idx) sorted.push_back(std::move(lib.items[i]));
  lib.items = std::move(sorted);
  return lib;
}

std::shared_ptr<const Library> LibraryReader::current() {
  auto st = store_->env().stat(store_->paths().manifest());
  if (!st.ok() || !st->has_value()) {
    library_.reset();
    problem_ = st.ok() ? "" : st.status().message();
    seen_size_ = seen_mtime_ms_ = -1;
    return library_;
  }
  const auto size = static_cast<std::int64_t>((*st)->size);
  if (size == seen_size_ && (*st)->mtime_ms == seen_mtime_ms_) return library_;
  seen_size_ = size;
  seen_mtime_ms_ = (*st)->mtime_ms;
  auto inst = store_->installed();
  if (!inst.ok()) {
    library_.reset();
    problem_ = inst.status().message();
  } else if (!inst->has_value()) {
    library_.reset();
    problem_.clear();
  } else {
    library_ = std::make_shared<const Library>(to_library(**inst, store_->paths()));
    problem_.clear();
  }
  return library_;
}

}  // namespace outpost::app
