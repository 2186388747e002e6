// FHIR R4 export of clinic records (sync/fhir_export.*). Records are built
// as ingest stores them: the body of a check-in is to_response's output,
// that of a crisis alert its payload JSON.
#include "sync/fhir_export.h"

#include <doctest/doctest.h>

#include <map>
#include <set>

#include "kiosk/questionnaire.h"
#include "sync/payload.h"
#include "tests/kiosk/questionnaire_fixture.h"
#include "tests/sync/sync_test_util.h"

using namespace outpost;
using namespace outpost::sync;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kT0 = 1'780'000'000'000;  // 2026-05-28, by the kiosk's clock
constexpr std::int64_t kMinute = 60'000;

Questionnaire load(const char* file) {
  auto q =
      Questionnaire::parse(testing::read_file(testing::source_dir() / "config/questionnaires" / file), file);
  REQUIRE_MESSAGE(q.ok(), q.status().to_string());
  return std::move(q).value();
}

QuestionnaireLibrary shipped() {
  auto lib = QuestionnaireLibrary::load(testing::source_dir() / "config/questionnaires", CrisisRules::defaults());
  REQUIRE_MESSAGE(lib.ok(), lib.status().to_string());
  return std::move(lib).value();
}

std::string canonical(const Questionnaire& q) {
  return q.url() + "|" + q.version();
}

// A check-in record of `response_file` (tests/data/responses) made at `at`.
ClinicRecord checkin(const Questionnaire& q, const char* response_file, std::int64_t at,
                     const std::string& subject, const std::string& lang = "en",
                     const std::string& kiosk = "kiosk-a") {
  Answers answers = testing::load_answers(q, response_file);
  auto a = assess(q, answers);
  REQUIRE(a.ok());
  ClinicRecord r;
  r.id = RecordId::generate(at).to_string();
  r.kiosk_id = kiosk;
  r.kind = "questionnaire-response";
  r.priority = 1;
  r.created_ms = at;
  r.questionnaire = canonical(q);
  r.score = a->score;
  if (a->band) r.severity = a->band->label;
  r.flags = a->flags;
  r.subject = subject;
  r.authored = "2026-05-28T20:26:40Z";
  r.body = to_response(q, answers, *a, ResponseMeta{lang, subject, r.authored}).dump();
  return r;
}

ClinicRecord alert(const Questionnaire& q, std::int64_t at, const std::string& subject,
                   std::vector<std::string> items = {"44260-8"}, const std::string& kiosk = "kiosk-a") {
  ClinicRecord r;
  r.id = RecordId::generate(at).to_string();
  r.kiosk_id = kiosk;
  r.kind = "crisis-alert";
  r.priority = 0;
  r.created_ms = at;
  r.questionnaire = canonical(q);
  r.flags = {"critical"};
  r.subject = subject;
  r.authored = "2026-05-28T20:20:00Z";
  r.body = json{{"q", r.questionnaire}, {"i", items}, {"s", subject}, {"t", r.authored}}.dump();
  return r;
}

std::vector<json> resources(const std::vector<ClinicRecord>& records,
                            FhirReferences refs = FhirReferences::relative,
                            const QuestionnaireLibrary& lib = shipped(),
                            FhirExportOptions options = {"https://clinic.example/patient-code"}) {
  auto e = export_fhir(records, lib, options, refs);
  REQUIRE_MESSAGE(e.ok(), e.status().to_string());
  return e->resources;
}

const json* find(const std::vector<json>& all, const std::string& type, const std::string& id) {
  for (const auto& r : all) {
    if (r["resourceType"] == type && r["id"] == id) return &r;
  }
  return nullptr;
}

json device(const std::string& kiosk) {
  return {{"type", "Device"}, {"identifier", {{"system", "urn:outpost:kiosk"}, {"value", kiosk}}}};
}

json patient(const std::string& code) {
  return {{"type", "Patient"},
          {"identifier", {{"system", "https://clinic.example/patient-code"}, {"value", code}}}};
}

// The mutual-nearest rule at the crisis alert's own scale.
std::map<std::string, std::string> links_of(const std::vector<ClinicRecord>& records) {
  return link_alerts(records);
}

}  // namespace

