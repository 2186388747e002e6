#include "config/site_config.h"

#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "config/toml_errors.h"
#include "kiosk/file_read.h"
#include "kiosk/kiosk_id.h"

namespace outpost {

SiteConfig default_site_config() {
  SiteConfig c;
  c.session.languages = {"en", "es"};
  c.session.allow_anonymous = true;
  c.crisis.heading = {"You are not alone", {{"es", "No está solo"}}};
  c.crisis.message = {"Please tell the staff at the desk now.",
                      {{"es", "Por favor, avise ahora al personal en el mostrador."}}};
  c.crisis.lines = {
      {{"Suicide and Crisis Lifeline (call or text)", {{"es", "Línea de Prevención del Suicidio y Crisis (llame o envíe un texto)"}}}, "988"},
      {{"Emergency", {{"es", "Emergencias"}}}, "911"},
  };
  return c;
}

namespace {

// Shared by the section parsers: where errors point and what is parsed so far.
class Ctx {
 public:
  Ctx(std::string_view source, SiteConfig& config) : source_(source), config_(config) {}
  SiteConfig& config() { return config_; }

  // "<source>:<line>: <key>: <what>" (config/toml_errors.h).
  Status error(const toml::node* at, std::string_view key, std::string_view what) const {
    return toml_error(source_, at, key, what);
  }
  Status wrong_type(const toml::node& at, std::string_view key, std::string_view want) const {
    return toml_wrong_type(source_, at, key, want);
  }

 private:
  std::string_view source_;
  SiteConfig& config_;
};

std::string join_key(std::string_view table, std::string_view key) {
  return std::string(table) + "." + std::string(key);
}

Status read_string(Ctx& ctx, const toml::node& n, std::string_view key, std::string& out) {
  const auto* s = n.as_string();
  if (s == nullptr) return ctx.wrong_type(n, key, "a string");
  if (s->get().empty()) return ctx.error(&n, key, "must not be empty");
  out = s->get();
  return Status::Ok();
}

Status read_bool(Ctx& ctx, const toml::node& n, std::string_view key, bool& out) {
  const auto* b = n.as_boolean();
  if (b == nullptr) return ctx.wrong_type(n, key, "true or false");
  out = b->get();
  return Status::Ok();
}

Status read_seconds(Ctx& ctx, const toml::node& n, std::string_view key, std::int64_t max_s,
                    std::chrono::milliseconds& out) {
  const auto* i = n.as_integer();
  if (i == nullptr) return ctx.wrong_type(n, key, "a whole number of seconds");
  if (i->get() < 1 || i->get() > max_s) {
    return ctx.error(&n, key, "must be between 1 and " + std::to_string(max_s) + " seconds, got " +
                                  std::to_string(i->get()));
  }
  out = std::chrono::seconds(i->get());
  return Status::Ok();
}

// A non-empty array of non-empty strings.
Status read_string_array(Ctx& ctx, const toml::node& n, std::string_view key, std::vector<std::string>& out) {
  const auto* arr = n.as_array();
  if (arr == nullptr) return ctx.wrong_type(n, key, "an array of strings");
  if (arr->empty()) return ctx.error(&n, key, "must list at least one entry");
  std::vector<std::string> values;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    std::string item_key = std::string(key) + "[" + std::to_string(i) + "]";
    std::string value;
    if (Status s = read_string(ctx, *arr->get(i), item_key, value); !s.ok()) return s;
    values.push_back(std::move(value));
  }
  out = std::move(values);
  return Status::Ok();
}

// An array of "HH:MM-HH:MM"; an empty array is no restriction.
Status read_time_windows(Ctx& ctx, const toml::node& n, std::string_view key, std::vector<TimeWindow>& out) {
  const auto* arr = n.as_array();
  if (arr == nullptr) return ctx.wrong_type(n, key, "an array of windows like \"22:00-06:00\"");
  std::vector<TimeWindow> windows;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::node& item = *arr->get(i);
    const std::string item_key = std::string(key) + "[" + std::to_string(i) + "]";
    std::string text;
    if (Status s = read_string(ctx, item, item_key, text); !s.ok()) return s;
    auto w = parse_time_window(text, item_key);
    if (!w.ok()) return ctx.error(&item, item_key, "\"" + text + "\" is not a window like \"22:00-06:00\"");
    windows.push_back(*w);
  }
  out = std::move(windows);
  return Status::Ok();
}

