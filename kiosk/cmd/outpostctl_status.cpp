// outpostctl status: the outbox at a glance (queued records by priority,
// oldest queued age, bytes queued, last bundle made). Also the shared way
// outpostctl commands open the site config and the kiosk's outbox.
#include <sys/stat.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "kiosk/cmd/outpostctl_commands.h"
#include "kiosk/cmd/shipped_data.h"
#include "kiosk/file_read.h"
#include "kiosk/terminal_text.h"

namespace outpost::ctl {

namespace {
constexpr const char* kDefaultConfig = "/etc/outpost/outpost.toml";

std::string format_age(std::int64_t ms) {
  if (ms < 0) ms = 0;
  std::int64_t s = ms / 1000;
  if (s < 120) return std::to_string(s) + " s";
  if (s < 7200) return std::to_string(s / 60) + " min";
  if (s < 2 * 86400) return std::to_string(s / 3600) + " h " + std::to_string(s / 60 % 60) + " min";
  return std::to_string(s / 86400) + " days";
}

std::int64_t now_ms() { return SystemClock().wall_ms(); }

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
  std::int64_t now = now_ms();
  if (as_json) {
    nlohmann::json by = nlohmann::json::object();
    for (auto p : {sync::Priority::crisis, sync::Priority::clinical, sync::Priority::event, sync::Priority::audit}) {
      auto it = st->queued_by_priority.find(p);
      by[sync::priority_name(p)] = it == st->queued_by_priority.end() ? 0 : it->second;
    }
    nlohmann::json j = {{"queued", st->queued},
                        {"queued_by_priority", by},
                        {"queued_bytes", st->queued_bytes},
                        {"oldest_queued_age_s", nullptr},
                        {"in_bundle", st->in_bundle},
                        {"acknowledged", st->acknowledged},
                        {"last_bundle", nullptr}};
    if (st->oldest_queued_ms) j["oldest_queued_age_s"] = std::max<std::int64_t>(0, (now - *st->oldest_queued_ms) / 1000);
    if (st->last_bundle) {
      j["last_bundle"] = {{"seq", st->last_bundle->seq},
                          {"created", format_utc(st->last_bundle->created_ms)},
                          {"records", st->last_bundle->record_count},
                          {"acknowledged", st->last_bundle->acknowledged}};
    }
    std::cout << j.dump(2) << "\n";
    return 0;
  }
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
  std::cout << "in bundles awaiting the clinic: " << st->in_bundle << " records\n";
  if (st->last_bundle) {
    std::cout << "last bundle: #" << st->last_bundle->seq << ", " << st->last_bundle->record_count << " records, made "
              << format_utc(st->last_bundle->created_ms)
              << (st->last_bundle->acknowledged ? ", acknowledged" : ", not yet acknowledged") << "\n";
  } else {
    std::cout << "last bundle: none yet\n";
  }
  return 0;
}
}  // namespace

std::string format_utc(std::int64_t wall_ms) {
  std::time_t t = static_cast<std::time_t>(wall_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<SiteConfig> load_config(const CommonOptions& common) {
  Result<SiteConfig> config = default_site_config();
  if (!common.config_file.empty()) {
    config = load_site_config(common.config_file);
  } else if (path_may_exist(kDefaultConfig)) {
    config = load_site_config(kDefaultConfig);
  }
  if (config.ok() && !common.data_dir.empty()) config->data_dir = common.data_dir;
  return config;
}

std::filesystem::path dictionary_dir() { return shipped_config_dir() / "dictionaries"; }

Result<std::unique_ptr<sync::KioskOutbox>> open_kiosk_outbox(const CommonOptions& common) {
  auto config = load_config(common);
  if (!config.ok()) return config.status();
  return sync::KioskOutbox::open({config->data_dir, config->clinic.sealing_public_key, dictionary_dir()});
}

void register_status(CLI::App& app, CommonOptions& common, int& exit_code) {
  auto as_json = std::make_shared<bool>(false);
  auto* status = app.add_subcommand("status", "outbox: queued records, oldest age, bytes, last bundle");
  status->add_flag("--json", *as_json, "print JSON");
  status->callback([&common, &exit_code, as_json] { exit_code = run_status(common, *as_json); });
}

}  // namespace outpost::ctl