TEST_CASE("name-based UUIDs: RFC 9562's own example, version 8, stable, distinct per name") {
  testing::init_crypto();
  const RecordId dns = *RecordId::parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8");  // NameSpace_DNS
  CHECK(name_based_uuid(dns, "www.example.com").to_string() == "5c146b14-3c52-8afd-938a-375d0df1fbf6");
  const RecordId rec = RecordId::generate(kT0);
  const RecordId a = name_based_uuid(rec, "score");
  CHECK(a == name_based_uuid(rec, "score"));
  CHECK(a != name_based_uuid(rec, "scores"));
  CHECK(a != name_based_uuid(RecordId::generate(kT0), "score"));
  CHECK(a.to_string()[14] == '8');
  CHECK(std::string("89ab").find(a.to_string()[19]) != std::string::npos);
}

TEST_CASE("is_absolute_uri takes URNs and URLs, not bare words or spaces") {
  CHECK(is_absolute_uri("urn:outpost:patient-code"));
  CHECK(is_absolute_uri("urn:oid:2.16.840.1.113883.4.1"));
  CHECK(is_absolute_uri("https://clinic.example/patient-code"));
  CHECK_FALSE(is_absolute_uri("patient-code"));
  CHECK_FALSE(is_absolute_uri(":x"));
  CHECK_FALSE(is_absolute_uri("urn:"));
  CHECK_FALSE(is_absolute_uri("1urn:x"));
  CHECK_FALSE(is_absolute_uri("urn:my code"));
}

TEST_CASE(
    "a check-in: QuestionnaireResponse with id, identifier, patient subject and kiosk Device, Observation of "
    "its score") {
  testing::init_crypto();
  const Questionnaire phq9 = load("phq-9.json");
  ClinicRecord r = checkin(phq9, "phq9-en-moderate.json", kT0, "123456780");
  auto all = resources({r});
  REQUIRE(all.size() == 2);
  const json& qr = all[0];
  CHECK(qr["resourceType"] == "QuestionnaireResponse");
  CHECK(qr["id"] == r.id);
  CHECK(qr["identifier"] == json{{"system", "urn:ietf:rfc:3986"}, {"value", "urn:uuid:" + r.id}});
  CHECK(qr["subject"] == patient("123456780"));
  CHECK(qr["source"] == patient("123456780"));
  CHECK(qr["author"] == device("kiosk-a"));
  CHECK(qr["authored"] == r.authored);
  CHECK(qr["questionnaire"] == "urn:outpost:questionnaire:phq-9|1.0.0");
  // The rest is the stored response as it was.
  json stored = json::parse(r.body);
  CHECK(qr["item"] == stored["item"]);
  CHECK(qr["extension"] == stored["extension"]);

  const json& obs = all[1];
  const std::string obs_id = name_based_uuid(*RecordId::parse(r.id), "score").to_string();
  CHECK(obs["resourceType"] == "Observation");
  CHECK(obs["id"] == obs_id);
  CHECK(obs["identifier"] ==
        json::array({{{"system", "urn:ietf:rfc:3986"}, {"value", "urn:uuid:" + obs_id}}}));
  CHECK(obs["status"] == "final");
  CHECK(obs["category"][0]["coding"][0] ==
        json{{"system", "http://terminology.hl7.org/CodeSystem/observation-category"},
             {"code", "survey"},
             {"display", "Survey"}});
  CHECK(obs["code"]["coding"][0]["system"] == "http://loinc.org");
  CHECK(obs["code"]["coding"][0]["code"] == "44261-6");
  CHECK(obs["valueInteger"] == 12);
  CHECK_FALSE(obs.contains("valueQuantity"));
  CHECK(obs["interpretation"] == json::array({{{"text", "moderate"}}}));
  CHECK(obs["derivedFrom"] == json::array({{{"reference", "QuestionnaireResponse/" + r.id}}}));
  CHECK(obs["subject"] == qr["subject"]);
  CHECK(obs["effectiveDateTime"] == qr["authored"]);
  CHECK(obs["device"] == device("kiosk-a"));

  // The default subject system, and the same bytes on every export.
  auto again =
      export_fhir(std::vector<ClinicRecord>{r}, shipped(), FhirExportOptions{}, FhirReferences::relative);
  REQUIRE(again.ok());
  CHECK(again->resources[0]["subject"]["identifier"]["system"] == "urn:outpost:patient-code");
  auto twice =
      export_fhir(std::vector<ClinicRecord>{r}, shipped(), FhirExportOptions{}, FhirReferences::relative);
  CHECK(twice->resources[0].dump() == again->resources[0].dump());
  CHECK(twice->resources[1].dump() == again->resources[1].dump());
}

