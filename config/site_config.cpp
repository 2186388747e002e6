#include "config/site_config.h"

#include <fstream>
#include <sstream>

#include <toml++/toml.h>

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

Result<SiteConfig> parse_site_config(std::string_view toml_text, std::string_view source) {
  SiteConfig c = default_site_config();
  toml::table t;
  try {
    t = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << source << ": line " << e.source().begin.line << ": " << e.description();
    return Status(Errc::invalid_config, msg.str());
  }
  if (auto v = t["kiosk"]["id"].value<std::string>()) c.kiosk_id = *v;
  return c;
}

Result<SiteConfig> load_site_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status(Errc::not_found, file.string() + ": cannot open config file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_site_config(ss.str(), file.string());
}

}  // namespace outpost
