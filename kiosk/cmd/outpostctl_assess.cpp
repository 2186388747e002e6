// outpostctl assess: validate, score (and submit, with the outbox).
//
// Exit codes: 0 done; 1 the response (answers) is invalid; 2 the
// questionnaire is invalid or unreadable; 4 (validate) valid but not
// deployable, and (submit) refused because not deployable. Errors go to stderr and name the
// file and linkId; scores go to stdout only. A crisis rules file that cannot be
// read is exit 2 too: no command runs without the rules the kiosk would use.
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include <CLI/CLI.hpp>

#include "config/crisis_rules_toml.h"
#include "kiosk/cmd/outpostctl_commands.h"
#include "kiosk/app/shipped_data.h"
#include "kiosk/crisis_rules.h"
#include "kiosk/file_read.h"
#include "kiosk/questionnaire.h"
#include "kiosk/terminal_text.h"

namespace outpost::ctl {

namespace {

constexpr int kExitInvalidResponse = 1;
constexpr int kExitInvalidQuestionnaire = 2;
constexpr int kExitNotDeployable = 4;

// Questionnaires hold at most 1000 items (docs/design.md, "Questionnaire
// profile"); with translations that stays far below this.
constexpr std::size_t kMaxJsonFileBytes = 8 << 20;

// --crisis-rules FILE; else the site config's [crisis] rules_file (the config
// of --config, or /etc/outpost/outpost.toml when present, as for every
// command); else the shipped crisis-rules.toml. Sets `used` to the file.
Result<CrisisRules> load_rules(const CommonOptions& common, const std::string& rules_option,
                               std::string& used) {
  const std::filesystem::path shipped = app::shipped_config_dir() / "crisis-rules.toml";
  if (!rules_option.empty()) {
    used = rules_option;
  } else {
    Result<SiteConfig> config = load_config(common);
    if (!config.ok()) return config.status();
    used = crisis_rules_file(*config, shipped).string();
  }
  return load_crisis_rules(used);
}

// The questionnaire with the crisis rules applied, as the kiosk has it.
Result<Questionnaire> load_questionnaire(const std::string& path, const CrisisRules& rules) {
  Result<std::string> text = read_file_checked(path, kMaxJsonFileBytes, "questionnaire file");
  if (!text.ok()) return text.status();
  Result<Questionnaire> q = Questionnaire::parse(*text, path);
  if (q.ok()) (void)rules.apply(*q);  // problems: validate lists them
  return q;
}

// Answers read from a QuestionnaireResponse file; assess() checks them.
Result<Answers> load_answers(const Questionnaire& q, const std::string& path) {
  Result<std::string> text = read_file_checked(path, kMaxJsonFileBytes, "answers file");
  if (!text.ok()) return text.status();
  nlohmann::json doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Result<Answers>(Errc::invalid_response, path + ": not valid JSON");
  return answers_from_response(q, doc, path);
}

// A questionnaire and a valid response to it, as `assess score` (and
// `assess submit`) take them on the command line.
struct ScoredResponse {
  Questionnaire questionnaire;
  Answers answers;
  Assessment assessment;
};

// Loads both files; on failure prints the error and sets exit_code.
std::optional<ScoredResponse> load_scored(const CommonOptions& common, const std::string& rules_option,
                                          const std::string& questionnaire_path,
                                          const std::string& answers_path, int& exit_code) {
  std::string rules_file;
  Result<CrisisRules> rules = load_rules(common, rules_option, rules_file);
  if (!rules.ok()) {
    std::cerr << "outpostctl: " << terminal_safe(rules.status().message()) << "\n";
    exit_code = kExitInvalidQuestionnaire;
    return std::nullopt;
  }
  Result<Questionnaire> q = load_questionnaire(questionnaire_path, *rules);
  if (!q.ok()) {
    std::cerr << "outpostctl: " << terminal_safe(q.status().message()) << "\n";
    exit_code = kExitInvalidQuestionnaire;
    return std::nullopt;
  }
  Result<Answers> answers = load_answers(*q, answers_path);
  if (!answers.ok()) {
    std::cerr << "outpostctl: " << terminal_safe(answers.status().message()) << "\n";
    exit_code = kExitInvalidResponse;
    return std::nullopt;
  }
  Result<Assessment> assessment = assess(*q, *answers);
  if (!assessment.ok()) {
    std::cerr << "outpostctl: " << terminal_safe(answers_path + ": " + assessment.status().message()) << "\n";
    exit_code = kExitInvalidResponse;
    return std::nullopt;
  }
  return ScoredResponse{std::move(q).value(), std::move(answers).value(), std::move(assessment).value()};
}

const char* method_name(Scoring::Method m) {
  switch (m) {
    case Scoring::Method::weights: return "weights";
    case Scoring::Method::expression: return "expression";
    case Scoring::Method::instrument: return "instrument";
    case Scoring::Method::none: return "none";
  }
  return "none";
}

// Why an item is critical, for people: "rule crisis-rules.toml:21 (LOINC
// 44260-8)", "the file's critical-at-or-above extension", or both.
std::string critical_why(const CriticalItem& c) {
  auto number = [](double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  };
  std::string why;
  if (c.extension) why = "the file's critical-at-or-above extension >= " + number(*c.extension);
  if (c.rule) {
    why += std::string(why.empty() ? "" : "; ") + "crisis rule " + terminal_safe(c.rule_where) +
           " >= " + number(*c.rule);
  }
  return why;
}

nlohmann::json critical_json(const CrisisReport& crisis) {
  nlohmann::json out = nlohmann::json::array();
  for (const CriticalItem& c : crisis.critical) {
    nlohmann::json j = {{"linkId", c.link_id}, {"threshold", c.at_or_above}, {"source", c.source()}};
    if (c.rule) j["rule"] = c.rule_where;
    out.push_back(std::move(j));
  }
  return out;
}

// Every error and every warning in one run (docs/design.md, "Questionnaire
// profile"), and which items are critical and why. Exit 0: valid and
// deployable; 4: valid (it scores) but the kiosk will not offer it; 2:
// invalid, or the crisis rules cannot be read.
int run_validate(const CommonOptions& common, const std::string& rules_option, const std::string& path,
                 bool as_json) {
  std::string rules_file;
  Result<CrisisRules> rules = load_rules(common, rules_option, rules_file);
  if (!rules.ok()) {
    std::cerr << "outpostctl: " << terminal_safe(rules.status().message()) << "\n";
    return kExitInvalidQuestionnaire;
  }
  Result<std::string> text = read_file_checked(path, kMaxJsonFileBytes, "questionnaire file");
  if (!text.ok()) {
    std::cerr << "outpostctl: " << text.status().message() << "\n";
    return kExitInvalidQuestionnaire;
  }
  QuestionnaireCheck check = check_questionnaire(*text, path);
  Questionnaire* q = check.questionnaire ? &*check.questionnaire : nullptr;
  CrisisReport crisis;
  if (q) {
    crisis = rules->apply(*q);
    for (const auto& p : crisis.problems) check.warnings.push_back(path + ": " + p);
    for (const RiskItem& r : uncovered_risk_items(*q)) check.warnings.push_back(path + ": " + r.warning());
  }
  std::size_t questions = 0;
  if (q) {
    for (const Item* item : q->flatten()) questions += item->answerable() ? 1 : 0;
  }
  const int code = !q ? kExitInvalidQuestionnaire : q->deployable() ? 0 : kExitNotDeployable;
  if (as_json) {
    nlohmann::json j = {{"file", path},
                        {"valid", q != nullptr},
                        {"deployable", q && q->deployable()},
                        {"errors", check.errors},
                        {"deploy_problems", q ? q->deploy_problems() : std::vector<std::string>{}},
                        {"warnings", check.warnings},
                        {"crisis_rules", rules_file},
                        {"questionnaire", nullptr}};
    if (q) {
      const Item* total = q->total_item();
      j["questionnaire"] = {{"id", q->id()},
                            {"url", q->url()},
                            {"version", q->version()},
                            {"version_derived", q->version_derived()},
                            {"digest", q->digest()},
                            {"questions", questions},
                            {"scoring", {{"method", method_name(q->scoring().method)},
                                         {"description", q->scoring().description}}},
                            {"total_item", total ? nlohmann::json(total->link_id) : nlohmann::json(nullptr)},
                            {"bands", q->bands().size()},
                            {"languages", q->languages()},
                            {"critical_items", critical_json(crisis)}};
    }
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return code;
  }
  // Everything but the counts comes from the file.
  for (const auto& e : check.errors) std::cerr << "error: " << terminal_safe(e) << "\n";
  if (!q) {
    std::cerr << "outpostctl: " << path << ": invalid (" << check.errors.size() << " error"
              << (check.errors.size() == 1 ? "" : "s") << ")\n";
    for (const auto& w : check.warnings) std::cerr << "warning: " << terminal_safe(w) << "\n";
    return code;
  }
  std::string langs;
  for (const auto& lang : q->languages()) langs += (langs.empty() ? "" : ",") + lang;
  std::cout << terminal_safe(path) << ": valid Questionnaire '" << terminal_safe(q->id().empty() ? q->url() : q->id())
            << "' version " << terminal_safe(q->version())
            << (q->version_derived() ? " (derived from the content)" : "") << ", " << questions << " questions, "
            << q->bands().size() << " bands, languages " << terminal_safe(langs) << "\n"
            << "  score: " << terminal_safe(q->scoring().description) << "\n";
  for (const CriticalItem& c : crisis.critical) {
    std::cout << "  critical: item '" << terminal_safe(c.link_id) << "' at weight >= " << c.at_or_above
              << " (" << critical_why(c) << ")\n";
  }
  if (crisis.critical.empty())
    std::cout << "  critical: no item (crisis rules " << terminal_safe(rules_file) << ")\n";
  for (const auto& p : q->deploy_problems()) std::cout << "  NOT DEPLOYABLE: " << terminal_safe(p) << "\n";
  for (const auto& w : check.warnings) std::cout << "  warning: " << terminal_safe(w) << "\n";
  return code;
}

constexpr const char* kCrisisRulesHelp =
    "crisis rules file (TOML); default: the site config's [crisis] rules_file, else the shipped "
    "crisis-rules.toml";

}  // namespace

void register_assess(CLI::App& app, CommonOptions& common, int& exit_code) {
  auto* assess_cmd = app.add_subcommand("assess", "check questionnaires and score responses");
  assess_cmd->require_subcommand(1);

  auto validate_path = std::make_shared<std::string>();
  auto validate_json = std::make_shared<bool>(false);
  auto* validate = assess_cmd->add_subcommand(
      "validate", "check a Questionnaire file: every error and warning (exit 0 ok, 4 not deployable, 2 invalid)");
  validate->add_option("questionnaire", *validate_path, "Questionnaire JSON file")->required();
  validate->add_flag("--json", *validate_json, "print JSON");
  auto validate_rules = std::make_shared<std::string>();
  validate->add_option("--crisis-rules", *validate_rules, kCrisisRulesHelp);
  validate->callback([validate_path, validate_json, validate_rules, &common, &exit_code] {
    exit_code = run_validate(common, *validate_rules, *validate_path, *validate_json);
  });

  struct ScoreArgs {
    std::string questionnaire, answers, lang, crisis_rules;
  };
  auto score_args = std::make_shared<ScoreArgs>();
  auto* score = assess_cmd->add_subcommand("score", "score a QuestionnaireResponse; prints JSON");
  score->add_option("--questionnaire", score_args->questionnaire, "Questionnaire JSON file")->required();
  score->add_option("--answers", score_args->answers, "QuestionnaireResponse JSON file")->required();
  score->add_option("--lang", score_args->lang, "language for the band label");
  score->add_option("--crisis-rules", score_args->crisis_rules, kCrisisRulesHelp);
  score->callback([score_args, &common, &exit_code] {
    std::optional<ScoredResponse> scored = load_scored(
        common, score_args->crisis_rules, score_args->questionnaire, score_args->answers, exit_code);
    if (!scored) return;
    std::cout << assessment_json(scored->assessment, score_args->lang).dump() << "\n";
    exit_code = 0;
  });

  // submit: the kiosk's Submit path (outpostctl_submit.cpp).
  struct SubmitArgs {
    std::string questionnaire, answers, subject_file, crisis_rules;
    SubmitOptions options;
  };
  auto submit_args = std::make_shared<SubmitArgs>();
  auto* submit = assess_cmd->add_subcommand("submit", "seal a response into the outbox as the kiosk does; prints the record id");
  submit->add_option("--questionnaire", submit_args->questionnaire, "Questionnaire JSON file")->required();
  submit->add_option("--answers", submit_args->answers, "QuestionnaireResponse JSON file")->required();
  submit->add_option("--lang", submit_args->options.lang, "language the patient used");
  submit->add_option("--crisis-rules", submit_args->crisis_rules, kCrisisRulesHelp);
  auto* subject = submit->add_option(
      "--subject", submit_args->options.subject,
      "patient code, or - to read it from the first line of standard input. A code given here is visible to "
      "every user of this machine (process list); prefer - or --subject-file");
  submit
      ->add_option("--subject-file", submit_args->subject_file,
                   "read the patient code from the first line of FILE")
      ->excludes(subject);
  submit->callback([submit_args, &common, &exit_code] {
    std::optional<ScoredResponse> scored = load_scored(
        common, submit_args->crisis_rules, submit_args->questionnaire, submit_args->answers, exit_code);
    if (!scored) return;
    SubmitOptions options = submit_args->options;
    auto code = read_subject(options.subject, submit_args->subject_file);
    if (!code.ok()) {
      std::cerr << "outpostctl: " << terminal_safe(code.status().message()) << "\n";
      exit_code = 1;
      return;
    }
    options.subject = std::move(code).value();
    exit_code = submit_checkin(common, scored->questionnaire, scored->answers, scored->assessment, options);
  });
}

}  // namespace outpost::ctl
