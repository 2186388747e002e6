#include "kiosk/session.h"

#include <limits>
#include <memory>
#include <string>

#include <doctest/doctest.h>

#include "kiosk/patient_code.h"
#include "kiosk/submitter.h"
#include "tests/kiosk/blocking_sink.h"

using namespace outpost;
using namespace std::chrono_literals;

namespace {

// A small questionnaire in the supported profile: an information page, a
// required weighted choice, an item enabled only by its highest option, and a
// critical item (weight >= 2 is critical).
constexpr const char* kMoodJson = R"({
  "resourceType": "Questionnaire",
  "url": "urn:test:mood",
  "status": "active",
  "extension": [
    {"url": "urn:outpost:score-band", "extension": [
      {"url": "min", "valueInteger": 0}, {"url": "max", "valueInteger": 2}, {"url": "label", "valueString": "low"}]},
    {"url": "urn:outpost:score-band", "extension": [
      {"url": "min", "valueInteger": 3}, {"url": "max", "valueInteger": 8}, {"url": "label", "valueString": "high"}]}
  ],
  "item": [
    {"linkId": "intro", "type": "display", "text": "A few questions."},
    {"linkId": "q1", "type": "choice", "required": true, "text": "How often?",
     "answerOption": [
       {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/itemWeight", "valueDecimal": 0}],
        "valueCoding": {"system": "urn:test", "code": "a0", "display": "Never"}},
       {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/itemWeight", "valueDecimal": 1}],
        "valueCoding": {"system": "urn:test", "code": "a1", "display": "Sometimes"}},
       {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/itemWeight", "valueDecimal": 2}],
        "valueCoding": {"system": "urn:test", "code": "a2", "display": "Always"}}]},
    {"linkId": "q1b", "type": "boolean", "text": "Is it hard?",
     "enableWhen": [{"question": "q1", "operator": "=", "answerCoding": {"system": "urn:test", "code": "a2"}}]},
    {"linkId": "q2", "type": "choice", "required": true, "text": "Thoughts of harm?",
     "extension": [{"url": "urn:outpost:critical-at-or-above", "valueDecimal": 2}],
     "answerOption": [
       {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/itemWeight", "valueDecimal": 0}],
        "valueCoding": {"system": "urn:test", "code": "b0", "display": "No"}},
       {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/itemWeight", "valueDecimal": 1}],
        "valueCoding": {"system": "urn:test", "code": "b1", "display": "Rarely"}},
       {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/itemWeight", "valueDecimal": 2}],
        "valueCoding": {"system": "urn:test", "code": "b2", "display": "Often"}}]}
  ]
})";

// The second questionnaire of the check-in: one optional free-text item.
constexpr const char* kNoteJson = R"({
  "resourceType": "Questionnaire",
  "url": "urn:test:note",
  "status": "active",
  "item": [{"linkId": "note", "type": "string", "text": "Anything else?"}]
})";

Coding opt(const char* code) { return {"urn:test", code, ""}; }

Questionnaire parse_or_fail(const char* json, const char* source) {
  auto r = Questionnaire::parse(json, source);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return std::move(*r);
}

const Questionnaire& mood() {
  static const Questionnaire q = parse_or_fail(kMoodJson, "mood.json");
  return q;
}

const Questionnaire& note() {
  static const Questionnaire q = parse_or_fail(kNoteJson, "note.json");
  return q;
}

SessionConfig config_with(std::vector<std::string> languages, bool anonymous = true) {
  SessionConfig c;
  c.languages = std::move(languages);
  c.allow_anonymous = anonymous;
  c.idle_timeout = 90s;
  c.idle_warning = 20s;
  c.submitted_linger = 15s;
  return c;
}

const std::string& valid_code() {
  static const std::string code = *make_patient_code("12345678");
  return code;
}

// A check-in on one questionnaire, in English, past the patient code.
struct OneQuestionnaire {
  explicit OneQuestionnaire(const Questionnaire& q) : session(clock, config_with({"en"}), {&q}, sink) {
    session.start_checkin();
    if (session.screen() == Screen::language) REQUIRE(session.choose_language("en"));
    REQUIRE(session.enter_patient_code(format_patient_code(valid_code())));
  }
  FakeClock clock;
  MemorySubmitSink sink;
  Session session;
};

// From the intro page: answers q1 and q2 of the mood questionnaire and
// confirms each with next().
void answer_mood(Session& s, const char* q1, const char* q2) {
  REQUIRE(s.next());  // intro
  REQUIRE(s.answer(opt(q1)));
  REQUIRE(s.next());
  REQUIRE(s.answer(opt(q2)));
  REQUIRE(s.next());
}

struct Fixture {
  FakeClock clock;
  MemorySubmitSink sink;
  Session session;
  explicit Fixture(SessionConfig config = config_with({"en", "es"}))
      : session(clock, std::move(config), {&mood(), &note()}, sink) {}