TEST_CASE("GAD-7 totals are LOINC 70274-6, anonymous check-ins have no subject, Spanish shows in _display") {
  testing::init_crypto();
  const Questionnaire gad7 = load("gad-7.json");
  ClinicRecord r = checkin(gad7, "gad7-es-mild.json", kT0, "", "es");
  auto all = resources({r});
  REQUIRE(all.size() == 2);
  CHECK_FALSE(all[0].contains("subject"));
  CHECK_FALSE(all[0].contains("source"));
  CHECK(all[0]["author"] == device("kiosk-a"));
  CHECK(all[1]["code"]["coding"][0]["code"] == "70274-6");
  CHECK(all[1]["valueInteger"] == 6);
  CHECK(all[1]["interpretation"][0]["text"] == "mild");
  CHECK_FALSE(all[1].contains("subject"));
  // LOINC's English display on the Coding, the Spanish the patient read beside it.
  const json& coding = all[0]["item"][0]["item"][0]["answer"][0]["valueCoding"];
  CHECK(coding["code"] == "LA6569-3");
  CHECK(coding["display"] == "Several days");
  CHECK(coding["_display"]["extension"][0]["url"] == "http://hl7.org/fhir/StructureDefinition/translation");
  CHECK(coding["_display"]["extension"][0]["extension"] ==
        json::parse(
            R"([{"url": "lang", "valueCode": "es"}, {"url": "content", "valueString": "Varios días"}])"));
}

TEST_CASE(
    "an instrument without a LOINC total is coded with its own code, a fractional score is a Quantity") {
  testing::init_crypto();
  testing::TempDir dir;
  json doc = test::design_example();
  doc["code"] =
      json::array({{{"system", "urn:outpost:codes"}, {"code", "mood-mini"}, {"display", "Mood check"}}});
  testing::write_file(dir.path() / "mood-mini.json", doc.dump());
  auto lib = QuestionnaireLibrary::load(dir.path(), CrisisRules::defaults());
  REQUIRE_MESSAGE(lib.ok(), lib.status().to_string());
  auto q = Questionnaire::from_json(doc);
  REQUIRE(q.ok());
  Answers answers;
  answers.set("mood", Coding{"urn:outpost:answers", "0", ""});
  answers.set("sleep", Coding{"", "1", ""});  // weight 1.5
  auto a = assess(*q, answers);
  REQUIRE(a.ok());
  ClinicRecord r;
  r.id = RecordId::generate(kT0).to_string();
  r.kiosk_id = "kiosk-a";
  r.kind = "questionnaire-response";
  r.created_ms = kT0;
  r.questionnaire = "urn:outpost:questionnaire:mood-mini|1";
  r.score = a->score;
  r.body = to_response(*q, answers, *a, ResponseMeta{"en", "", ""}).dump();
  auto e = export_fhir(std::vector<ClinicRecord>{r}, *lib, FhirExportOptions{}, FhirReferences::relative);
  REQUIRE(e.ok());
  const json& obs = e->resources.at(1);
  CHECK(obs["code"] == json::parse(R"({"coding": [{"system": "urn:outpost:codes", "code": "mood-mini",
                                        "display": "Mood check"}], "text": "Mood check total score"})"));
  CHECK(obs["valueQuantity"] == json::parse(R"({"value": 1.5, "unit": "{score}",
                                                "system": "http://unitsofmeasure.org", "code": "{score}"})"));
  CHECK_FALSE(obs.contains("interpretation"));                // 1.5 is in no band
  CHECK(obs["effectiveDateTime"] == "2026-05-28T20:26:40Z");  // no authored: the record's creation time
  CHECK(e->warnings.empty());

  // Not in the questionnaire folder at all: text only, and a warning.
  auto none =
      export_fhir(std::vector<ClinicRecord>{r}, shipped(), FhirExportOptions{}, FhirReferences::relative);
  REQUIRE(none.ok());
  CHECK(none->resources.at(1)["code"] ==
        json{{"text", "Total score of urn:outpost:questionnaire:mood-mini|1"}});
  REQUIRE(none->warnings.size() == 1);
  CHECK(none->warnings[0].find("mood-mini|1' is not in the questionnaire folder") != std::string::npos);
}

