// Generated check-ins for dictionary training and the outbox benchmark: random
// but plausible answers to a shipped questionnaire, made up from a seed (no
// real patient data). Header-only; used by train_dicts.cpp and outbox_bench.cpp.
#pragma once

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "kiosk/patient_code.h"
#include "kiosk/questionnaire.h"
#include "kiosk/utc_time.h"

namespace outpost::bench {

inline Result<Questionnaire> load_questionnaire_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Errc::not_found, path + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  return Questionnaire::parse(ss.str(), path);
}

// Answers every enabled question the way a patient walking the pages would.
inline Answers random_answers(const Questionnaire& q, std::mt19937_64& rng) {
  Answers a;
  for (bool more = true; more;) {
    more = false;
    for (const Item* item : pages(q, a)) {
      if (item->type != ItemType::choice || item->options.empty() || a.get(item->link_id)) continue;
      // Low scores are more common than high ones.
      std::uniform_int_distribution<std::size_t> d(0, item->options.size() - 1);
      std::size_t i = std::min(d(rng), d(rng));
      a.set(item->link_id, item->options[i].coding);
      more = true;
      break;
    }
  }
  return a;
}

inline ResponseMeta random_meta(const Questionnaire& q, std::mt19937_64& rng) {
  ResponseMeta m;
  const auto& langs = q.languages();
  m.language = langs.empty() ? "en" : langs[rng() % langs.size()];
  if (rng() % 4 != 0) {
    char eight[9];
    std::snprintf(eight, sizeof eight, "%08llu", static_cast<unsigned long long>(rng() % 100000000));
    auto code = make_patient_code(eight);
    if (code.ok()) m.subject = *code;
  }
  // 2026-2027, second resolution, UTC.
  std::int64_t t = 1767225600 + static_cast<std::int64_t>(rng() % (2 * 365 * 86400));
  m.authored = format_utc(t * 1000);
  return m;
}

}  // namespace outpost::bench