  std::string link() const {
    auto page = session.current_page();
    return page ? page->item->link_id : std::string("<no page>");
  }
  // welcome -> first page, with a patient code.
  void to_first_page() {
    session.start_checkin();
    if (session.screen() == Screen::language) REQUIRE(session.choose_language("es"));
    REQUIRE(session.enter_patient_code(format_patient_code(valid_code())));
    REQUIRE(link() == "intro");
  }
  // First page -> review, answering q1 = a1 and q2 = `q2` (not critical by default).
  void to_review(const char* q2 = "b0") {
    to_first_page();
    answer_mood(session, "a1", q2);
    if (session.screen() == Screen::crisis) session.acknowledge_crisis();
    REQUIRE(link() == "note");
    REQUIRE(session.next());
    REQUIRE(session.screen() == Screen::review);
  }
};

}  // namespace

TEST_CASE("screen names") {
  CHECK(std::string(screen_name(Screen::welcome)) == "welcome");
  CHECK(std::string(screen_name(Screen::patient_code)) == "patient_code");
  CHECK(std::string(screen_name(Screen::crisis)) == "crisis");
}

TEST_CASE("happy path: welcome to submitted and back to welcome after the thank-you") {
  Fixture f;
  CHECK(f.session.screen() == Screen::welcome);
  CHECK(f.session.language() == "en");
  CHECK(f.session.holds_no_patient_data());

  f.session.start_checkin();
  CHECK(f.session.screen() == Screen::language);
  CHECK_FALSE(f.session.choose_language("fr"));
  CHECK(f.session.screen() == Screen::language);
  CHECK(f.session.choose_language("es"));
  CHECK(f.session.screen() == Screen::patient_code);
  CHECK(f.session.language() == "es");

  CHECK(f.session.enter_patient_code("1234-5678-" + valid_code().substr(8)));
  CHECK(f.session.patient_code() == valid_code());
  CHECK(f.session.screen() == Screen::question);
  CHECK(f.link() == "intro");
  CHECK(f.session.progress().index == 1);
  CHECK(f.session.progress().total == 4);  // intro, q1, q2, note (q1b disabled)
  CHECK(f.session.next());                 // a display page needs no answer

  CHECK(f.link() == "q1");
  CHECK(f.session.current_answer() == nullptr);
  CHECK(f.session.answer(opt("a1")));
  REQUIRE(f.session.current_answer() != nullptr);
  CHECK(std::get<Coding>(*f.session.current_answer()).code == "a1");
  CHECK(f.session.next());
  CHECK(f.link() == "q2");
  CHECK(f.session.current_page()->questionnaire == &mood());
  CHECK(f.session.answer(opt("b1")));
  CHECK(f.session.next());
  CHECK(f.link() == "note");  // the second questionnaire follows
  CHECK(f.session.current_page()->questionnaire == &note());
  CHECK(f.session.progress().index == 4);
  CHECK(f.session.answer(std::string("tired")));
  CHECK(f.session.next());
  CHECK(f.session.screen() == Screen::review);

  auto lines = f.session.review();
  REQUIRE(lines.size() == 3);  // display pages are not reviewed
  CHECK(lines[0].page.item->link_id == "q1");
  CHECK(lines[2].page.item->link_id == "note");
  REQUIRE(lines[2].answer != nullptr);

  CHECK(f.session.submit());
  CHECK(f.session.screen() == Screen::submitted);
  CHECK_FALSE(f.session.critical());
  CHECK(f.session.record_ids() == std::vector<std::string>{"mem-1", "mem-2"});
  REQUIRE(f.sink.submitted.size() == 2);
  CHECK(f.sink.submitted[0].questionnaire_url == "urn:test:mood");
  CHECK(f.sink.submitted[0].assessment.score == 2);
  CHECK(f.sink.submitted[0].meta.subject == valid_code());
  CHECK(f.sink.submitted[0].meta.language == "es");
  CHECK(f.sink.submitted[0].meta.authored == "2026-01-01T00:00:00Z");
  CHECK(f.sink.submitted[1].questionnaire_url == "urn:test:note");
  CHECK(f.sink.crises.empty());

  // The thank-you lingers, then the session wipes itself.
  CHECK(f.session.next_deadline() == f.clock.monotonic() + 15s);
  f.clock.advance(15s - 1ms);
  f.session.tick();
  CHECK(f.session.screen() == Screen::submitted);
  f.clock.advance(1ms);
  f.session.tick();
  CHECK(f.session.screen() == Screen::welcome);
  CHECK(f.session.holds_no_patient_data());
  CHECK(f.session.record_ids().empty());
  CHECK(f.session.patient_code().empty());
  CHECK(f.session.language() == "en");
  CHECK(f.session.wipe_count() == 1);
  CHECK(f.session.next_deadline() == std::nullopt);
}

TEST_CASE("finish() leaves the thank-you at once") {
  Fixture f;
  f.to_review();
  REQUIRE(f.session.submit());
  f.session.finish();
  CHECK(f.session.screen() == Screen::welcome);
  CHECK(f.session.holds_no_patient_data());
  CHECK(f.session.wipe_count() == 1);
}

TEST_CASE("with one language the language screen is skipped") {
  Fixture f(config_with({"es"}));
  CHECK(f.session.language() == "es");
  f.session.start_checkin();
  CHECK(f.session.screen() == Screen::patient_code);
  CHECK(f.session.language() == "es");
  f.session.back();
  CHECK(f.session.screen() == Screen::welcome);
}