TEST_CASE("a crisis alert is a coded Flag on the patient, linked to the check-in of its session") {
  testing::init_crypto();
  const Questionnaire phq9 = load("phq-9.json");
  ClinicRecord crisis = alert(phq9, kT0, "123456780");
  ClinicRecord qr = checkin(phq9, "phq9-es-critical.json", kT0 + 3 * kMinute, "123456780", "es");
  auto all = resources({crisis, qr});
  const json* flag = find(all, "Flag", crisis.id);
  REQUIRE(flag != nullptr);
  CHECK((*flag)["status"] == "active");
  CHECK((*flag)["identifier"] ==
        json::array({{{"system", "urn:ietf:rfc:3986"}, {"value", "urn:uuid:" + crisis.id}}}));
  CHECK((*flag)["code"]["coding"] ==
        json::parse(R"j([{"system": "http://snomed.info/sct", "code": "225444004",
                                                      "display": "At risk for suicide (finding)"}])j"));
  CHECK((*flag)["code"]["text"] == "Critical answer on Patient Health Questionnaire-9 (PHQ-9), item 44260-8");
  CHECK((*flag)["category"][0]["coding"][0] ==
        json{{"system", "http://terminology.hl7.org/CodeSystem/flag-category"},
             {"code", "clinical"},
             {"display", "Clinical"}});
  CHECK((*flag)["subject"] == patient("123456780"));
  CHECK((*flag)["period"] == json{{"start", crisis.authored}});
  CHECK((*flag)["author"] == device("kiosk-a"));
  CHECK((*flag)["extension"] ==
        json::array({{{"url", "http://hl7.org/fhir/StructureDefinition/flag-detail"},
                      {"valueReference", {{"reference", "QuestionnaireResponse/" + qr.id}}}}}));
}

TEST_CASE(
    "alert links: anonymous walk-ins too, never across patients, kiosks, items, an hour, or an abandoned "
    "session") {
  testing::init_crypto();
  const Questionnaire phq9 = load("phq-9.json");
  const Questionnaire gad7 = load("gad-7.json");

  SUBCASE("anonymous: linked, and the Flag names its subject without identifying anyone") {
    ClinicRecord a = alert(phq9, kT0, "");
    ClinicRecord q = checkin(phq9, "phq9-es-critical.json", kT0 + kMinute, "");
    CHECK(links_of({a, q}) == std::map<std::string, std::string>{{a.id, q.id}});
    auto all = resources({a, q});
    const json* flag = find(all, "Flag", a.id);
    REQUIRE(flag != nullptr);
    CHECK((*flag)["subject"] == json{{"type", "Patient"}, {"display", "anonymous walk-in at kiosk kiosk-a"}});
    CHECK((*flag)["extension"][0]["valueReference"]["reference"] == "QuestionnaireResponse/" + q.id);
  }
  SUBCASE("an abandoned session's alert is not linked to the next walk-in's check-in") {
    ClinicRecord abandoned = alert(phq9, kT0, "");
    ClinicRecord next = alert(phq9, kT0 + 20 * kMinute, "");
    ClinicRecord q = checkin(phq9, "phq9-es-critical.json", kT0 + 23 * kMinute, "");
    CHECK(links_of({abandoned, next, q}) == std::map<std::string, std::string>{{next.id, q.id}});
    auto all = resources({abandoned, next, q});
    CHECK_FALSE(find(all, "Flag", abandoned.id)->contains("extension"));
  }
  SUBCASE("no link without a match") {
    ClinicRecord a = alert(phq9, kT0, "123456780");
    CHECK(links_of({a, checkin(phq9, "phq9-es-critical.json", kT0 + kMinute, "")}).empty());  // other patient
    CHECK(links_of({a, checkin(phq9, "phq9-es-critical.json", kT0 + kMinute, "123456780", "es", "kiosk-b")})
              .empty());  // other kiosk
    CHECK(links_of({a, checkin(phq9, "phq9-en-moderate.json", kT0 + kMinute, "123456780")})
              .empty());  // not critical
    CHECK(links_of({a, checkin(gad7, "gad7-en-severe.json", kT0 + kMinute, "123456780")})
              .empty());  // other form
    CHECK(links_of({a, checkin(phq9, "phq9-es-critical.json", kT0 + 61 * kMinute, "123456780")}).empty());
    CHECK(links_of({alert(phq9, kT0, "123456780", {"44260-8", "44250-9"}),
                    checkin(phq9, "phq9-es-critical.json", kT0 + kMinute, "123456780")})
              .empty());  // the alert names an item the check-in does not flag
    auto all = resources({a});
    CHECK_FALSE(find(all, "Flag", a.id)->contains("extension"));
  }
}

