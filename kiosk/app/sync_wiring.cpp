#include "kiosk/app/sync_wiring.h"

#include <fstream>
#include <optional>

#include "kiosk/file_read.h"
#include "sync/transport_curl.h"
#include "sync/transport_file.h"

namespace outpost::app {

Result<std::unique_ptr<sync::Transport>> open_transport(const SiteConfig& config, const std::string& url) {
  if (url.empty()) return Status(Errc::invalid_config, "clinic.server: not set (where should bundles go?)");
  if (url.starts_with("file://")) {
    auto t = sync::FileTransport::create(url.substr(7));
    if (!t.ok()) return t.status();
    return std::unique_ptr<sync::Transport>(std::move(t.value()));
  }
  sync::CurlTransportOptions o;
  o.base_url = url;
  o.ca_file = config.clinic.ca_file.string();
  o.pinned_public_key = config.clinic.pinned_public_key;
  o.client_cert = config.clinic.client_cert.string();
  o.client_key = config.clinic.client_key.string();
  o.max_send_rate = config.sync.max_rate;
  o.low_speed_time_s = static_cast<long>(config.sync.stall_timeout_s);
  if (!config.clinic.bearer_token_file.empty()) {
    auto text = read_file_checked(config.clinic.bearer_token_file, 64 << 10, "bearer token file");
    if (!text.ok())
      return Status(Errc::invalid_config, "clinic.bearer_token_file: " + text.status().message());
    std::string token = text->substr(0, text->find('\n'));
    if (!token.empty() && token.back() == '\r') token.pop_back();
    if (token.empty()) {
      return Status(Errc::invalid_config,
                    "clinic.bearer_token_file: " + config.clinic.bearer_token_file.string() +
                        ": no token on the first line");
    }
    o.bearer_token = token;
  }
  auto t = sync::CurlTransport::create(std::move(o));
  if (!t.ok()) return t.status();
  return std::unique_ptr<sync::Transport>(std::move(t.value()));
}

Result<sync::SigningSecretKey> load_kiosk_key(const SiteConfig& config) {
  if (config.clinic.kiosk_key_file.empty()) {
    return Status(Errc::invalid_config, "clinic.kiosk_key_file: not set (the kiosk's signing key from enrollment)");
  }
  auto key = sync::load_key<sync::SigningSecretKey>(config.clinic.kiosk_key_file);
  if (!key.ok()) return Status(key.status().code(), "clinic.kiosk_key_file: " + key.status().message());
  std::optional<sync::SigningPublicKey> enrolled;
  if (!config.clinic.kiosk_public_key.empty()) {
    auto pk = sync::key_from_base64<sync::SigningPublicKey>(config.clinic.kiosk_public_key, "clinic.kiosk_public_key");
    if (!pk.ok()) return pk.status();
    enrolled = *pk;
  }
  if (Status s = sync::check_kiosk_key(*key, enrolled ? &*enrolled : nullptr); !s.ok()) {
    return Status(s.code(), config.clinic.kiosk_key_file.string() + ": " + s.message());
  }
  return key;
}

Result<sync::SyncOptions> sync_options(const SiteConfig& config, const sync::SigningSecretKey& key) {
  sync::SyncOptions o;
  o.kiosk_id = config.kiosk_id;
  o.kiosk_key = key;
  o.sizes.max_bytes = config.sync.bundle_max_bytes;
  o.max_send_rate = config.sync.max_rate;
  if (!config.clinic.signing_public_key.empty()) {
    auto pk = sync::key_from_base64<sync::SigningPublicKey>(config.clinic.signing_public_key, "clinic.signing_public_key");
    if (!pk.ok()) return pk.status();
    o.clinic_signing_key = *pk;
  }
  o.bulk_windows = config.sync.bulk_windows;
  return o;
}

}  // namespace outpost::app
