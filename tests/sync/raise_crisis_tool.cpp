// outpost_test_raise_crisis: queues the crisis alert a kiosk queues when a
// patient confirms a critical answer (kiosk/session.h: raise_crisis), for
// integration tests that need a crisis-alert record to travel the real way
// (outbox, outpost-syncd, ingest) without its check-in (`outpostctl assess
// submit` queues both, through the same SubmitSink).
//
//   outpost_test_raise_crisis --config outpost.toml [--data-dir DIR]
//       --questionnaire Q.json --answers QR.json [--lang L] [--subject CODE]
//
// Prints the alert's record id; exit 1 when the answers are not critical.
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "config/site_config.h"
#include "kiosk/clock.h"
#include "sync/kiosk_outbox.h"

using namespace outpost;

namespace {

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Errc::not_found, path + ": cannot read");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int fail(const Status& s) {
  std::cerr << "outpost_test_raise_crisis: " << s.to_string() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"queue a crisis alert as the kiosk does"};
  std::string config_file, data_dir, questionnaire, answers_file, lang, subject;
  app.add_option("--config", config_file, "site config")->required();
  app.add_option("--data-dir", data_dir, "kiosk data dir (default: the config's)");
  app.add_option("--questionnaire", questionnaire, "Questionnaire JSON")->required();
  app.add_option("--answers", answers_file, "QuestionnaireResponse JSON")->required();
  app.add_option("--lang", lang, "language the patient used");
  app.add_option("--subject", subject, "patient code");
  CLI11_PARSE(app, argc, argv);

  auto config = load_site_config(config_file);
  if (!config.ok()) return fail(config.status());
  if (!data_dir.empty()) config->data_dir = data_dir;
  auto q_text = read_text(questionnaire);
  if (!q_text.ok()) return fail(q_text.status());
  auto q = Questionnaire::parse(*q_text, questionnaire);
  if (!q.ok()) return fail(q.status());
  auto a_text = read_text(answers_file);
  if (!a_text.ok()) return fail(a_text.status());
  auto answers = answers_from_response(*q, nlohmann::json::parse(*a_text), answers_file);
  if (!answers.ok()) return fail(answers.status());
  auto assessment = assess(*q, *answers);
  if (!assessment.ok()) return fail(assessment.status());
  if (assessment->critical_items.empty()) return fail(Status(Errc::invalid_argument, "no critical answer"));

  auto kiosk = sync::KioskOutbox::open({config->kiosk_id, config->data_dir, config->clinic.sealing_public_key,
                                        std::filesystem::path(OUTPOST_SOURCE_DIR) / "config/dictionaries"});
  if (!kiosk.ok()) return fail(kiosk.status());
  auto sink = (*kiosk)->sink();
  if (!sink.ok()) return fail(sink.status());
  const std::int64_t now = SystemClock().wall_ms();
  const std::time_t secs = static_cast<std::time_t>(now / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char authored[32];
  std::strftime(authored, sizeof authored, "%Y-%m-%dT%H:%M:%SZ", &tm);
  auto id = (*sink)->raise_crisis(*q, assessment->critical_items,
                                  ResponseMeta{lang.empty() ? q->language() : lang, subject, authored});
  if (!id.ok()) return fail(id.status());
  std::cout << *id << std::endl;
  return 0;
}