TEST_CASE("patient code errors keep the patient on the code screen") {
  Fixture f;
  f.session.start_checkin();
  REQUIRE(f.session.choose_language("en"));
  std::string typo = valid_code();
  std::swap(typo[2], typo[3]);
  CHECK_FALSE(f.session.enter_patient_code(typo));
  CHECK(f.session.screen() == Screen::patient_code);
  CHECK(f.session.error() == PatientError::code_mistyped);
  CHECK(f.session.patient_code().empty());
  CHECK_FALSE(f.session.enter_patient_code(valid_code() + "1"));
  CHECK(f.session.error() == PatientError::code_mistyped);
  CHECK_FALSE(f.session.enter_patient_code("1234"));
  CHECK(f.session.error() == PatientError::code_incomplete);
  CHECK_FALSE(f.session.enter_patient_code(""));
  CHECK(f.session.error() == PatientError::code_incomplete);
  CHECK(f.session.screen() == Screen::patient_code);
  f.session.touch();  // any input clears the message
  CHECK(f.session.error() == PatientError::none);
  CHECK(f.session.enter_patient_code(valid_code()));
  CHECK(f.session.screen() == Screen::question);
}

TEST_CASE("anonymous check-in only when the site allows it") {
  SUBCASE("allowed") {
    Fixture f(config_with({"en"}, true));
    f.session.start_checkin();
    CHECK(f.session.continue_anonymous());
    CHECK(f.session.screen() == Screen::question);
    CHECK(f.session.patient_code().empty());
  }
  SUBCASE("not allowed") {
    Fixture f(config_with({"en"}, false));
    f.session.start_checkin();
    CHECK_FALSE(f.session.continue_anonymous());
    CHECK(f.session.screen() == Screen::patient_code);
    CHECK(f.session.error() == PatientError::anonymous_not_allowed);
  }
}

TEST_CASE("anonymous submissions carry no subject") {
  Fixture f(config_with({"en"}));
  f.session.start_checkin();
  REQUIRE(f.session.continue_anonymous());
  answer_mood(f.session, "a0", "b0");
  REQUIRE(f.session.next());
  REQUIRE(f.session.submit());
  REQUIRE(f.sink.submitted.size() == 2);
  CHECK(f.sink.submitted[0].meta.subject.empty());
  CHECK(f.sink.submitted[0].meta.language == "en");
}

TEST_CASE("back() from every screen") {
  Fixture f;
  f.session.back();
  CHECK(f.session.screen() == Screen::welcome);
  CHECK(f.session.wipe_count() == 0);  // nothing to leave

  f.session.start_checkin();
  f.session.back();
  CHECK(f.session.screen() == Screen::welcome);
  CHECK(f.session.wipe_count() == 1);  // every return to welcome wipes

  f.session.start_checkin();
  REQUIRE(f.session.choose_language("es"));
  f.session.back();
  CHECK(f.session.screen() == Screen::language);

  REQUIRE(f.session.choose_language("es"));
  REQUIRE(f.session.enter_patient_code(valid_code()));
  f.session.back();  // the first page goes back to the code screen
  CHECK(f.session.screen() == Screen::patient_code);
  REQUIRE(f.session.enter_patient_code(valid_code()));
  REQUIRE(f.session.next());
  REQUIRE(f.link() == "q1");
  REQUIRE(f.session.answer(opt("a1")));
  REQUIRE(f.session.next());
  REQUIRE(f.session.answer(opt("b0")));
  REQUIRE(f.session.next());
  REQUIRE(f.link() == "note");
  f.session.back();  // across questionnaires
  CHECK(f.link() == "q2");
  f.session.back();
  CHECK(f.link() == "q1");
  CHECK(std::get<Coding>(*f.session.current_answer()).code == "a1");  // kept
  REQUIRE(f.session.next());
  REQUIRE(f.session.next());
  REQUIRE(f.session.next());
  REQUIRE(f.session.screen() == Screen::review);
  f.session.back();  // review goes to the last page
  CHECK(f.link() == "note");
  REQUIRE(f.session.next());

  REQUIRE(f.session.submit());
  f.session.back();  // submitted is final
  CHECK(f.session.screen() == Screen::submitted);
}

TEST_CASE("back() does not leave the crisis screen") {
  Fixture f;
  f.to_first_page();
  answer_mood(f.session, "a0", "b2");
  REQUIRE(f.session.screen() == Screen::crisis);
  f.session.back();
  CHECK(f.session.screen() == Screen::crisis);
}

TEST_CASE("a required item needs an answer before next()") {
  Fixture f;
  f.to_first_page();
  REQUIRE(f.session.next());
  REQUIRE(f.link() == "q1");
  CHECK_FALSE(f.session.next());
  CHECK(f.session.error() == PatientError::answer_required);
  CHECK(f.link() == "q1");
  REQUIRE(f.session.answer(opt("a0")));
  CHECK(f.session.error() == PatientError::none);
  CHECK(f.session.next());
}

