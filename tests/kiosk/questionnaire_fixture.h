// Shared by the questionnaire tests: the example Questionnaire from
// docs/design.md, "Questionnaire profile", and small answer builders.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "kiosk/questionnaire.h"

namespace outpost::test {

inline std::string read_source_file(const std::string& relative) {
  std::ifstream in(std::string(OUTPOST_SOURCE_DIR) + "/" + relative, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << relative);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The first ```json block after "## Questionnaire profile" in docs/design.md.
inline nlohmann::json design_example() {
  const std::string doc = read_source_file("docs/design.md");
  auto section = doc.find("## Questionnaire profile");
  REQUIRE(section != std::string::npos);
  auto start = doc.find("```json\n", section);
  REQUIRE(start != std::string::npos);
  start += 8;
  auto end = doc.find("\n```", start);
  REQUIRE(end != std::string::npos);
  auto j = nlohmann::json::parse(doc.substr(start, end - start), nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

inline Questionnaire example_questionnaire() {
  auto q = Questionnaire::from_json(design_example(), "design.md");
  REQUIRE_MESSAGE(q.ok(), q.status().message());
  return std::move(q).value();
}

inline Coding answer_code(const char* code) {
  return Coding{"urn:outpost:answers", code, ""};
}
inline Coding plain_code(const char* code) {
  return Coding{"", code, ""};
}

}  // namespace outpost::test
