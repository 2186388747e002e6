// outpostctl assess validate / score: exit codes and output, run as a
// subprocess on the fixtures in tests/data/questionnaire.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace {

struct Run {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

Run outpostctl(const std::string& args) {
  const std::string cmd = std::string(OUTPOSTCTL) + " " + args + " 2>&1";
  Run run;
  FILE* pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 512> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) run.output.append(buf.data(), n);
  int status = pclose(pipe);
  REQUIRE(WIFEXITED(status));
  run.exit_code = WEXITSTATUS(status);
  return run;
}

std::string fixture(const char* name) {
  return std::string(OUTPOST_SOURCE_DIR) + "/tests/data/questionnaire/" + name;
}

std::string score_args(const char* questionnaire, const char* answers) {
  return "assess score --questionnaire " + fixture(questionnaire) + " --answers " + fixture(answers);
}

}  // namespace

TEST_CASE("assess validate: 0 with a summary when valid") {
  Run r = outpostctl("assess validate " + fixture("cli-questionnaire.json"));
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("valid Questionnaire 'cli-check' version 2, 2 questions, 2 bands, languages en,es") !=
        std::string::npos);
  CHECK(r.output.find("score: the sum of the weights of the chosen answers") != std::string::npos);
  CHECK(r.output.find("warning") == std::string::npos);
}

TEST_CASE("assess validate --json: every error at once, with the identity of a valid file") {
  Run bad = outpostctl("assess validate --json " + fixture("cli-questionnaire-bad.json"));
  CHECK(bad.exit_code == 2);
  auto j = nlohmann::json::parse(bad.output.substr(0, bad.output.rfind('}') + 1), nullptr, false);
  REQUIRE(j.is_object());
  CHECK(j["valid"] == false);
  CHECK(j["errors"].size() >= 1);
  Run good = outpostctl("assess validate --json " + fixture("cli-questionnaire.json"));
  CHECK(good.exit_code == 0);
  auto g = nlohmann::json::parse(good.output.substr(0, good.output.rfind('}') + 1), nullptr, false);
  REQUIRE(g.is_object());
  CHECK(g["deployable"] == true);
  CHECK(g["questionnaire"]["version"] == "2");
  CHECK(g["questionnaire"]["digest"].get<std::string>().size() == 64);
  CHECK(g["questionnaire"]["scoring"]["method"] == "weights");
}

TEST_CASE("assess validate: 2 naming the linkId when invalid, or the file when missing") {
  Run bad = outpostctl("assess validate " + fixture("cli-questionnaire-bad.json"));
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("item 'worry': choice item has no answerOption") != std::string::npos);
  Run missing = outpostctl("assess validate " + fixture("no-such-file.json"));
  CHECK(missing.exit_code == 2);
  CHECK(missing.output.find(fixture("no-such-file.json") + ": the questionnaire file does not exist") !=
        std::string::npos);
}

TEST_CASE("assess score: 0 and the assessment JSON") {
  Run calm = outpostctl(score_args("cli-questionnaire.json", "cli-response-calm.json"));
  CHECK(calm.exit_code == 0);
  CHECK(nlohmann::json::parse(calm.output, nullptr, false) ==
        nlohmann::json::parse(R"({"score": 0, "band": "calm", "flags": [], "critical_items": []})"));
  Run calm_es = outpostctl(score_args("cli-questionnaire.json", "cli-response-calm.json") + " --lang es");
  CHECK(calm_es.exit_code == 0);
  CHECK(nlohmann::json::parse(calm_es.output, nullptr, false)["band"] == "tranquilo");
  Run critical =
      outpostctl(score_args("cli-questionnaire.json", "cli-response-critical.json") + " --lang es");
  CHECK(critical.exit_code == 0);
  CHECK(nlohmann::json::parse(critical.output, nullptr, false) ==
        nlohmann::json::parse(
            R"({"score": 2, "band": "worried", "flags": ["critical"], "critical_items": ["worry"]})"));
}

TEST_CASE("assess score: 1 for an invalid response, 2 for an invalid questionnaire") {
  Run bad_answers = outpostctl(score_args("cli-questionnaire.json", "cli-response-unknown-code.json"));
  CHECK(bad_answers.exit_code == 1);
  CHECK(bad_answers.output.find("item 'worry': code 'maybe' is not one of its answer options") !=
        std::string::npos);
  Run not_a_response = outpostctl(score_args("cli-questionnaire.json", "cli-questionnaire.json"));
  CHECK(not_a_response.exit_code == 1);
  CHECK(not_a_response.output.find("resourceType: is \"Questionnaire\"") != std::string::npos);
  Run bad_q = outpostctl(score_args("cli-questionnaire-bad.json", "cli-response-calm.json"));
  CHECK(bad_q.exit_code == 2);
  CHECK(bad_q.output.find("item 'worry'") != std::string::npos);
}