TEST_CASE("answers of the wrong kind or not among the options are refused") {
  Fixture f;
  f.to_first_page();
  CHECK_FALSE(f.session.answer(true));  // a display page takes no answer
  CHECK(f.session.error() == PatientError::answer_invalid);
  REQUIRE(f.session.next());
  CHECK_FALSE(f.session.answer(opt("zz")));
  CHECK(f.session.error() == PatientError::answer_invalid);
  CHECK_FALSE(f.session.answer(Coding{"urn:other", "a1", ""}));
  CHECK_FALSE(f.session.answer(std::int64_t{1}));
  CHECK_FALSE(f.session.answer(std::string("a1")));
  CHECK(f.session.current_answer() == nullptr);
  CHECK(f.session.answer(opt("a1")));
  CHECK(f.session.error() == PatientError::none);
}

TEST_CASE("an empty string clears a text answer") {
  Fixture f;
  f.to_review();
  f.session.back();
  REQUIRE(f.link() == "note");
  REQUIRE(f.session.answer(std::string("something")));
  REQUIRE(f.session.current_answer() != nullptr);
  CHECK(f.session.answer(std::string()));
  CHECK(f.session.current_answer() == nullptr);
}

TEST_CASE("enableWhen adds pages and answers to newly disabled items are dropped") {
  Fixture f;
  f.to_first_page();
  REQUIRE(f.session.next());
  REQUIRE(f.session.answer(opt("a2")));  // enables q1b
  CHECK(f.session.progress().total == 5);
  REQUIRE(f.session.next());
  CHECK(f.link() == "q1b");
  REQUIRE(f.session.answer(true));
  REQUIRE(f.session.next());
  REQUIRE(f.link() == "q2");
  REQUIRE(f.session.answer(opt("b0")));
  REQUIRE(f.session.next());
  REQUIRE(f.session.next());
  REQUIRE(f.session.screen() == Screen::review);
  REQUIRE(f.session.review().size() == 4);
  CHECK(f.session.review()[1].page.item->link_id == "q1b");

  f.session.go_to_page(0);  // change q1 from review
  CHECK(f.link() == "q1");
  REQUIRE(f.session.answer(opt("a0")));  // disables q1b: its answer is dropped now
  CHECK(f.session.progress().total == 4);
  REQUIRE(f.session.answer(opt("a2")));  // enabled again, but empty
  REQUIRE(f.session.next());
  REQUIRE(f.link() == "q1b");
  CHECK(f.session.current_answer() == nullptr);
  f.session.back();
  REQUIRE(f.session.answer(opt("a0")));
  REQUIRE(f.session.next());
  CHECK(f.link() == "q2");  // q1b is skipped now
  REQUIRE(f.session.next());
  REQUIRE(f.session.next());
  REQUIRE(f.session.screen() == Screen::review);
  REQUIRE(f.session.review().size() == 3);

  REQUIRE(f.session.submit());
  // The submitted response never answers the disabled item.
  CHECK(f.sink.submitted[0].assessment.score == 0);
  CHECK(f.session.screen() == Screen::submitted);
}

TEST_CASE("go_to_page ignores an index past the review") {
  Fixture f;
  f.to_review();
  f.session.go_to_page(3);
  CHECK(f.session.screen() == Screen::review);
  f.session.go_to_page(2);
  CHECK(f.link() == "note");
}

TEST_CASE("a confirmed critical answer shows the crisis screen at once, alerting once") {
  Fixture f;
  f.to_first_page();
  REQUIRE(f.session.next());
  REQUIRE(f.session.answer(opt("a1")));
  REQUIRE(f.session.next());
  REQUIRE(f.link() == "q2");
  REQUIRE(f.session.answer(opt("b2")));
  CHECK(f.sink.crises.empty());  // choosing is not confirming
  REQUIRE(f.session.next());
  CHECK(f.session.screen() == Screen::crisis);
  REQUIRE(f.sink.crises.size() == 1);
  CHECK(f.sink.crises[0].questionnaire_url == "urn:test:mood");
  CHECK(f.sink.crises[0].critical_items == std::vector<std::string>{"q2"});
  CHECK(f.sink.crises[0].meta.subject == valid_code());

  f.session.acknowledge_crisis();
  CHECK(f.session.screen() == Screen::question);
  CHECK(f.link() == "note");  // the next page

  // Going back and confirming again does not raise a second alert.
  f.session.back();
  REQUIRE(f.link() == "q2");
  REQUIRE(f.session.next());
  CHECK(f.session.screen() == Screen::question);
  CHECK(f.sink.crises.size() == 1);

  // Submitting a critical result shows the crisis screen instead of thank-you.
  REQUIRE(f.session.next());
  REQUIRE(f.session.submit());
  CHECK(f.session.critical());
  CHECK(f.session.screen() == Screen::crisis);
  CHECK(f.sink.crises.size() == 1);
  REQUIRE(f.sink.submitted.size() == 2);
  CHECK(f.sink.submitted[0].assessment.critical_items == std::vector<std::string>{"q2"});
  CHECK(f.session.next_deadline() == f.clock.monotonic() + 90s);  // no linger on crisis
  f.session.acknowledge_crisis();
  CHECK(f.session.screen() == Screen::welcome);
  CHECK(f.session.holds_no_patient_data());
  CHECK(f.session.wipe_count() == 1);
}

