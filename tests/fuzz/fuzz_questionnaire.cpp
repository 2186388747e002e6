// Feeds arbitrary bytes to the questionnaire engine: Questionnaire::parse,
// and when it accepts, the same document as a response plus enablement and
// scoring on empty answers. Nothing may crash, throw or leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kiosk/questionnaire.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto q = outpost::Questionnaire::parse(text, "fuzz");
  if (!q.ok()) return 0;
  // The same document read as a response: items may carry "answer" arrays.
  auto doc = nlohmann::json::parse(text, nullptr, false);
  doc["resourceType"] = "QuestionnaireResponse";
  doc.erase("questionnaire");
  auto answers = outpost::answers_from_response(*q, doc, "fuzz");
  outpost::Answers empty;
  (void)outpost::pages(*q, empty);
  (void)outpost::assess(*q, empty);
  if (answers.ok()) {
    outpost::drop_disabled_answers(*q, *answers);
    auto result = outpost::assess(*q, *answers);
    if (result.ok()) {
      auto response = outpost::to_response(*q, *answers, *result, {"es", "", ""});
      auto again = outpost::answers_from_response(*q, response, "fuzz");
      if (!again.ok()) __builtin_trap();  // our own output must read back
      (void)outpost::assessment_json(*result, "es").dump();
    }
  }
  for (const auto* item : q->flatten()) {
    (void)item->text.in("es");
    (void)q->parent_of(item->link_id);
  }
  return 0;
}
