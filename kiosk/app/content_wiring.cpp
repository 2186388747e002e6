#include "kiosk/app/content_wiring.h"

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

}  // namespace outpost::app