TEST_CASE("a critical answer on the last page returns to review after the crisis screen") {
  FakeClock clock;
  MemorySubmitSink sink;
  Session s(clock, config_with({"en"}), {&mood()}, sink);
  s.start_checkin();
  REQUIRE(s.continue_anonymous());
  answer_mood(s, "a0", "b2");
  CHECK(s.screen() == Screen::crisis);
  s.acknowledge_crisis();
  CHECK(s.screen() == Screen::review);
}

TEST_CASE("idle: warning, countdown, input cancels, then the wipe") {
  Fixture f;
  f.to_first_page();
  REQUIRE(f.session.next());
  REQUIRE(f.session.answer(opt("a2")));
  const auto t0 = f.clock.monotonic();
  CHECK(f.session.next_deadline() == t0 + 90s);
  CHECK(f.session.idle_remaining() == 110s);

  f.clock.advance(90s - 1ms);
  f.session.tick();
  CHECK_FALSE(f.session.idle_warning());
  CHECK(f.session.next_deadline() == t0 + 90s);

  f.clock.advance(1ms);
  f.session.tick();
  CHECK(f.session.idle_warning());
  CHECK(f.session.screen() == Screen::question);
  CHECK(f.session.idle_remaining() == 20s);
  CHECK(f.session.next_deadline() == t0 + 110s);
  f.clock.advance(5s);
  f.session.tick();
  CHECK(f.session.idle_remaining() == 15s);

  f.session.touch();  // "I'm still here"
  CHECK_FALSE(f.session.idle_warning());
  const auto t1 = f.clock.monotonic();
  CHECK(f.session.next_deadline() == t1 + 90s);
  CHECK(f.session.idle_remaining() == 110s);
  CHECK(f.session.current_answer() != nullptr);

  f.clock.advance(90s);
  f.session.tick();
  REQUIRE(f.session.idle_warning());
  f.clock.advance(20s - 1ms);
  f.session.tick();
  CHECK(f.session.screen() == Screen::question);
  CHECK_FALSE(f.session.holds_no_patient_data());
  f.clock.advance(1ms);
  f.session.tick();
  CHECK(f.session.screen() == Screen::welcome);
  CHECK(f.session.holds_no_patient_data());
  CHECK_FALSE(f.session.idle_warning());
  CHECK(f.session.patient_code().empty());
  CHECK(f.session.language() == "en");
  CHECK(f.session.wipe_count() == 1);
  CHECK(f.session.next_deadline() == std::nullopt);
  CHECK(f.session.idle_remaining() == 0ms);
}

TEST_CASE("idle: a late tick wipes at once") {
  Fixture f;
  f.to_first_page();
  f.clock.advance(10min);
  f.session.tick();
  CHECK(f.session.screen() == Screen::welcome);
  CHECK(f.session.wipe_count() == 1);
}

TEST_CASE("idle on the language and code screens also returns to welcome") {
  Fixture f;
  f.session.start_checkin();
  REQUIRE(f.session.choose_language("es"));
  CHECK(f.session.next_deadline() == f.clock.monotonic() + 90s);
  f.clock.advance(110s);
  f.session.tick();
  CHECK(f.session.screen() == Screen::welcome);
  CHECK(f.session.language() == "en");
}

TEST_CASE("idle on the crisis screen wipes the answers but keeps the screen") {
  Fixture f;
  f.to_first_page();
  answer_mood(f.session, "a1", "b2");
  REQUIRE(f.session.screen() == Screen::crisis);
  const auto t0 = f.clock.monotonic();
  CHECK(f.session.next_deadline() == t0 + 90s);

  f.clock.advance(90s);
  f.session.tick();
  CHECK(f.session.idle_warning());
  CHECK(f.session.next_deadline() == t0 + 110s);
  f.clock.advance(20s);
  f.session.tick();
  CHECK(f.session.screen() == Screen::crisis);
  CHECK(f.session.holds_no_patient_data());
  CHECK(f.session.language() == "es");  // the resources stay readable
  CHECK(f.session.wipe_count() == 1);
  CHECK_FALSE(f.session.idle_warning());
  CHECK(f.session.next_deadline() == std::nullopt);

  f.clock.advance(1h);
  f.session.tick();
  CHECK(f.session.screen() == Screen::crisis);

  f.session.acknowledge_crisis();  // staff dismiss it: a fresh start
  CHECK(f.session.screen() == Screen::welcome);
  CHECK(f.session.language() == "en");
  CHECK(f.session.wipe_count() == 2);
}

TEST_CASE("a failed submit keeps the answers and a retry submits only what failed") {
  Fixture f;
  f.to_review();
  f.sink.fail_next = true;
  CHECK_FALSE(f.session.submit());
  CHECK(f.session.error() == PatientError::submit_failed);
  CHECK(f.session.screen() == Screen::review);
  CHECK_FALSE(f.session.holds_no_patient_data());
  CHECK(f.session.review()[0].answer != nullptr);
  CHECK(f.sink.submitted.empty());

  CHECK(f.session.submit());
  CHECK(f.session.error() == PatientError::none);
  CHECK(f.session.screen() == Screen::submitted);
  CHECK(f.sink.submitted.size() == 2);
  CHECK(f.session.record_ids().size() == 2);
}