TEST_CASE(
    "transaction Bundle: conditional creates on each resource's identifier, references resolve inside") {
  testing::init_crypto();
  const Questionnaire phq9 = load("phq-9.json");
  const Questionnaire gad7 = load("gad-7.json");
  std::vector<ClinicRecord> records = {
      alert(phq9, kT0, "123456780"),
      checkin(phq9, "phq9-es-critical.json", kT0 + kMinute, "123456780", "es"),
      checkin(gad7, "gad7-en-severe.json", kT0 + 2 * kMinute, "123456780"),
      checkin(phq9, "phq9-en-none.json", kT0 + 3 * kMinute, ""),
  };
  ClinicRecord audit;
  audit.id = RecordId::generate(kT0 + 4 * kMinute).to_string();
  audit.kind = "audit";
  audit.body = R"({"event":"x"})";
  records.push_back(audit);
  auto all = resources(records, FhirReferences::bundle);
  REQUIRE(all.size() == 7);  // 1 Flag, 3 responses, 3 Observations; the audit record is not FHIR
  json bundle = fhir_transaction_bundle(all);
  CHECK(bundle["resourceType"] == "Bundle");
  CHECK(bundle["type"] == "transaction");
  REQUIRE(bundle["entry"].size() == 7);

  std::set<std::string> full_urls;
  for (const auto& entry : bundle["entry"]) {
    const json& res = entry["resource"];
    const std::string type = res["resourceType"];
    CHECK(entry["fullUrl"] == "urn:uuid:" + res["id"].get<std::string>());
    CHECK(full_urls.insert(entry["fullUrl"].get<std::string>()).second);
    CHECK(entry["request"]["method"] == "POST");
    CHECK(entry["request"]["url"] == type);
    const json& ident = res["identifier"].is_array() ? res["identifier"][0] : res["identifier"];
    CHECK(ident["value"] == entry["fullUrl"]);
    CHECK(entry["request"]["ifNoneExist"] ==
          "identifier=urn:ietf:rfc:3986|" + ident["value"].get<std::string>());
  }
  // Every reference by URL points at an entry of the Bundle.
  std::size_t refs = 0;
  for (const auto& entry : bundle["entry"]) {
    const json& res = entry["resource"];
    std::vector<json> targets;
    if (res.contains("derivedFrom")) targets.push_back(res["derivedFrom"][0]);
    if (res.contains("extension") && res["resourceType"] == "Flag")
      targets.push_back(res["extension"][0]["valueReference"]);
    for (const json& t : targets) {
      ++refs;
      CHECK(full_urls.count(t["reference"].get<std::string>()) == 1);
      CHECK(t["type"] == "QuestionnaireResponse");
    }
  }
  CHECK(refs == 4);  // three Observations and the Flag
  CHECK(fhir_transaction_bundle(resources(records, FhirReferences::bundle)).dump() == bundle.dump());
}

