// outpostctl status: the outbox at a glance (queued records by priority,
// oldest queued age, bytes queued, last bundle made). Also the shared way
// outpostctl commands open the site config and the kiosk's outbox.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include <CLI/CLI.hpp>

#include "kiosk/cmd/outpostctl_commands.h"
#include "kiosk/app/shipped_data.h"
#include "kiosk/app/sync_wiring.h"
#include "kiosk/file_read.h"
#include "kiosk/terminal_text.h"
#include "kiosk/utc_time.h"

namespace outpost::ctl {

namespace {

std::string format_age(std::int64_t ms) {
  if (ms < 0) ms = 0;
  std::int64_t s = ms / 1000;
  if (s < 120) return std::to_string(s) + " s";
  if (s < 7200) return std::to_string(s / 60) + " min";
  if (s < 2 * 86400) return std::to_string(s / 3600) + " h " + std::to_string(s / 60 % 60) + " min";
  return std::to_string(s / 86400) + " days";
}

std::int64_t now_ms() { return SystemClock().wall_ms(); }

// The kiosk key check staff see (docs/design.md, "Keys"): "" when fine.
std::string key_problem(const CommonOptions& common) {
  auto config = load_config(common);
  if (!config.ok()) return config.status().message();
  if (config->clinic.kiosk_key_file.empty()) return "";  // not enrolled: nothing to sync
  auto key = app::load_kiosk_key(*config);
  return key.ok() ? "" : key.status().message();
}

int run_status(const CommonOptions& common, bool as_json) {
  auto kiosk = open_kiosk_outbox(common);
  if (!kiosk.ok()) {
    std::cerr << "outpostctl: " << terminal_safe(kiosk.status().message()) << "\n";
    return 1;
  }
  auto st = (*kiosk)->outbox().stats();
  if (!st.ok()) {
    std::cerr << "outpostctl: " << terminal_safe(st.status().message()) << "\n";
    return 1;
  }
  const std::string key = key_problem(common);
  std::int64_t now = now_ms();
  if (as_json) {
    nlohmann::json by = nlohmann::json::object();
    for (auto p : {sync::Priority::crisis, sync::Priority::clinical, sync::Priority::event, sync::Priority::audit}) {
      auto it = st->queued_by_priority.find(p);
      by[sync::priority_name(p)] = it == st->queued_by_priority.end() ? 0 : it->second;
    }
    nlohmann::json j = {{"generation", sync::generation_hex(st->generation)},
                        {"queued", st->queued},
                        {"queued_by_priority", by},
                        {"queued_bytes", st->queued_bytes},
                        {"oldest_queued_age_s", nullptr},
                        {"in_bundle", st->in_bundle},
                        {"accepted", st->accepted},
                        {"oldest_accepted_age_s", nullptr},
                        {"confirmed", st->confirmed},
                        {"held", st->held},
                        {"crisis_unsaved", (*kiosk)->unsaved_crisis_alerts()},
                        {"confirmed_through", st->confirmed_through},
                        {"rejected_bundles", st->rejected_bundles},
                        {"last_rejection", nullptr},
                        {"last_receipt", nullptr},
                        {"key_problem", key.empty() ? nlohmann::json(nullptr) : nlohmann::json(key)},
                        {"last_bundle", nullptr}};
    if (st->oldest_queued_ms) j["oldest_queued_age_s"] = std::max<std::int64_t>(0, (now - *st->oldest_queued_ms) / 1000);
    if (st->oldest_accepted_ms)
      j["oldest_accepted_age_s"] = std::max<std::int64_t>(0, (now - *st->oldest_accepted_ms) / 1000);
    if (st->last_rejection) {
      j["last_rejection"] = {{"bundle", st->last_rejection->name}, {"reason", st->last_rejection->reason}};
    }
    if (st->last_receipt_ms) j["last_receipt"] = format_utc(*st->last_receipt_ms);
    if (st->last_bundle) {
      j["last_bundle"] = {{"seq", st->last_bundle->seq},
                          {"created", format_utc(st->last_bundle->created_ms)},
                          {"records", st->last_bundle->record_count},
                          {"state", sync::bundle_state_name(st->last_bundle->state)}};
    }
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return key.empty() ? 0 : 3;
  }
  if (!key.empty()) std::cout << "KIOSK KEY PROBLEM: " << key << "\n";
  std::cout << "queued: " << st->queued << " records, " << st->queued_bytes << " bytes";
  if (st->queued > 0) {
    std::cout << " (";
    bool first = true;
    for (const auto& [p, n] : st->queued_by_priority) {
      std::cout << (first ? "" : ", ") << sync::priority_name(p) << " " << n;
      first = false;
    }
    std::cout << ")";
  }
  std::cout << "\n";
  if (st->oldest_queued_ms) std::cout << "oldest queued: " << format_age(now - *st->oldest_queued_ms) << " ago\n";
  std::cout << "in bundles, not yet taken by the drop box: " << st->in_bundle << " records\n";
  std::cout << "taken by the drop box, awaiting the clinic's receipt: " << st->accepted << " records";
  if (st->oldest_accepted_ms) std::cout << " (oldest " << format_age(now - *st->oldest_accepted_ms) << " ago)";
  std::cout << "\n";
  std::cout << "confirmed by the clinic: " << st->confirmed << " records kept, bundles 1-" << st->confirmed_through
            << " all confirmed";
  if (st->last_receipt_ms) std::cout << "; last receipt " << format_utc(*st->last_receipt_ms);
  std::cout << "\n";
  if (st->rejected_bundles > 0) {
    std::cout << "rejected by the clinic: " << st->rejected_bundles << " bundles (their records are sent again)";
    if (st->last_rejection) std::cout << "; last: " << st->last_rejection->name << ": " << st->last_rejection->reason;
    std::cout << "\n";
  }
  if (const std::size_t n = (*kiosk)->unsaved_crisis_alerts(); n > 0) {
    std::cout << "CRISIS ALERTS NOT IN THE OUTBOX: " << n
              << " (storage problem; kept in crisis-pending/ and retried): free disk space, call the clinic\n";
  }
  if (!(*kiosk)->crisis_slot_problem().empty())
    std::cout << "warning: crisis alerts cannot be kept across a restart: "
              << terminal_safe((*kiosk)->crisis_slot_problem()) << "\n";
  if (st->held > 0) {
    std::cout << "HELD: " << st->held << " records rejected by the clinic " << sync::kMaxRejections
              << " times; they are kept, not sent again: call the clinic\n";
  }
  if (st->last_bundle) {
    std::cout << "last bundle: #" << st->last_bundle->seq << ", " << st->last_bundle->record_count << " records, made "
              << format_utc(st->last_bundle->created_ms) << ", " << sync::bundle_state_name(st->last_bundle->state)
              << "\n";
  } else {
    std::cout << "last bundle: none yet\n";
  }
  return key.empty() ? 0 : 3;
}
}  // namespace

Result<SiteConfig> load_config(const CommonOptions& common) {
  auto loaded = load_program_config(common.config_file, common.data_dir);
  if (!loaded.ok()) return loaded.status();
  return std::move(loaded->config);
}

std::filesystem::path dictionary_dir() { return app::shipped_config_dir() / "dictionaries"; }

Result<std::unique_ptr<sync::KioskOutbox>> open_kiosk_outbox(const CommonOptions& common) {
  auto config = load_config(common);
  if (!config.ok()) return config.status();
  return sync::KioskOutbox::open({config->kiosk_id, config->data_dir, config->clinic.sealing_public_key, dictionary_dir()});
}

void register_status(CLI::App& app, CommonOptions& common, int& exit_code) {
  auto as_json = std::make_shared<bool>(false);
  auto* status = app.add_subcommand("status", "outbox: queued records, oldest age, bytes, last bundle");
  status->add_flag("--json", *as_json, "print JSON");
  status->callback([&common, &exit_code, as_json] { exit_code = run_status(common, *as_json); });
}

}  // namespace outpost::ctl
