// FHIR R4 export (docs/design.md, "Clinic server layout", Export).
#include "sync/fhir_export.h"

#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <tuple>

#include "kiosk/utc_time.h"
#include "sync/payload.h"

namespace outpost::sync {

using nlohmann::json;

namespace {

constexpr std::string_view kLoinc = "http://loinc.org";
constexpr std::string_view kSnomed = "http://snomed.info/sct";
constexpr std::string_view kObservationCategory =
    "http://terminology.hl7.org/CodeSystem/observation-category";
constexpr std::string_view kFlagCategory = "http://terminology.hl7.org/CodeSystem/flag-category";
constexpr std::string_view kFlagDetail = "http://hl7.org/fhir/StructureDefinition/flag-detail";
constexpr std::string_view kUcum = "http://unitsofmeasure.org";
constexpr std::string_view kBcp47 = "urn:ietf:bcp:47";
// Outpost's own codes for what no standard code system names: a
// psychoeducation video watched and the parts of that Observation.
constexpr std::string_view kOutpostObservationCodes = "urn:outpost:observation-code";

// The LOINC total-score codes of the instruments Outpost ships, found by
// the Questionnaire's panel code, or by its url when the clinic's library
// does not have it.
struct ScoreCode {
  std::string_view panel, url, code, display, text;
};
constexpr ScoreCode kScoreCodes[] = {
    {"44249-1", "urn:outpost:questionnaire:phq-9", "44261-6",
     "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]", "PHQ-9 total score"},
    {"69737-5", "urn:outpost:questionnaire:gad-7", "70274-6",
     "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]", "GAD-7 total score"},
};

// SNOMED CT: the finding a critical answer (PHQ-9 item 9) raises.
constexpr std::string_view kAtRiskForSuicide = "225444004";
constexpr std::string_view kAtRiskForSuicideDisplay = "At risk for suicide (finding)";

std::string url_of(const std::string& canonical) {
  return canonical.substr(0, canonical.find('|'));
}

json own_identifier(const std::string& uuid) {
  return {{"system", kUriSystem}, {"value", "urn:uuid:" + uuid}};
}

json device(const std::string& kiosk_id) {
  return {{"type", "Device"}, {"identifier", {{"system", kKioskSystem}, {"value", kiosk_id}}}};
}

// A logical reference to the patient by code; nullopt for an anonymous record.
std::optional<json> patient(const ClinicRecord& r, const FhirExportOptions& o) {
  if (r.subject.empty()) return std::nullopt;
  return json{{"type", "Patient"}, {"identifier", {{"system", o.subject_system}, {"value", r.subject}}}};
}

json reference(std::string_view type, const std::string& id, FhirReferences refs) {
  if (refs == FhirReferences::bundle) return {{"reference", "urn:uuid:" + id}, {"type", type}};
  return {{"reference", std::string(type) + "/" + id}};
}

std::vector<std::string> strings_at(const json& doc, const char* key) {
  std::vector<std::string> out;
  if (!doc.is_object()) return out;
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

// The linkIds a stored QuestionnaireResponse names as critical.
std::vector<std::string> critical_items(const json& qr) {
  std::vector<std::string> out;
  if (!qr.is_object() || !qr.contains("extension") || !qr["extension"].is_array()) return out;
  for (const auto& e : qr["extension"]) {
    if (e.value("url", "") == "urn:outpost:critical-item" && e.contains("valueString") &&
        e["valueString"].is_string()) {
      out.push_back(e["valueString"].get<std::string>());
    }
  }
  return out;
}

class Exporter {
 public:
  Exporter(std::span<const ClinicRecord> records, const QuestionnaireLibrary& lib, const FhirExportOptions& o,
           FhirReferences refs)
      : records_(records), lib_(lib), o_(o), refs_(refs) {}

  Result<FhirExport> run() {
    const std::map<std::string, std::string> links = link_alerts(records_);
    for (const ClinicRecord& r : records_) {
      if (r.kind == "questionnaire-response") {
        Status s = checkin(r);
        if (!s.ok()) return s;
      } else if (r.kind == "crisis-alert") {
        auto link = links.find(r.id);
        out_.resources.push_back(flag(r, link == links.end() ? nullptr : &link->second));
      } else if (r.kind == "media-event") {
        auto obs = media_observation(r);
        if (!obs.ok()) return obs.status();
        out_.resources.push_back(std::move(obs).value());
      }
    }
    return std::move(out_);
  }

 private:
  const Questionnaire* questionnaire(const std::string& canonical) {
    const Questionnaire* q = lib_.find(canonical);
    if (q == nullptr && !canonical.empty() && missing_.insert(canonical).second) {
      out_.warnings.push_back("questionnaire '" + canonical +
                              "' is not in the questionnaire folder: its scores are coded by text only");
    }
    return q;
  }

  Status checkin(const ClinicRecord& r) {
    json qr = json::parse(r.body, nullptr, false);
    if (!qr.is_object() || qr.value("resourceType", "") != "QuestionnaireResponse") {
      return Status(Errc::corrupt, "record " + r.id + ": stored body is not a QuestionnaireResponse");
    }
    const std::optional<RecordId> id = RecordId::parse(r.id);
    if (!id) return Status(Errc::corrupt, "record '" + r.id + "': the stored id is not a UUID");
    qr["id"] = r.id;
    qr["identifier"] = own_identifier(r.id);  // 0..1 in R4, not a list
    qr.erase("subject");
    qr.erase("source");
    if (auto p = patient(r, o_)) {
      qr["subject"] = *p;
      qr["source"] = *p;  // who answered: the patient at the kiosk (R4 allows no Device here)
    }
    qr["author"] = device(r.kiosk_id);  // who entered the answers: the kiosk
    out_.resources.push_back(std::move(qr));
    if (r.score) out_.resources.push_back(observation(r, *id));
    return Status::Ok();
  }

  json score_code(const std::string& canonical) {
    const Questionnaire* q = questionnaire(canonical);
    const std::string url = q ? q->url() : url_of(canonical);
    for (const ScoreCode& c : kScoreCodes) {
      const bool by_panel = q && q->code().system == kLoinc && q->code().code == c.panel;
      if (by_panel || url == c.url) {
        return {{"coding", json::array({{{"system", kLoinc}, {"code", c.code}, {"display", c.display}}})},
                {"text", c.text}};
      }
    }
    // Not an instrument with a known total-score code: the Questionnaire's
    // own code, and text that says it is the total.
    if (q == nullptr) return {{"text", "Total score of " + canonical}};
    json code = {{"text", (q->title().base.empty() ? canonical : q->title().base) + " total score"}};
    if (!q->code().code.empty()) {
      json c = {{"code", q->code().code}};
      if (!q->code().system.empty()) c["system"] = q->code().system;
      if (!q->code().display.empty()) c["display"] = q->code().display;
      code["coding"] = json::array({c});
    }
    return code;
  }

  // The score as an Observation; its id is derived from the check-in's, so
  // every export names it the same.
  json observation(const ClinicRecord& r, const RecordId& checkin_id) {
    const std::string id = name_based_uuid(checkin_id, "score").to_string();
    json obs = {{"resourceType", "Observation"},
                {"id", id},
                {"identifier", json::array({own_identifier(id)})},
                {"status", "final"},
                {"category", json::array({{{"coding", json::array({{{"system", kObservationCategory},
                                                                    {"code", "survey"},
                                                                    {"display", "Survey"}}})}}})},
                {"code", score_code(r.questionnaire)},
                {"effectiveDateTime", r.authored.empty() ? format_utc(r.created_ms) : r.authored},
                {"derivedFrom", json::array({reference("QuestionnaireResponse", r.id, refs_)})},
                {"device", device(r.kiosk_id)}};
    if (auto p = patient(r, o_)) obs["subject"] = *p;
    const double score = *r.score;
    if (std::trunc(score) == score && std::fabs(score) <= std::numeric_limits<std::int32_t>::max()) {
      obs["valueInteger"] = static_cast<std::int64_t>(score);
    } else {
      obs["valueQuantity"] = {{"value", score}, {"unit", "{score}"}, {"system", kUcum}, {"code", "{score}"}};
    }
    if (!r.severity.empty()) obs["interpretation"] = json::array({{{"text", r.severity}}});
    return obs;
  }

  json flag(const ClinicRecord& r, const std::string* linked_response) {
    const json payload = json::parse(r.body, nullptr, false);
    const std::vector<std::string> items = strings_at(payload, "i");
    const Questionnaire* q = questionnaire(r.questionnaire);
    std::string what = "Critical answer";
    if (!r.questionnaire.empty())
      what += " on " + (q && !q->title().base.empty() ? q->title().base : r.questionnaire);
    for (std::size_t i = 0; i < items.size(); ++i) what += (i == 0 ? ", item " : ", ") + items[i];
    json f = {
        {"resourceType", "Flag"},
        {"id", r.id},
        {"identifier", json::array({own_identifier(r.id)})},
        {"status", "active"},
        {"category", json::array({{{"coding", json::array({{{"system", kFlagCategory},
                                                            {"code", "clinical"},
                                                            {"display", "Clinical"}}})}}})},
        {"code",
         {{"coding",
           json::array(
               {{{"system", kSnomed}, {"code", kAtRiskForSuicide}, {"display", kAtRiskForSuicideDisplay}}})},
          {"text", what}}},
        {"period", {{"start", r.authored.empty() ? format_utc(r.created_ms) : r.authored}}},
        {"author", device(r.kiosk_id)}};
    // Flag.subject is required; an anonymous walk-in is named, not identified.
    if (auto p = patient(r, o_)) {
      f["subject"] = *p;
    } else {
      f["subject"] = {{"type", "Patient"}, {"display", "anonymous walk-in at kiosk " + r.kiosk_id}};
    }
    if (linked_response) {
      f["extension"] =
          json::array({{{"url", kFlagDetail},
                        {"valueReference", reference("QuestionnaireResponse", *linked_response, refs_)}}});
    }
    return f;
  }

  // A watched video as an Observation of the patient's activity in the
  // program (docs/design.md, "Media events"). Its id is the record id.
  Result<json> media_observation(const ClinicRecord& r) {
    auto event = decode_media_event(r.body);
    if (!event.ok()) return Status(Errc::corrupt, "record " + r.id + ": stored body: " + event.status().message());
    auto code = [](std::string_view c, std::string_view display) {
      return json{{"coding", json::array({{{"system", kOutpostObservationCodes}, {"code", c}, {"display", display}}})},
                  {"text", display}};
    };
    auto seconds = [](double v) {
      return json{{"value", v}, {"unit", "s"}, {"system", kUcum}, {"code", "s"}};
    };
    auto language = [](const std::string& tag) {
      return json{{"coding", json::array({{{"system", kBcp47}, {"code", tag}}})}};
    };
    json components = json::array({
        {{"code", code("media-finished", "Played to the end")}, {"valueBoolean", event->finished}},
        {{"code", code("media-duration", "Length of the video")}, {"valueQuantity", seconds(event->duration_s)}},
        {{"code", code("media-item", "Content item id")}, {"valueString", event->item_id}},
        {{"code", code("media-channel", "Content channel")}, {"valueString", event->channel}},
    });
    // FHIR's integer is 32 bits; a version past it (never reached by +1 per
    // publish, but the manifest allows it) goes as its decimal text.
    json version = {{"code", code("media-channel-version", "Content channel version")}};
    if (event->channel_version <= static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())) {
      version["valueInteger"] = event->channel_version;
    } else {
      version["valueString"] = std::to_string(event->channel_version);
    }
    components.push_back(std::move(version));
    if (!event->captions.empty())
      components.push_back({{"code", code("media-captions", "Caption language")},
                            {"valueCodeableConcept", language(event->captions)}});
    if (!event->meta.language.empty())
      components.push_back({{"code", code("kiosk-language", "Kiosk language")},
                            {"valueCodeableConcept", language(event->meta.language)}});
    json obs = {{"resourceType", "Observation"},
                {"id", r.id},
                {"identifier", json::array({own_identifier(r.id)})},
                {"status", "final"},
                {"category", json::array({{{"coding", json::array({{{"system", kObservationCategory},
                                                                    {"code", "therapy"},
                                                                    {"display", "Therapy"}}})}}})},
                {"code", code("psychoeducation-video-watched", "Psychoeducation video watched")},
                {"effectiveDateTime", r.authored.empty() ? format_utc(r.created_ms) : r.authored},
                {"valueQuantity", seconds(event->seconds_watched)},
                {"device", device(r.kiosk_id)},
                {"component", std::move(components)}};
    if (auto p = patient(r, o_)) obs["subject"] = *p;
    return obs;
  }

  std::span<const ClinicRecord> records_;
  const QuestionnaireLibrary& lib_;
  const FhirExportOptions& o_;
  FhirReferences refs_;
  FhirExport out_;
  std::set<std::string> missing_;
};

}  // namespace

Result<FhirExport> export_fhir(std::span<const ClinicRecord> records,
                               const QuestionnaireLibrary& questionnaires, const FhirExportOptions& options,
                               FhirReferences refs) {
  return Exporter(records, questionnaires, options, refs).run();
}

json fhir_transaction_bundle(std::span<const json> resources) {
  json entries = json::array();
  for (const json& res : resources) {
    const std::string type = res.at("resourceType").get<std::string>();
    // QuestionnaireResponse.identifier is one Identifier in R4; the others a list.
    const json& ident = res.at("identifier").is_array() ? res.at("identifier").at(0) : res.at("identifier");
    entries.push_back({{"fullUrl", "urn:uuid:" + res.at("id").get<std::string>()},
                       {"resource", res},
                       {"request",
                        {{"method", "POST"},
                         {"url", type},
                         {"ifNoneExist", "identifier=" + ident.at("system").get<std::string>() + "|" +
                                             ident.at("value").get<std::string>()}}}});
  }
  return {{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", std::move(entries)}};
}

std::map<std::string, std::string> link_alerts(std::span<const ClinicRecord> records) {
  using Key = std::tuple<std::string, std::string, std::string>;  // kiosk, questionnaire, subject
  struct Checkin {
    std::size_t index;
    std::set<std::string> critical;
  };
  std::map<Key, std::vector<Checkin>> checkins;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const ClinicRecord& r = records[i];
    if (r.kind != "questionnaire-response") continue;
    std::vector<std::string> items = critical_items(json::parse(r.body, nullptr, false));
    if (items.empty()) continue;
    checkins[{r.kiosk_id, r.questionnaire, r.subject}].push_back({i, {items.begin(), items.end()}});
  }
  auto gap = [&](std::size_t a, std::size_t b) {
    const std::int64_t d = records[a].created_ms - records[b].created_ms;
    return d < 0 ? -d : d;
  };
  // Each alert's nearest qualifying check-in, and each check-in's nearest alert.
  std::map<std::size_t, std::size_t> alert_best, checkin_best;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const ClinicRecord& r = records[i];
    if (r.kind != "crisis-alert") continue;
    auto group = checkins.find({r.kiosk_id, r.questionnaire, r.subject});
    if (group == checkins.end()) continue;
    const std::vector<std::string> items = strings_at(json::parse(r.body, nullptr, false), "i");
    for (const Checkin& c : group->second) {
      if (gap(i, c.index) > kAlertLinkWindowMs) continue;
      if (!std::all_of(items.begin(), items.end(), [&](const auto& id) { return c.critical.count(id) > 0; }))
        continue;
      auto a = alert_best.find(i);
      if (a == alert_best.end() || gap(i, c.index) < gap(i, a->second)) alert_best[i] = c.index;
      auto b = checkin_best.find(c.index);
      if (b == checkin_best.end() || gap(i, c.index) < gap(b->second, c.index)) checkin_best[c.index] = i;
    }
  }
  std::map<std::string, std::string> links;
  for (const auto& [alert, checkin] : alert_best) {
    if (checkin_best.at(checkin) == alert) links[records[alert].id] = records[checkin].id;
  }
  return links;
}

RecordId name_based_uuid(const RecordId& ns, std::string_view name) {
  std::vector<std::uint8_t> input(ns.bytes.begin(), ns.bytes.end());
  input.insert(input.end(), name.begin(), name.end());
  std::array<std::uint8_t, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), input.data(), input.size());
  RecordId out;
  std::copy_n(digest.begin(), out.bytes.size(), out.bytes.begin());
  out.bytes[6] = static_cast<std::uint8_t>((out.bytes[6] & 0x0f) | 0x80);  // version 8
  out.bytes[8] = static_cast<std::uint8_t>((out.bytes[8] & 0x3f) | 0x80);  // RFC 9562 variant
  return out;
}

bool is_absolute_uri(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(text[0])) return false;
  for (std::size_t i = 1; i < colon; ++i) {
    const char c = text[i];
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return false;
  }
  return std::none_of(text.begin(), text.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == '\x7f'; });
}

}  // namespace outpost::sync