TEST_CASE("a stored body that is not a QuestionnaireResponse is an error naming the record") {
  ClinicRecord r;
  r.id = RecordId::generate(kT0).to_string();
  r.kind = "questionnaire-response";
  r.body = "{not json";
  auto e =
      export_fhir(std::vector<ClinicRecord>{r}, shipped(), FhirExportOptions{}, FhirReferences::relative);
  REQUIRE_FALSE(e.ok());
  CHECK(e.status().code() == Errc::corrupt);
  CHECK(e.status().message().find(r.id) != std::string::npos);
}

namespace {

ClinicRecord media_record(std::int64_t at, const std::string& subject, std::uint64_t version = 4) {
  MediaEvent e;
  e.channel = "demo";
  e.channel_version = version;
  e.item_id = "box-breathing";
  e.seconds_watched = 19.5;
  e.duration_s = 21;
  e.finished = true;
  e.captions = "es";
  e.meta = ResponseMeta{"es", subject, "2026-05-28T20:30:00Z"};
  ClinicRecord r;
  r.id = RecordId::generate(at).to_string();
  r.kiosk_id = "kiosk-a";
  r.kind = "media-event";
  r.priority = 2;
  r.created_ms = at;
  r.subject = subject;
  r.authored = e.meta.authored;
  r.body = std::string(encode_media_event(e).view());
  return r;
}

}  // namespace

TEST_CASE("a watched video is an Observation: seconds watched, the item, channel, captions and language") {
  testing::init_crypto();
  ClinicRecord r = media_record(kT0, "123456780");
  auto all = resources({r});
  const json* obs = find(all, "Observation", r.id);
  REQUIRE(obs != nullptr);
  CHECK((*obs)["status"] == "final");
  CHECK((*obs)["category"][0]["coding"][0]["code"] == "therapy");
  CHECK((*obs)["code"]["coding"][0] == json{{"system", "urn:outpost:observation-code"},
                                           {"code", "psychoeducation-video-watched"},
                                           {"display", "Psychoeducation video watched"}});
  CHECK((*obs)["effectiveDateTime"] == "2026-05-28T20:30:00Z");
  CHECK((*obs)["valueQuantity"] ==
        json{{"value", 19.5}, {"unit", "s"}, {"system", "http://unitsofmeasure.org"}, {"code", "s"}});
  CHECK((*obs)["subject"] == patient("123456780"));
  CHECK((*obs)["device"] == device("kiosk-a"));
  std::map<std::string, json> parts;
  for (const json& c : (*obs)["component"]) parts[c["code"]["coding"][0]["code"].get<std::string>()] = c;
  CHECK(parts["media-item"]["valueString"] == "box-breathing");
  CHECK(parts["media-channel"]["valueString"] == "demo");
  CHECK(parts["media-channel-version"]["valueInteger"] == 4);
  CHECK(parts["media-finished"]["valueBoolean"] == true);
  CHECK(parts["media-duration"]["valueQuantity"]["value"] == 21.0);
  CHECK(parts["media-captions"]["valueCodeableConcept"]["coding"][0] == json{{"system", "urn:ietf:bcp:47"}, {"code", "es"}});
  CHECK(parts["kiosk-language"]["valueCodeableConcept"]["coding"][0]["code"] == "es");

  // Anonymous: no subject. A version past FHIR's 32-bit integer goes as text.
  ClinicRecord anon = media_record(kT0 + kMinute, "", 5'000'000'000);
  const auto anon_all = resources({anon});
  const json* a = find(anon_all, "Observation", anon.id);
  REQUIRE(a != nullptr);
  CHECK_FALSE(a->contains("subject"));
  bool text_version = false;
  for (const json& c : (*a)["component"]) {
    if (c["code"]["coding"][0]["code"] == "media-channel-version") text_version = c["valueString"] == "5000000000";
  }
  CHECK(text_version);
}

TEST_CASE("a stored media event that does not decode is an error naming the record, not a partial export") {
  ClinicRecord r = media_record(kT0, "");
  r.body = R"({"f":"outpost-media-event/1"})";
  auto e = export_fhir(std::vector<ClinicRecord>{r}, shipped(), FhirExportOptions{}, FhirReferences::relative);
  REQUIRE_FALSE(e.ok());
  CHECK(e.status().code() == Errc::corrupt);
  CHECK(e.status().message() == "record " + r.id + ": stored body: media-event payload: missing \"c\"");
}
