// checkin_flood: queues many check-ins through the kiosk's real Submit path
// (KioskOutbox + OutboxSubmitSink) in one process, for the sync benchmark,
// where starting `outpostctl assess submit` 10,000 times would dominate.
// Usage: checkin_flood CONFIG QUESTIONNAIRE RESPONSES_DIR N
//   reads RESPONSES_DIR/r-<i % count>.json (tests/integration/checkins.py)
//   and prints "<record id>\t<score>" per check-in.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/site_config.h"
#include "sync/kiosk_outbox.h"

using namespace outpost;

namespace {
Result<std::string> slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Status(Errc::not_found, p.string() + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
int fail(const Status& s) {
  std::cerr << "checkin_flood: " << s.to_string() << "\n";
  return 1;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: checkin_flood CONFIG QUESTIONNAIRE RESPONSES_DIR N\n";
    return 2;
  }
  if (!sync::crypto_init()) return fail(Status(Errc::internal, "libsodium"));
  auto config = load_site_config(argv[1]);
  if (!config.ok()) return fail(config.status());
  auto qtext = slurp(argv[2]);
  if (!qtext.ok()) return fail(qtext.status());
  auto q = Questionnaire::parse(*qtext, argv[2]);
  if (!q.ok()) return fail(q.status());
  auto kiosk = sync::KioskOutbox::open(
      {config->kiosk_id, config->data_dir, config->clinic.sealing_public_key, std::filesystem::path(OUTPOST_SOURCE_DIR) / "config/dictionaries"});
  if (!kiosk.ok()) return fail(kiosk.status());
  auto sink = (*kiosk)->sink();
  if (!sink.ok()) return fail(sink.status());
  const long n = std::stol(argv[4]);
  std::size_t count = 0;
  while (std::filesystem::exists(std::filesystem::path(argv[3]) / ("r-" + std::to_string(count) + ".json"))) ++count;
  if (count == 0) return fail(Status(Errc::not_found, std::string(argv[3]) + ": no r-0.json"));
  for (long i = 0; i < n; ++i) {
    auto text = slurp(std::filesystem::path(argv[3]) / ("r-" + std::to_string(static_cast<std::size_t>(i) % count) + ".json"));
    if (!text.ok()) return fail(text.status());
    auto answers = answers_from_response(*q, nlohmann::json::parse(*text));
    if (!answers.ok()) return fail(answers.status());
    auto a = assess(*q, *answers);
    if (!a.ok()) return fail(a.status());
    auto id = (*sink)->submit(*q, *answers, *a, ResponseMeta{q->language(), "", "2026-11-23T09:00:00Z"});
    if (!id.ok()) return fail(id.status());
    std::cout << *id << "\t" << a->score << "\n";
  }
  return 0;
}
