// outpostctl assess: validate, score (and submit, with the outbox).
//
// Exit codes: 0 done; 1 the response (answers) is invalid; 2 the
// questionnaire is invalid or unreadable. Errors go to stderr and name the
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

int run_validate(const std::string& path) {
  Result<Questionnaire> q = load_questionnaire(path);
  if (!q.ok()) {
    std::cerr << "outpostctl: " << terminal_safe(q.status().message()) << "\n";
    return kExitInvalidQuestionnaire;
  }
  std::size_t questions = 0, scored = 0;
  for (const Item* item : q->flatten()) {
    if (item->type == ItemType::group || item->type == ItemType::display) continue;
    ++questions;
    for (const auto& opt : item->options) {
      if (opt.weight) {
        ++scored;
        break;
      }
    }
  }
  std::string langs;
  for (const auto& lang : q->languages()) langs += (langs.empty() ? "" : ",") + lang;
  // Everything but the counts comes from the file.
  std::cout << terminal_safe(path) << ": valid Questionnaire '"
            << terminal_safe(q->id().empty() ? q->url() : q->id()) << "'"
            << terminal_safe(q->version().empty() ? "" : " version " + q->version()) << ", " << questions
            << " questions (" << scored << " scored), " << q->bands().size() << " bands, languages "
            << terminal_safe(langs) << "\n";
  return 0;
}

}  // namespace

void register_assess(CLI::App& app, CommonOptions& common, int& exit_code) {
  auto* assess_cmd = app.add_subcommand("assess", "check questionnaires and score responses");
  assess_cmd->require_subcommand(1);

  auto validate_path = std::make_shared<std::string>();
  auto* validate = assess_cmd->add_subcommand("validate", "check a Questionnaire file against the profile");
  validate->add_option("questionnaire", *validate_path, "Questionnaire JSON file")->required();
  validate->callback([validate_path, &exit_code] { exit_code = run_validate(*validate_path); });

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
