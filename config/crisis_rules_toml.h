// The crisis rules file (docs/design.md, "Questionnaire profile", Crisis
// rules; the shipped one is config/crisis-rules.toml): TOML v1.0, one
// [[rule]] table per rule. Parsing is strict, as for the site config: an
// unknown key or table is an error naming it, and so is a rule that could
// match in two ways or none.
#pragma once

#include <filesystem>
#include <string_view>

#include "config/site_config.h"
#include "kiosk/crisis_rules.h"
#include "kiosk/result.h"

namespace outpost {

// Errors are Errc::invalid_config and read "<source>:<line>: <key>: <what>",
// e.g. "crisis-rules.toml:7: rule[1].at_or_abve: unknown key". Each rule's
// `where` is "<source>:<line>".
Result<CrisisRules> parse_crisis_rules(std::string_view toml_text, std::string_view source);

// Reads and parses `file` (read_file_checked: a missing, empty or oversized
// file is an error naming it, never "no rules").
inline constexpr std::size_t kMaxCrisisRulesBytes = 1 << 20;
Result<CrisisRules> load_crisis_rules(const std::filesystem::path& file);

// The rules file a site uses: config.crisis_rules_file, or `shipped_file`
// when the config names none.
std::filesystem::path crisis_rules_file(const SiteConfig& config, const std::filesystem::path& shipped_file);

}  // namespace outpost
