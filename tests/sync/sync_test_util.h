// Helpers for the sync tests: a temp dir removed on scope exit, file reading,
// and the shipped PHQ-9 with a valid response.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "kiosk/questionnaire.h"
#include "sync/keys.h"

namespace outpost::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "outpost-test-XXXXXX").string();
    char* p = mkdtemp(tmpl.data());
    REQUIRE(p != nullptr);
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::vector<std::uint8_t> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const std::filesystem::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

inline std::filesystem::path source_dir() { return OUTPOST_SOURCE_DIR; }

inline Questionnaire load_phq9() {
  auto q = Questionnaire::parse(read_file(source_dir() / "config/questionnaires/phq-9.json"), "phq-9.json");
  REQUIRE_MESSAGE(q.ok(), q.status().to_string());
  return std::move(q).value();
}

inline Answers load_answers(const Questionnaire& q, const std::string& response_file) {
  auto doc = nlohmann::json::parse(read_file(source_dir() / "tests/data/responses" / response_file));
  auto a = answers_from_response(q, doc, response_file);
  REQUIRE_MESSAGE(a.ok(), a.status().to_string());
  return std::move(a).value();
}

inline void init_crypto() { REQUIRE(sync::crypto_init()); }

}  // namespace outpost::testing
