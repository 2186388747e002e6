// Wiring shared by outpost-syncd and `outpostctl export`: the site config's
// [clinic] and [sync] tables turned into a Transport, the kiosk's signing
// key and SyncOptions (docs/design.md, "Sync protocol").
#pragma once

#include <memory>
#include <string>

#include "config/site_config.h"
#include "sync/sync_loop.h"
#include "sync/transport.h"

namespace outpost::app {

// `url` is file:///path (a folder: USB stick, share) or https://host[:port].
// HTTPS uses clinic.ca_file / pinned_public_key / client_cert / client_key /
// bearer_token_file. Errc::invalid_config names the key that is wrong.
Result<std::unique_ptr<sync::Transport>> open_transport(const SiteConfig& config, const std::string& url);

// clinic.kiosk_key_file, read and checked: its halves must match and it
// must be the key enrolled (clinic.kiosk_public_key, when set).
Result<sync::SigningSecretKey> load_kiosk_key(const SiteConfig& config);

// SyncOptions from [kiosk].id and [sync].
Result<sync::SyncOptions> sync_options(const SiteConfig& config, const sync::SigningSecretKey& key);

}  // namespace outpost::app