// A sink that fails chosen calls and records the rest in `inner`.
struct FlakySink final : SubmitSink {
  MemorySubmitSink inner;
  int submit_calls = 0;
  int fail_submit_call = 0;  // 1-based; 0: never
  int crisis_failures = 0;   // the next N raise_crisis calls fail
  Result<std::string> submit(const Questionnaire& q, const Answers& a, const Assessment& s,
                             const ResponseMeta& m) override {
    if (++submit_calls == fail_submit_call) return Status(Errc::storage_full, "storage full (test)");
    return inner.submit(q, a, s, m);
  }
  Result<std::string> raise_crisis(const Questionnaire& q, const std::vector<std::string>& items,
                                   const ResponseMeta& m) override {
    if (crisis_failures > 0) {
      --crisis_failures;
      return Status(Errc::storage_full, "storage full (test)");
    }
    return inner.raise_crisis(q, items, m);
  }
};

// One language, anonymous, on the intro page, with a FlakySink.
struct FlakyFixture {
  FlakySink sink;
  FakeClock clock;
  Session s{clock, config_with({"en"}), {&mood(), &note()}, sink};
  FlakyFixture() {
    s.start_checkin();
    REQUIRE(s.continue_anonymous());
  }
};

TEST_CASE("a partly failed submit never submits a questionnaire twice") {
  FlakyFixture f;
  f.sink.fail_submit_call = 2;
  Session& s = f.s;
  answer_mood(s, "a0", "b0");
  REQUIRE(s.next());
  REQUIRE(s.screen() == Screen::review);
  CHECK_FALSE(s.submit());
  CHECK(s.error() == PatientError::submit_failed);
  CHECK(s.record_ids() == std::vector<std::string>{"mem-1"});
  CHECK(s.submit());
  CHECK(s.record_ids() == std::vector<std::string>{"mem-1", "mem-2"});
  REQUIRE(f.sink.inner.submitted.size() == 2);
  CHECK(f.sink.inner.submitted[0].questionnaire_url == "urn:test:mood");
  CHECK(f.sink.inner.submitted[1].questionnaire_url == "urn:test:note");
}

TEST_CASE("a failed crisis alert still shows the resources and is retried at submit") {
  FlakyFixture f;
  f.sink.crisis_failures = 1;
  Session& s = f.s;
  answer_mood(s, "a0", "b2");
  CHECK(s.screen() == Screen::crisis);
  CHECK(s.error() == PatientError::submit_failed);  // staff must be told
  CHECK(f.sink.inner.crises.empty());
  s.acknowledge_crisis();
  REQUIRE(s.next());
  REQUIRE(s.screen() == Screen::review);
  REQUIRE(s.submit());
  CHECK(s.screen() == Screen::crisis);
  REQUIRE(f.sink.inner.crises.size() == 1);
  CHECK(f.sink.inner.crises[0].critical_items == std::vector<std::string>{"q2"});
}

TEST_CASE("a crisis alert the sink cannot store survives the idle wipe and is retried until it is stored") {
  Fixture f;
  f.sink.crisis_storage_full = true;
  f.to_first_page();
  answer_mood(f.session, "a1", "b2");
  REQUIRE(f.session.screen() == Screen::crisis);
  CHECK(f.session.unsaved_crisis_alerts() == 1);
  CHECK(f.sink.crises.empty());
  const auto t0 = f.clock.monotonic();
  CHECK(f.session.next_deadline() == t0 + Session::kCrisisRetryFirst);  // before the idle timer

  // The idle wipe clears the patient's data but not the alert.
  f.clock.advance(110s);
  f.session.tick();  // one retry (the first was due at 2 s), then the warning
  f.session.tick();
  CHECK(f.session.holds_no_patient_data());
  CHECK(f.session.screen() == Screen::crisis);
  CHECK(f.session.unsaved_crisis_alerts() == 1);
  f.session.acknowledge_crisis();
  REQUIRE(f.session.screen() == Screen::welcome);

  // Retries keep coming at doubling intervals, capped at 60 s, on welcome too.
  const std::size_t before = f.sink.retries;
  std::vector<Clock::Duration> gaps;
  Clock::Duration last = f.clock.monotonic();
  for (int i = 0; i < 8; ++i) {
    auto due = f.session.next_deadline();
    REQUIRE(due.has_value());
    f.clock.advance(*due - f.clock.monotonic());
    f.session.tick();
    gaps.push_back(f.clock.monotonic() - last);
    last = f.clock.monotonic();
  }
  CHECK(f.sink.retries == before + 8);
  CHECK(gaps.back() == Session::kCrisisRetryMax);
  for (std::size_t i = 1; i < gaps.size(); ++i) CHECK(gaps[i] >= gaps[i - 1]);

  // Room again: the next retry stores it, and then nothing is scheduled.
  f.sink.crisis_storage_full = false;
  f.clock.advance(*f.session.next_deadline() - f.clock.monotonic());
  f.session.tick();
  CHECK(f.session.unsaved_crisis_alerts() == 0);
  REQUIRE(f.sink.crises.size() == 1);
  CHECK(f.sink.crises[0].critical_items == std::vector<std::string>{"q2"});
  CHECK(f.session.next_deadline() == std::nullopt);
}