bool is_language_code(std::string_view s) {
  return s.size() == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z';
}

// A plain string, or a table of language -> text which must hold the
// kiosk's first language (the fallback for the others).
Status read_localized(Ctx& ctx, const toml::node& n, std::string_view key, LocalizedText& out) {
  if (n.is_string()) {
    LocalizedText text;
    if (Status s = read_string(ctx, n, key, text.base); !s.ok()) return s;
    out = std::move(text);
    return Status::Ok();
  }
  const auto* tbl = n.as_table();
  if (tbl == nullptr) return ctx.wrong_type(n, key, "a string or a table of language = \"text\"");
  LocalizedText text;
  for (auto&& [lang, value] : *tbl) {
    std::string lang_key = join_key(key, lang.str());
    if (!is_language_code(lang.str())) {
      return ctx.error(&value, lang_key, "is not a 2-letter lowercase language code");
    }
    std::string content;
    if (Status s = read_string(ctx, value, lang_key, content); !s.ok()) return s;
    text.translations.emplace(std::string(lang.str()), std::move(content));
  }
  const std::string& first = ctx.config().session.languages.front();
  auto base = text.translations.find(first);
  if (base == text.translations.end()) {
    return ctx.error(&n, key, "needs a text for \"" + first + "\", the first language in kiosk.languages");
  }
  text.base = base->second;
  out = std::move(text);
  return Status::Ok();
}

