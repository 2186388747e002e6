// SiteConfig: one kiosk's settings, read from outpost.toml
// (docs/design.md, "Site config"). Every program takes --config FILE and
// --data-dir DIR; the command line wins over the file.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/questionnaire.h"
#include "kiosk/result.h"
#include "kiosk/session.h"

namespace outpost {

struct CrisisLine {
  LocalizedText label;  // "National crisis line"
  std::string number;   // "988"
};

struct CrisisResources {
  LocalizedText heading;  // "You are not alone"
  LocalizedText message;  // "Please tell the staff at the desk now."
  std::vector<CrisisLine> lines;
};

struct SiteConfig {
  std::string kiosk_id = "demo-kiosk";
  std::string site_name = "Outpost demo site";
  std::filesystem::path data_dir = "/var/lib/outpost";
  // Questionnaires making up one check-in, in order; relative paths are
  // resolved against questionnaire_dir.
  std::filesystem::path questionnaire_dir;
  std::vector<std::string> checkin{"phq-9.json", "gad-7.json"};
  SessionConfig session;
  CrisisResources crisis;
};

// The built-in defaults: demo site, English and Spanish, crisis text present.
SiteConfig default_site_config();

// Parses TOML text over the defaults. Errors are Errc::invalid_config and
// name the source, key and what is wrong.
Result<SiteConfig> parse_site_config(std::string_view toml_text, std::string_view source);
Result<SiteConfig> load_site_config(const std::filesystem::path& file);

}  // namespace outpost
