// Record payloads (docs/design.md, "Records"). A check-in is sealed as a
// compact canonical JSON of the answers, not the full FHIR resource; the
// clinic re-expands it with the same Questionnaire (to_response), so the
// FHIR QuestionnaireResponse is reconstructed exactly. Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kiosk/questionnaire.h"
#include "kiosk/submission.h"
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

// A watched video (docs/design.md, "Media events"):
// {"f":"outpost-media-event/1","c":"<channel>","v":<channel version>,"i":"<item id>",
//  "w":<seconds watched>,"d":<duration s>,"e":<finished>,"cc":"<caption language>",
//  "l":"<lang>","s":"<subject>","t":"<authored>"}; seconds to 0.1 s; "cc", "l",
// "s", "t" left out when empty.
inline constexpr std::string_view kMediaEventFormat = "outpost-media-event/1";
// The most a video may have played per second of its length (re-watching
// after seeking back counts again): beyond it the figures are wrong.
inline constexpr double kMaxPlaysPerVideo = 10;
// The longest video a channel may carry (its manifest's duration_ms cap).
inline constexpr double kMaxMediaSeconds = 24 * 3600;

// Errc::invalid_argument naming the field that is wrong, never a value of
// the patient's: an empty or malformed channel or item id, seconds that are
// not finite, negative, past kMaxMediaSeconds or more than kMaxPlaysPerVideo
// times the duration, a malformed language or caption tag, an authored time
// that is not "YYYY-MM-DDTHH:MM:SSZ". Does not look at meta.subject (the
// kiosk checks patient codes with the check-ins' rule; the clinic flags them).
Status check_media_event(const MediaEvent& e);
// The payload of a checked event.
SecretBytes encode_media_event(const MediaEvent& e);
// Errc::corrupt naming the field (never its value) for a payload that is
// not that JSON, has another format tag, unknown or missing fields, or
// fails check_media_event.
Result<MediaEvent> decode_media_event(std::string_view payload);

}  // namespace outpost::sync