// --- crisis rules (docs/design.md, "Questionnaire profile", Crisis rules) ---

namespace {

const std::string kSharedPhq9 = std::string(OUTPOST_SOURCE_DIR) + "/../shared/fhir-questionnaires/cirg-phq9.json";

// A rules file with the given text, removed at the end of the scope.
struct RulesFile {
  explicit RulesFile(const std::string& text) {
    char name[] = "/tmp/outpost-cli-rules.XXXXXX";
    int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    path = name;
    FILE* f = fdopen(fd, "w");
    REQUIRE(f != nullptr);
    std::fputs(text.c_str(), f);
    std::fclose(f);
  }
  ~RulesFile() { std::remove(path.c_str()); }
  std::string path;
};

nlohmann::json json_of(const Run& r) {
  auto j = nlohmann::json::parse(r.output.substr(0, r.output.rfind('}') + 1), nullptr, false);
  REQUIRE(j.is_object());
  return j;
}

}  // namespace

TEST_CASE("assess validate: the critical items and why, by rule with the shipped rules") {
  Run text = outpostctl("assess validate " + kSharedPhq9);
  CHECK(text.exit_code == 0);
  CHECK(text.output.find("critical: item '/44260-8' at weight >= 1 (crisis rule ") != std::string::npos);
  CHECK(text.output.find("crisis-rules.toml:") != std::string::npos);
  CHECK(text.output.find("no crisis rule or extension marks it critical") == std::string::npos);
  nlohmann::json j = json_of(outpostctl("assess validate --json " + kSharedPhq9));
  REQUIRE(j["questionnaire"]["critical_items"].size() == 1);
  CHECK(j["questionnaire"]["critical_items"][0]["linkId"] == "/44260-8");
  CHECK(j["questionnaire"]["critical_items"][0]["threshold"] == 1);
  CHECK(j["questionnaire"]["critical_items"][0]["source"] == "rule");
}

TEST_CASE("assess validate: warns when a suicide-risk item has no rule (empty rules file), exit unchanged") {
  RulesFile empty("# no rules\n");
  Run text = outpostctl("assess validate --crisis-rules " + empty.path + " " + kSharedPhq9);
  CHECK(text.exit_code == 0);
  CHECK(text.output.find("warning: " + kSharedPhq9 +
                         ": item '/44260-8' (LOINC 44260-8) is PHQ-9 item 9") != std::string::npos);
  nlohmann::json j = json_of(outpostctl("assess validate --json --crisis-rules " + empty.path + " " + kSharedPhq9));
  CHECK(j["questionnaire"]["critical_items"].empty());
  CHECK(j["crisis_rules"] == empty.path);
  bool warned = false;
  for (const auto& w : j["warnings"]) {
    warned = warned || w.get<std::string>().find("'/44260-8' (LOINC 44260-8)") != std::string::npos;
  }
  CHECK(warned);
}

TEST_CASE("assess validate and score: a bad rules file is exit 2 naming its line") {
  RulesFile bad("[[rule]]\nsystem = \"http://loinc.org\"\ncode = \"44260-8\"\nat_or_abve = 1\n");
  Run v = outpostctl("assess validate --crisis-rules " + bad.path + " " + kSharedPhq9);
  CHECK(v.exit_code == 2);
  CHECK(v.output.find(bad.path + ":4: rule[0].at_or_abve: unknown key") != std::string::npos);
  Run s = outpostctl(score_args("cli-questionnaire.json", "cli-response-calm.json") + " --crisis-rules " + bad.path);
  CHECK(s.exit_code == 2);
  CHECK(s.output.find(bad.path + ":4:") != std::string::npos);
}

TEST_CASE("assess score: a rule makes an item critical") {
  // cli-questionnaire.json has no crisis extension; a url+linkId rule marks one.
  nlohmann::json q = nlohmann::json::parse(std::ifstream(fixture("cli-questionnaire.json")));
  const std::string url = q["url"];
  const std::string link = q["item"][0]["linkId"];
  RulesFile rules("[[rule]]\nquestionnaire = \"" + url + "\"\nlink_id = \"" + link + "\"\nat_or_above = 0\n");
  Run plain = outpostctl(score_args("cli-questionnaire.json", "cli-response-calm.json"));
  REQUIRE(plain.exit_code == 0);
  CHECK(json_of(plain)["flags"].empty());
  Run ruled = outpostctl(score_args("cli-questionnaire.json", "cli-response-calm.json") + " --crisis-rules " +
                         rules.path);
  REQUIRE(ruled.exit_code == 0);
  CHECK(json_of(ruled)["flags"] == nlohmann::json::array({"critical"}));
  CHECK(json_of(ruled)["critical_items"] == nlohmann::json::array({link}));
}