TEST_CASE("a new session retries alerts an earlier run left unsaved") {
  FakeClock clock;
  MemorySubmitSink sink;
  sink.crisis_storage_full = true;
  REQUIRE(sink.raise_crisis(mood(), {"q2"}, {"en", "", "2026-01-01T00:00:00Z"}).ok());
  sink.crisis_storage_full = false;
  Session session(clock, config_with({"en"}), {&mood()}, sink);
  CHECK(session.unsaved_crisis_alerts() == 1);
  REQUIRE(session.next_deadline() == clock.monotonic() + Session::kCrisisRetryFirst);
  clock.advance(Session::kCrisisRetryFirst);
  session.tick();
  CHECK(session.unsaved_crisis_alerts() == 0);
  CHECK(sink.crises.size() == 1);
}

TEST_CASE("commands on the wrong screen do nothing") {
  Fixture f;
  CHECK_FALSE(f.session.choose_language("en"));
  CHECK_FALSE(f.session.enter_patient_code(valid_code()));
  CHECK_FALSE(f.session.continue_anonymous());
  CHECK_FALSE(f.session.answer(opt("a1")));
  CHECK_FALSE(f.session.next());
  CHECK_FALSE(f.session.submit());
  f.session.go_to_page(0);
  f.session.acknowledge_crisis();
  f.session.finish();
  CHECK(f.session.screen() == Screen::welcome);
  CHECK(f.session.current_page() == std::nullopt);
  CHECK(f.session.current_answer() == nullptr);
  CHECK(f.session.wipe_count() == 0);
  CHECK(f.sink.submitted.empty());
}

TEST_CASE("the session refuses what the engine refuses, naming the item: NaN, 2025-02-30") {
  static const Questionnaire vitals = parse_or_fail(R"({
    "resourceType": "Questionnaire", "url": "urn:test:vitals", "status": "active",
    "item": [{"linkId": "temp", "type": "decimal", "text": "Temperature", "required": true},
             {"linkId": "onset", "type": "date", "text": "Since when?", "required": true}]
  })", "vitals.json");
  OneQuestionnaire one(vitals);
  Session& session = one.session;
  REQUIRE(session.current_page());
  REQUIRE(session.current_page()->item->link_id == "temp");
  CHECK_FALSE(session.answer(std::numeric_limits<double>::quiet_NaN()));
  CHECK(session.error() == PatientError::answer_invalid);
  CHECK(session.error_link_id() == "temp");
  CHECK(session.current_answer() == nullptr);
  REQUIRE(session.answer(36.6));
  CHECK(session.error_link_id().empty());
  REQUIRE(session.next());
  REQUIRE(session.current_page()->item->link_id == "onset");
  CHECK_FALSE(session.answer(Date{"2025-02-30"}));
  CHECK(session.error() == PatientError::answer_invalid);
  CHECK(session.error_link_id() == "onset");
  CHECK_FALSE(session.next());
  CHECK(session.error() == PatientError::answer_required);
  CHECK(session.error_link_id() == "onset");
  REQUIRE(session.answer(Date{"2025-02-28"}));
  REQUIRE(session.next());
  REQUIRE(session.screen() == Screen::review);
  CHECK(session.submit());
}

TEST_CASE("a required group left empty stops submit and names the page to answer, not an empty linkId") {
  static const Questionnaire history = parse_or_fail(R"({
    "resourceType": "Questionnaire", "url": "urn:test:history", "status": "active",
    "item": [{"linkId": "name", "type": "string", "text": "Name?"},
             {"linkId": "meds", "type": "group", "text": "Medicines", "required": true,
              "item": [{"linkId": "meds.intro", "type": "display", "text": "Any of these."},
                       {"linkId": "meds.daily", "type": "string", "text": "Daily?"},
                       {"linkId": "meds.weekly", "type": "string", "text": "Weekly?"}]}]
  })", "history.json");
  OneQuestionnaire one(history);
  Session& session = one.session;
  while (session.screen() == Screen::question) REQUIRE(session.next());
  REQUIRE(session.screen() == Screen::review);
  CHECK_FALSE(session.submit());
  CHECK(session.screen() == Screen::review);
  CHECK(session.error() == PatientError::answer_required);
  CHECK(session.error_link_id() == "meds.daily");  // the group's first question
  CHECK(one.sink.submitted.empty());
  session.go_to_page(1);  // review lists the questions: name, meds.daily, meds.weekly
  REQUIRE(session.current_page()->item->link_id == "meds.daily");
  REQUIRE(session.answer(std::string("aspirin")));
  while (session.screen() == Screen::question) REQUIRE(session.next());
  CHECK(session.submit());
  CHECK(session.error() == PatientError::none);
}

