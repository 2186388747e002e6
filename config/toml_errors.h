// Errors of the TOML readers (site config, crisis rules), in one form:
// "<source>:<line>: <key>: <what>" (docs/design.md, "Site config").
// Internal to outpost_config.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "kiosk/result.h"

namespace outpost {

inline const char* toml_type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number with a fraction";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// Errc::invalid_config; the line is left out when unknown.
inline Status toml_error(std::string_view source, const toml::node* at, std::string_view key,
                         std::string_view what) {
  std::ostringstream msg;
  msg << source;
  if (at != nullptr && at->source().begin.line > 0) msg << ":" << at->source().begin.line;
  msg << ": " << key << ": " << what;
  return Status(Errc::invalid_config, msg.str());
}

inline Status toml_wrong_type(std::string_view source, const toml::node& at, std::string_view key,
                              std::string_view want) {
  return toml_error(source, &at, key, "must be " + std::string(want) + ", got " + toml_type_name(at));
}

// The TOML text itself is malformed.
inline Status toml_syntax_error(std::string_view source, const toml::parse_error& e) {
  std::ostringstream msg;
  msg << source << ":" << e.source().begin.line << ": " << e.description();
  return Status(Errc::invalid_config, msg.str());
}

}  // namespace outpost
