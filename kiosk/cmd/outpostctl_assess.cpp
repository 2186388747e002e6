// outpostctl assess: validate, score (and submit, with the outbox).
//
// Exit codes: 0 done; 1 the response (answers) is invalid; 2 the
// questionnaire is invalid or unreadable; 4 (validate) valid but not
// deployable, and (submit) refused because not deployable. Errors go to stderr and name the
// file and linkId; scores go to stdout only.
#include <iostream>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "kiosk/cmd/outpostctl_commands.h"
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

Result<Questionnaire> load_questionnaire(const std::string& path) {
  Result<std::string> text = read_file_checked(path, kMaxJsonFileBytes, "questionnaire file");
  if (!text.ok()) return text.status();
  return Questionnaire::parse(*text, path);
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
std::optional<ScoredResponse> load_scored(const std::string& questionnaire_path, const std::string& answers_path,
                                          int& exit_code) {
  Result<Questionnaire> q = load_questionnaire(questionnaire_path);
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

// Every error and every warning in one run (docs/design.md, "Questionnaire
// profile"). Exit 0: valid and deployable; 4: valid (it scores) but the kiosk
// will not offer it; 2: invalid.
int run_validate(const std::string& path, bool as_json) {
  Result<std::string> text = read_file_checked(path, kMaxJsonFileBytes, "questionnaire file");
  if (!text.ok()) {
    std::cerr << "outpostctl: " << text.status().message() << "\n";
    return kExitInvalidQuestionnaire;
  }
  const QuestionnaireCheck check = check_questionnaire(*text, path);
  const Questionnaire* q = check.questionnaire ? &*check.questionnaire : nullptr;
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
                            {"languages", q->languages()}};
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
  for (const auto& p : q->deploy_problems()) std::cout << "  NOT DEPLOYABLE: " << terminal_safe(p) << "\n";
  for (const auto& w : check.warnings) std::cout << "  warning: " << terminal_safe(w) << "\n";
  return code;
}

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
  validate->callback([validate_path, validate_json, &exit_code] {
    exit_code = run_validate(*validate_path, *validate_json);
  });

  struct ScoreArgs {
    std::string questionnaire, answers, lang;
  };
  auto score_args = std::make_shared<ScoreArgs>();
  auto* score = assess_cmd->add_subcommand("score", "score a QuestionnaireResponse; prints JSON");
  score->add_option("--questionnaire", score_args->questionnaire, "Questionnaire JSON file")->required();
  score->add_option("--answers", score_args->answers, "QuestionnaireResponse JSON file")->required();
  score->add_option("--lang", score_args->lang, "language for the band label");
  score->callback([score_args, &exit_code] {
    std::optional<ScoredResponse> scored = load_scored(score_args->questionnaire, score_args->answers, exit_code);
    if (!scored) return;
    std::cout << assessment_json(scored->assessment, score_args->lang).dump() << "\n";
    exit_code = 0;
  });

  // submit: the kiosk's Submit path (outpostctl_submit.cpp).
  struct SubmitArgs {
    std::string questionnaire, answers, subject_file;
    SubmitOptions options;
  };
  auto submit_args = std::make_shared<SubmitArgs>();
  auto* submit = assess_cmd->add_subcommand("submit", "seal a response into the outbox as the kiosk does; prints the record id");
  submit->add_option("--questionnaire", submit_args->questionnaire, "Questionnaire JSON file")->required();
  submit->add_option("--answers", submit_args->answers, "QuestionnaireResponse JSON file")->required();
  submit->add_option("--lang", submit_args->options.lang, "language the patient used");
  auto* subject = submit->add_option(
      "--subject", submit_args->options.subject,
      "patient code, or - to read it from the first line of standard input. A code given here is visible to "
      "every user of this machine (process list); prefer - or --subject-file");
  submit
      ->add_option("--subject-file", submit_args->subject_file,
                   "read the patient code from the first line of FILE")
      ->excludes(subject);
  submit->callback([submit_args, &common, &exit_code] {
    std::optional<ScoredResponse> scored = load_scored(submit_args->questionnaire, submit_args->answers, exit_code);
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