TEST_CASE("an answer changed after a partly failed submit is sent again, an unchanged one is not") {
  FlakyFixture f;
  f.sink.fail_submit_call = 2;
  Session& s = f.s;
  answer_mood(s, "a0", "b0");
  REQUIRE(s.next());
  CHECK_FALSE(s.submit());
  REQUIRE(s.record_ids() == std::vector<std::string>{"mem-1"});  // mood stored, note not

  // The patient goes back and changes the stored questionnaire's answer.
  s.go_to_page(0);
  REQUIRE(s.current_page()->item->link_id == "q1");
  REQUIRE(s.answer(opt("a1")));
  while (s.screen() == Screen::question) REQUIRE(s.next());
  REQUIRE(s.submit());
  CHECK(s.screen() == Screen::submitted);
  CHECK(s.record_ids() == std::vector<std::string>{"mem-2", "mem-3"});
  REQUIRE(f.sink.inner.submitted.size() == 3);
  CHECK(f.sink.inner.submitted[1].questionnaire_url == "urn:test:mood");
  CHECK(f.sink.inner.submitted[1].assessment.score == 1);  // the changed answer
  CHECK(f.sink.inner.submitted[2].questionnaire_url == "urn:test:note");
}

// The kiosk's own wiring: the sink runs on a writer thread, results come
// back through the RunQueue.
struct ThreadedFixture {
  test::BlockingSink sink;
  RunQueue queue;
  ThreadSubmitter writer{sink, queue};
  FakeClock clock;
  Session s{clock, config_with({"en"}), {&mood(), &note()}, writer};
  ThreadedFixture() {
    s.start_checkin();
    REQUIRE(s.continue_anonymous());
  }
  ~ThreadedFixture() { sink.open(); }
  // Opens the gate and runs results until the writer has nothing left.
  void finish_writes() {
    sink.open();
    while (writer.pending() > 0 || !queue.empty()) {
      queue.drain();
      std::this_thread::yield();
    }
    queue.drain();
  }
};

TEST_CASE("submit returns at once while the outbox is stuck, shows `submitting`, then the thank-you") {
  ThreadedFixture f;
  Session& s = f.s;
  answer_mood(s, "a1", "b0");
  REQUIRE(s.next());
  REQUIRE(s.screen() == Screen::review);
  REQUIRE(s.submit());
  CHECK(s.screen() == Screen::submitting);
  REQUIRE(f.sink.wait_for_caller());  // the writer is inside the sink, stuck
  CHECK(s.record_ids().empty());
  s.back();
  s.tick();
  CHECK(s.screen() == Screen::submitting);  // nothing to press; the idle timer runs
  f.finish_writes();
  CHECK(s.screen() == Screen::submitted);
  CHECK(s.record_ids() == std::vector<std::string>{"mem-1", "mem-2"});
  CHECK_FALSE(f.sink.timed_out());
  for (std::thread::id t : f.sink.threads()) CHECK(t != std::this_thread::get_id());
}

TEST_CASE("a critical check-in: the alert is written before the responses, the crisis screen at once") {
  ThreadedFixture f;
  Session& s = f.s;
  answer_mood(s, "a1", "b2");
  CHECK(s.screen() == Screen::crisis);  // shown before the alert is even written
  REQUIRE(f.sink.wait_for_caller());
  s.acknowledge_crisis();
  REQUIRE(s.next());
  REQUIRE(s.submit());
  CHECK(s.screen() == Screen::submitting);
  f.finish_writes();
  CHECK(s.screen() == Screen::crisis);
  CHECK(f.sink.inner.crises.size() == 1);  // raised once: on next(), not again at submit
  CHECK(f.sink.inner.submitted.size() == 2);
}

TEST_CASE("an idle wipe while the outbox is stuck: the late result changes nothing on screen") {
  ThreadedFixture f;
  Session& s = f.s;
  answer_mood(s, "a1", "b0");
  REQUIRE(s.next());
  REQUIRE(s.submit());
  REQUIRE(f.sink.wait_for_caller());
  f.clock.advance(s.config().idle_timeout + s.config().idle_warning);
  s.tick();
  REQUIRE(s.screen() == Screen::welcome);
  CHECK(s.holds_no_patient_data());
  f.finish_writes();
  CHECK(s.screen() == Screen::welcome);
  CHECK(s.holds_no_patient_data());
  CHECK(f.sink.inner.submitted.size() == 2);  // the records are durable all the same
}

TEST_CASE("a Session destroyed with writes in flight: their results are never run") {
  test::BlockingSink sink;
  RunQueue queue;
  ThreadSubmitter writer{sink, queue};
  FakeClock clock;
  {
    Session s{clock, config_with({"en"}), {&mood(), &note()}, writer};
    s.start_checkin();
    REQUIRE(s.continue_anonymous());
    answer_mood(s, "a1", "b0");
    REQUIRE(s.next());
    REQUIRE(s.submit());
    REQUIRE(sink.wait_for_caller());
  }
  sink.open();
  while (writer.pending() > 0) std::this_thread::yield();
  CHECK(queue.drain() == 1);  // runs the posted result; it must not touch the Session
  CHECK(sink.inner.submitted.size() == 2);
}