Status parse_kiosk(Ctx& ctx, const toml::table& t) {
  SiteConfig& c = ctx.config();
  const toml::node* timeout_node = nullptr;
  const toml::node* warning_node = nullptr;
  for (auto&& [k, v] : t) {
    const std::string_view name = k.str();
    const std::string key = join_key("kiosk", name);
    Status s;
    if (name == "id") {
      s = read_string(ctx, v, key, c.kiosk_id);
      if (s.ok() && !valid_kiosk_id(c.kiosk_id)) {
        s = ctx.error(&v, key, "must be 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'");
      }
    } else if (name == "site_name") {
      s = read_string(ctx, v, key, c.site_name);
    } else if (name == "data_dir") {
      std::string dir;
      s = read_string(ctx, v, key, dir);
      if (s.ok()) c.data_dir = dir;
    } else if (name == "questionnaire_dir") {
      std::string dir;
      s = read_string(ctx, v, key, dir);
      if (s.ok()) c.questionnaire_dir = dir;
    } else if (name == "languages") {
      std::vector<std::string> langs;
      s = read_string_array(ctx, v, key, langs);
      std::set<std::string> seen;
      for (std::size_t i = 0; s.ok() && i < langs.size(); ++i) {
        const toml::node* at = v.as_array()->get(i);
        std::string item_key = key + "[" + std::to_string(i) + "]";
        if (!is_language_code(langs[i])) {
          s = ctx.error(at, item_key, "\"" + langs[i] + "\" is not a 2-letter lowercase language code (e.g. \"en\")");
        } else if (!seen.insert(langs[i]).second) {
          s = ctx.error(at, item_key, "\"" + langs[i] + "\" is listed twice");
        }
      }
      if (s.ok()) c.session.languages = std::move(langs);
    } else if (name == "allow_anonymous") {
      s = read_bool(ctx, v, key, c.session.allow_anonymous);
    } else if (name == "idle_timeout_s") {
      timeout_node = &v;
      s = read_seconds(ctx, v, key, 86'400, c.session.idle_timeout);
    } else if (name == "idle_warning_s") {
      warning_node = &v;
      s = read_seconds(ctx, v, key, 86'400, c.session.idle_warning);
    } else if (name == "thank_you_s") {
      s = read_seconds(ctx, v, key, 3'600, c.session.submitted_linger);
    } else if (name == "checkin") {
      s = read_string_array(ctx, v, key, c.checkin);
    } else {
      s = ctx.error(&v, key, "unknown key");
    }
    if (!s.ok()) return s;
  }
  if (c.session.idle_warning >= c.session.idle_timeout) {
    const toml::node* at = warning_node != nullptr ? warning_node : timeout_node;
    return ctx.error(at, "kiosk.idle_warning_s",
                     "must be less than kiosk.idle_timeout_s (" +
                         std::to_string(c.session.idle_warning.count() / 1000) + " >= " +
                         std::to_string(c.session.idle_timeout.count() / 1000) + ")");
  }
  return Status::Ok();
}

Status parse_crisis_line(Ctx& ctx, const toml::node& n, const std::string& key, CrisisLine& out) {
  const auto* t = n.as_table();
  if (t == nullptr) return ctx.wrong_type(n, key, "a table with label and number");
  CrisisLine line;
  bool has_label = false;
  bool has_number = false;
  for (auto&& [k, v] : *t) {
    const std::string item_key = join_key(key, k.str());
    Status s;
    if (k.str() == "label") {
      s = read_localized(ctx, v, item_key, line.label);
      has_label = true;
    } else if (k.str() == "number") {
      s = read_string(ctx, v, item_key, line.number);
      has_number = true;
    } else {
      s = ctx.error(&v, item_key, "unknown key");
    }
    if (!s.ok()) return s;
  }
  if (!has_label) return ctx.error(&n, key + ".label", "is missing");
  if (!has_number) return ctx.error(&n, key + ".number", "is missing");
  out = std::move(line);
  return Status::Ok();
}

Status parse_crisis(Ctx& ctx, const toml::table& t) {
  CrisisResources& c = ctx.config().crisis;
  for (auto&& [k, v] : t) {
    const std::string_view name = k.str();
    const std::string key = join_key("crisis", name);
    Status s;
    if (name == "heading") {
      s = read_localized(ctx, v, key, c.heading);
    } else if (name == "message") {
      s = read_localized(ctx, v, key, c.message);
    } else if (name == "rules_file") {
      std::string file;
      s = read_string(ctx, v, key, file);
      if (s.ok()) ctx.config().crisis_rules_file = file;
    } else if (name == "lines") {
      const auto* arr = v.as_array();
      if (arr == nullptr) return ctx.wrong_type(v, key, "an array of tables ([[crisis.lines]])");
      if (arr->empty()) return ctx.error(&v, key, "must list at least one crisis line");
      std::vector<CrisisLine> lines(arr->size());
      for (std::size_t i = 0; s.ok() && i < arr->size(); ++i) {
        s = parse_crisis_line(ctx, *arr->get(i), key + "[" + std::to_string(i) + "]", lines[i]);
      }
      if (s.ok()) c.lines = std::move(lines);
    } else {
      s = ctx.error(&v, key, "unknown key");
    }
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

// A base64 key of 32 bytes: 44 characters ending in one '='.
Status read_key_text(Ctx& ctx, const toml::node& n, std::string_view key, std::string& out) {
  if (Status s = read_string(ctx, n, key, out); !s.ok()) return s;
  bool ok = out.size() == 44 && out[43] == '=' && out[42] != '=';
  for (std::size_t i = 0; ok && i < 43; ++i) {
    char c = out[i];
    ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
  }
  if (!ok) return ctx.error(&n, key, "must be a base64 key of 32 bytes (44 characters)");
  return Status::Ok();
}

Status parse_clinic(Ctx& ctx, const toml::table& t) {
  ClinicConfig& c = ctx.config().clinic;
  for (auto&& [k, v] : t) {
    const std::string_view name = k.str();
    const std::string key = join_key("clinic", name);
    Status s;
    if (name == "server") {
      s = read_string(ctx, v, key, c.server);
    } else if (name == "sealing_public_key") {
      s = read_key_text(ctx, v, key, c.sealing_public_key);
    } else if (name == "signing_public_key") {
      s = read_key_text(ctx, v, key, c.signing_public_key);
    } else if (name == "kiosk_public_key") {
      s = read_key_text(ctx, v, key, c.kiosk_public_key);
    } else if (name == "kiosk_key_file") {
      std::string file;
      s = read_string(ctx, v, key, file);
      if (s.ok()) c.kiosk_key_file = file;
    } else if (name == "ca_file" || name == "client_cert" || name == "client_key" || name == "bearer_token_file" ||
               name == "pinned_public_key") {
      std::string value;
      s = read_string(ctx, v, key, value);
      if (s.ok() && name == "pinned_public_key") c.pinned_public_key = value;
      if (s.ok() && name == "ca_file") c.ca_file = value;
      if (s.ok() && name == "client_cert") c.client_cert = value;
      if (s.ok() && name == "client_key") c.client_key = value;
      if (s.ok() && name == "bearer_token_file") c.bearer_token_file = value;
    } else {
      s = ctx.error(&v, key, "unknown key");
    }
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status parse_sync(Ctx& ctx, const toml::table& t) {
  SyncConfig& c = ctx.config().sync;
  for (auto&& [k, v] : t) {
    const std::string_view name = k.str();
    const std::string key = join_key("sync", name);
    const auto* i = v.as_integer();
    if (name == "bundle_max_bytes") {
      if (i == nullptr) return ctx.wrong_type(v, key, "a whole number of bytes");
      if (i->get() < 1024 || i->get() > 16 * 1024 * 1024)
        return ctx.error(&v, key, "must be between 1024 and 16777216, got " + std::to_string(i->get()));
      c.bundle_max_bytes = static_cast<std::size_t>(i->get());
    } else if (name == "retention_days") {
      if (i == nullptr) return ctx.wrong_type(v, key, "a whole number of days");
      if (i->get() < 0 || i->get() > 3650)
        return ctx.error(&v, key, "must be between 0 and 3650, got " + std::to_string(i->get()));
      c.retention_days = i->get();
    } else if (name == "max_rate") {
      if (i == nullptr) return ctx.wrong_type(v, key, "a whole number of bytes per second");
      if (i->get() < 0) return ctx.error(&v, key, "must be 0 (no cap) or more, got " + std::to_string(i->get()));
      c.max_rate = static_cast<std::uint64_t>(i->get());
    } else if (name == "heartbeat_interval_s" || name == "poll_interval_s" || name == "stall_timeout_s") {
      if (i == nullptr) return ctx.wrong_type(v, key, "a whole number of seconds");
      if (i->get() < 1 || i->get() > 86400)
        return ctx.error(&v, key, "must be between 1 and 86400, got " + std::to_string(i->get()));
      (name == "poll_interval_s"   ? c.poll_interval_s
       : name == "stall_timeout_s" ? c.stall_timeout_s
                                   : c.heartbeat_interval_s) = i->get();
    } else if (name == "bulk_windows") {
      if (Status s = read_time_windows(ctx, v, key, c.bulk_windows); !s.ok()) return s;
    } else {
      return ctx.error(&v, key, "unknown key");
    }
  }
  return Status::Ok();
}

Status parse_content(Ctx& ctx, const toml::table& t) {
  ContentConfig& c = ctx.config().content;
  for (auto&& [k, v] : t) {
    const std::string_view name = k.str();
    const std::string key = join_key("content", name);
    const auto* i = v.as_integer();
    if (name == "channel") {
      std::string value;
      if (Status s = read_string(ctx, v, key, value); !s.ok()) return s;
      const bool ok = !value.empty() && value.size() <= 64 &&
                      value.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
      if (!ok) return ctx.error(&v, key, "must be 1-64 of a-z 0-9 -, got '" + value + "'");
      c.channel = value;
    } else if (name == "reserve_mb") {
      if (i == nullptr) return ctx.wrong_type(v, key, "a whole number of MiB");
      if (i->get() < 0 || i->get() > 1 << 20)
        return ctx.error(&v, key, "must be between 0 and 1048576, got " + std::to_string(i->get()));
      c.reserve_bytes = static_cast<std::uint64_t>(i->get()) << 20;
    } else if (name == "chunk_kb") {
      if (i == nullptr) return ctx.wrong_type(v, key, "a whole number of KiB");
      if (i->get() < 16 || i->get() > 16384)
        return ctx.error(&v, key, "must be between 16 and 16384, got " + std::to_string(i->get()));
      c.chunk_bytes = static_cast<std::uint64_t>(i->get()) << 10;
    } else {
      return ctx.error(&v, key, "unknown key");
    }
  }
  return Status::Ok();
}

// The top-level tables, parsed in this order whatever their order in the
// file ([crisis] needs [kiosk]'s languages). Another section is one row here
// plus its parser: [clinic] and [sync] (outbox/sync work) go after "crisis".
struct Section {
  const char* name;
  Status (*parse)(Ctx&, const toml::table&);
};
constexpr Section kSections[] = {
    {"kiosk", parse_kiosk},
    {"crisis", parse_crisis},
    {"clinic", parse_clinic},
    {"sync", parse_sync},
    {"content", parse_content},
};

}  // namespace

Result<SiteConfig> parse_site_config(std::string_view toml_text, std::string_view source) {
  SiteConfig c = default_site_config();
  toml::table t;
  try {
    t = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    return toml_syntax_error(source, e);
  }
  Ctx ctx(source, c);
  for (auto&& [k, v] : t) {
    bool known = false;
    for (const Section& section : kSections) known = known || k.str() == section.name;
    if (!known) {
      return ctx.error(&v, k.str(), v.is_table() ? "unknown table [" + std::string(k.str()) + "]" : "unknown key");
    }
  }
  for (const Section& section : kSections) {
    const toml::node* node = t.get(section.name);
    if (node == nullptr) continue;
    const auto* table = node->as_table();
    if (table == nullptr) return ctx.wrong_type(*node, section.name, "a table");
    if (Status s = section.parse(ctx, *table); !s.ok()) return s;
  }
  return c;
}

Result<SiteConfig> load_site_config(const std::filesystem::path& file) {
  auto text = read_file_checked(file, kMaxSiteConfigBytes, "config file");
  if (!text.ok()) return text.status();
  Result<SiteConfig> config = parse_site_config(*text, file.string());
  if (config.ok() && !config->questionnaire_dir.empty() && config->questionnaire_dir.is_relative()) {
    config->questionnaire_dir = file.parent_path() / config->questionnaire_dir;
  }
  if (config.ok() && !config->clinic.kiosk_key_file.empty() && config->clinic.kiosk_key_file.is_relative()) {
    config->clinic.kiosk_key_file = file.parent_path() / config->clinic.kiosk_key_file;
  }
  if (config.ok()) {
    for (auto* p : {&config->crisis_rules_file, &config->clinic.ca_file, &config->clinic.client_cert,
                    &config->clinic.client_key, &config->clinic.bearer_token_file}) {
      if (!p->empty() && p->is_relative()) *p = file.parent_path() / *p;
    }
    std::string& pin = config->clinic.pinned_public_key;
    if (!pin.empty() && !pin.starts_with("sha256//") && std::filesystem::path(pin).is_relative()) {
      pin = (file.parent_path() / pin).string();
    }
  }
  return config;
}

std::string enrollment_config_toml(const SiteConfig& config) {
  const ClinicConfig& c = config.clinic;
  toml::table clinic{{"server", c.server},
                     {"sealing_public_key", c.sealing_public_key},
                     {"signing_public_key", c.signing_public_key},
                     {"kiosk_key_file", c.kiosk_key_file.string()},
                     {"kiosk_public_key", c.kiosk_public_key}};
  const toml::table kiosk{{"id", config.kiosk_id}};
  // Basic strings only: toml++ 3.3 writes a string holding three quotes
  // (''') as a multi-line literal string that does not parse back.
  constexpr auto flags = toml::toml_formatter::default_flags & ~toml::format_flags::allow_literal_strings &
                         ~toml::format_flags::allow_multi_line_strings;
  // [clinic] last: a site appends its own clinic keys (ca_file, ...) below.
  std::ostringstream out;
  out << "# Written by outpost-clinic enroll. docs/design.md, \"Keys\" and \"Site config\".\n"
      << "[kiosk]\n" << toml::toml_formatter{kiosk, flags} << "\n\n[clinic]\n"
      << toml::toml_formatter{clinic, flags} << "\n";
  return out.str();
}

Result<ProgramConfig> load_program_config(const std::filesystem::path& file, const std::filesystem::path& data_dir) {
  ProgramConfig out;
  out.file = !file.empty() ? file : path_may_exist(kDefaultSiteConfigFile) ? kDefaultSiteConfigFile : "";
  if (out.file.empty()) {
    out.config = default_site_config();
  } else {
    Result<SiteConfig> c = load_site_config(out.file);
    if (!c.ok()) return c.status();
    out.config = std::move(c).value();
  }
  if (!data_dir.empty()) out.config.data_dir = data_dir;
  return out;
}

std::vector<std::filesystem::path> checkin_paths(const SiteConfig& config, const std::filesystem::path& fallback_dir) {
  const std::filesystem::path& dir = config.questionnaire_dir.empty() ? fallback_dir : config.questionnaire_dir;
  std::vector<std::filesystem::path> paths;
  for (const std::string& name : config.checkin) {
    std::filesystem::path p(name);
    paths.push_back(p.is_absolute() ? p : dir / p);
  }
  return paths;
}

}  // namespace outpost
