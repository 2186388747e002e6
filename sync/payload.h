// Record payloads (docs/design.md, "Records"). A check-in is sealed as a
// compact canonical JSON of the answers, not the full FHIR resource; the
// clinic re-expands it with the same Questionnaire (to_response), so the
// FHIR QuestionnaireResponse is reconstructed exactly. Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kiosk/questionnaire.h"
#include "sync/dictionaries.h"

namespace outpost::sync {

// {"q":"<url>|<version>","l":"<lang>","s":"<subject>","t":"<authored>",
//  "a":[<answer>,...]}: one entry per question (non-group, non-display item)
// in document order, null when unanswered, trailing nulls dropped; choice:
// the option's index; date: the ISO text; others: the JSON value.
SecretBytes encode_checkin(const Questionnaire& q, const Answers& answers, const ResponseMeta& meta);

// "<url>|<version>" of an encoded check-in, to find the Questionnaire.
Result<std::string> checkin_questionnaire(std::string_view payload);

struct Checkin {
  Answers answers;
  ResponseMeta meta;
};
// Errc::corrupt for malformed payloads; Errc::invalid_response when the
// answers do not fit `q`.
Result<Checkin> decode_checkin(const Questionnaire& q, std::string_view payload);
// decode_checkin, assess, to_response: the full FHIR QuestionnaireResponse.
Result<nlohmann::json> reconstruct_response(const Questionnaire& q, std::string_view payload);

// {"q":"<url>|<version>","i":["<linkId>",...],"s":"<subject>","t":"<authored>"}
SecretBytes encode_crisis(const Questionnaire& q, const std::vector<std::string>& critical_items,
                          const ResponseMeta& meta);

}  // namespace outpost::sync
