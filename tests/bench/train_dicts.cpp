// Trains the per-kind zstd dictionaries shipped in config/dictionaries/
// (docs/design.md, "Records") from generated check-ins and crisis alerts.
// Deterministic for a given seed and questionnaire set.
//   outpost_train_dicts CONFIG_DIR OUT_DIR
#include <zdict.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <vector>

#include "sync/payload.h"
#include "sync/record.h"
#include "tests/bench/checkin_samples.h"

namespace fs = std::filesystem;
using namespace outpost;

namespace {

constexpr std::size_t kSamplesPerQuestionnaire = 4000;
constexpr std::size_t kDictBytes = 4096;

// Dictionary ids are never reused: a retrained dictionary gets the next id.
struct Target {
  sync::RecordKind kind;
  unsigned id;
};
// questionnaire-response 1 was trained before check-ins carried the
// questionnaire digest ("d"); 3 since. crisis-alert 2 is unchanged. The
// clinic keeps every id it has shipped.
constexpr Target kTargets[] = {{sync::RecordKind::questionnaire_response, 3}};

bool train(const std::vector<std::string>& samples, unsigned id, const fs::path& out) {
  std::string all;
  std::vector<size_t> sizes;
  for (const auto& s : samples) {
    all += s;
    sizes.push_back(s.size());
  }
  std::vector<char> dict(kDictBytes);
  ZDICT_fastCover_params_t params{};
  params.d = 6;
  params.k = 50;
  params.steps = 4;
  params.zParams.compressionLevel = 19;
  params.zParams.dictID = id;
  size_t n = ZDICT_optimizeTrainFromBuffer_fastCover(dict.data(), dict.size(), all.data(), sizes.data(),
                                                      static_cast<unsigned>(sizes.size()), &params);
  if (ZDICT_isError(n)) {
    std::cerr << out << ": " << ZDICT_getErrorName(n) << "\n";
    return false;
  }
  std::ofstream f(out, std::ios::binary);
  f.write(dict.data(), static_cast<std::streamsize>(n));
  std::cout << out.string() << ": " << n << " bytes from " << samples.size() << " samples\n";
  return f.good();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: outpost_train_dicts CONFIG_DIR OUT_DIR\n";
    return 2;
  }
  fs::path config = argv[1];
  fs::path out = argv[2];
  std::mt19937_64 rng(20260101);
  std::vector<std::string> checkins, crises;
  for (const char* name : {"phq-9.json", "gad-7.json"}) {
    auto q = bench::load_questionnaire_file((config / "questionnaires" / name).string());
    if (!q.ok()) {
      std::cerr << q.status().message() << "\n";
      return 1;
    }
    for (std::size_t i = 0; i < kSamplesPerQuestionnaire; ++i) {
      Answers a = bench::random_answers(*q, rng);
      ResponseMeta m = bench::random_meta(*q, rng);
      checkins.emplace_back(sync::encode_checkin(*q, a, m).view());
      std::vector<std::string> critical;
      for (const Item* item : q->flatten())
        if (const AnswerValue* v = a.get(item->link_id); v && is_critical_answer(*item, *v)) critical.push_back(item->link_id);
      if (critical.empty() && q->find("44260-8")) critical.push_back("44260-8");
      if (!critical.empty()) crises.emplace_back(sync::encode_crisis(*q, critical, m).view());
    }
  }
  fs::create_directories(out);
  bool ok = true;
  for (const Target& t : kTargets) {
    const auto& samples = t.kind == sync::RecordKind::crisis_alert ? crises : checkins;
    ok = train(samples, t.id, out / (std::string(sync::kind_name(t.kind)) + "." + std::to_string(t.id) + ".zdict")) && ok;
  }
  return ok ? 0 : 1;
}
