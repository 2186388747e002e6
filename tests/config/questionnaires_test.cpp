// Tests the shipped questionnaires in config/questionnaires/ and the example
// responses in tests/data/responses/ against the questionnaire engine.
//
// Expected wording, band labels and cut-offs are written here from the
// published instruments (phqscreeners.com PHQ-9 and GAD-7, English and US
// Spanish; Kroenke 2001, Spitzer 2006), not copied from the engine, so a
// wrong JSON file or a wrong engine both fail.
#include <doctest/doctest.h>

#include <array>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kiosk/questionnaire.h"

using namespace outpost;

namespace {

const std::string kLoinc = "http://loinc.org";
// Frequency answers, in weight order 0..3.
const std::array<std::string, 4> kFrequency = {"LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"};
const std::array<std::string, 4> kDifficulty = {"LA6572-7", "LA6573-5", "LA6575-0", "LA6574-3"};
const std::string kDifficultyItem = "69722-7";
const std::string kPhq9Item9 = "44260-8";

const std::vector<std::string> kPhq9Items = {"44250-9", "44255-8", "44259-0", "44254-1", "44251-7",
                                             "44258-2", "44252-5", "44253-3", "44260-8"};
const std::vector<std::string> kGad7Items = {"69725-0", "68509-9", "69733-4", "69734-2",
                                             "69735-9", "69689-8", "69736-7"};

struct Instrument {
  std::string file;   // under config/questionnaires/
  std::string panel;  // LOINC panel: Questionnaire.code and the group's linkId
  const std::vector<std::string>* items;
};
const Instrument kPhq9{"phq-9.json", "44249-1", &kPhq9Items};
const Instrument kGad7{"gad-7.json", "69737-5", &kGad7Items};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Questionnaire load(const Instrument& instrument) {
  const std::string path = std::string(OUTPOST_SOURCE_DIR) + "/config/questionnaires/" + instrument.file;
  Result<Questionnaire> q = Questionnaire::parse(read_text(path), path);
  REQUIRE_MESSAGE(q.ok(), q.status().to_string());
  return std::move(q).value();
}

Coding loinc(const std::string& code) {
  return Coding{kLoinc, code, ""};
}

// One frequency answer per scored item (values 0..3, in item order).
Answers answers_with(const Instrument& instrument, const std::vector<int>& values) {
  REQUIRE(values.size() == instrument.items->size());
  Answers answers;
  for (std::size_t i = 0; i < values.size(); ++i) {
    answers.set((*instrument.items)[i], loinc(kFrequency.at(static_cast<std::size_t>(values[i]))));
  }
  return answers;
}

// Answers whose item values add up to `score`, filling items in order with 3s.
std::vector<int> values_for_score(const Instrument& instrument, int score) {
  std::vector<int> values;
  for (std::size_t i = 0; i < instrument.items->size(); ++i) {
    const int v = score >= 3 ? 3 : score;
    values.push_back(v);
    score -= v;
  }
  REQUIRE(score == 0);
  return values;
}

Assessment assess_ok(const Questionnaire& q, const Answers& answers) {
  Result<Assessment> a = assess(q, answers);
  REQUIRE_MESSAGE(a.ok(), a.status().to_string());
  return std::move(a).value();
}

bool has_flag(const Assessment& a, const std::string& flag) {
  for (const auto& f : a.flags) {
    if (f == flag) return true;
  }
  return false;
}

std::vector<std::string> page_texts(const Questionnaire& q, const Answers& answers, const std::string& lang) {
  std::vector<std::string> texts;
  for (const Item* item : pages(q, answers)) texts.push_back(item->text.in(lang));
  return texts;
}

void check_structure(const Questionnaire& q, const Instrument& instrument) {
  CHECK(q.url() == "urn:outpost:questionnaire:" + q.id());
  CHECK(q.version() == "1.0.0");
  CHECK(q.language() == "en");
  CHECK(q.code().system == kLoinc);
  CHECK(q.code().code == instrument.panel);
  CHECK(q.languages() == std::vector<std::string>{"en", "es"});

  REQUIRE(q.items().size() == 1);
  const Item& group = q.items()[0];
  CHECK(group.type == ItemType::group);
  CHECK(group.link_id == instrument.panel);
  REQUIRE(group.items.size() == instrument.items->size() + 1);

  for (std::size_t i = 0; i < instrument.items->size(); ++i) {
    const Item& item = group.items[i];
    INFO("linkId " << item.link_id);
    CHECK(item.link_id == (*instrument.items)[i]);
    CHECK(item.type == ItemType::choice);
    CHECK(item.required);
    CHECK(item.enable_when.empty());
    REQUIRE(item.options.size() == 4);
    for (std::size_t w = 0; w < 4; ++w) {
      CHECK(item.options[w].coding.system == kLoinc);
      CHECK(item.options[w].coding.code == kFrequency[w]);
      REQUIRE(item.options[w].weight.has_value());
      CHECK(*item.options[w].weight == static_cast<double>(w));
    }
  }

  const Item& difficulty = group.items.back();
  CHECK(difficulty.link_id == kDifficultyItem);
  CHECK(difficulty.type == ItemType::choice);
  CHECK_FALSE(difficulty.required);
  CHECK(difficulty.enable_behavior == EnableBehavior::any);
  REQUIRE(difficulty.enable_when.size() == instrument.items->size());
  for (std::size_t i = 0; i < instrument.items->size(); ++i) {
    const EnableWhen& when = difficulty.enable_when[i];
    CHECK(when.question == (*instrument.items)[i]);
    CHECK(when.op == EnableOp::ne);
    REQUIRE(std::holds_alternative<Coding>(when.answer));
    CHECK(std::get<Coding>(when.answer) == loinc(kFrequency[0]));
  }
  REQUIRE(difficulty.options.size() == 4);
  for (std::size_t d = 0; d < 4; ++d) {
    CHECK(difficulty.options[d].coding == loinc(kDifficulty[d]));
    CHECK_FALSE(difficulty.options[d].weight.has_value());
  }
}

void check_every_text_translated(const Questionnaire& q) {
  CHECK_FALSE(q.title().base.empty());
  CHECK_FALSE(q.title().in("es").empty());
  CHECK(q.title().in("es") != q.title().base);
  for (const Item* item : q.flatten()) {
    INFO("linkId " << item->link_id);
    CHECK_FALSE(item->text.base.empty());
    REQUIRE(item->text.translations.count("es") == 1);
    CHECK(item->text.translations.at("es") != item->text.base);
    for (const AnswerOption& option : item->options) {
      INFO("option " << option.coding.code);
      CHECK_FALSE(option.display.base.empty());
      REQUIRE(option.display.translations.count("es") == 1);
      CHECK(option.display.translations.at("es") != option.display.base);
    }
  }
  for (const ScoreBand& band : q.bands()) {
    INFO("band " << band.label);
    REQUIRE(band.label_translations.count("es") == 1);
    CHECK(band.label_translations.at("es") != band.label);
  }
}

// Published cut-offs: each band's lowest and highest score must get its label.
struct Cutoff {
  int min;
  int max;
  std::string label;
};

void check_band_edges(const Questionnaire& q, const Instrument& instrument,
                      const std::vector<Cutoff>& cutoffs) {
  for (const Cutoff& c : cutoffs) {
    for (const int score : {c.min, c.max}) {
      INFO("score " << score);
      const Assessment a = assess_ok(q, answers_with(instrument, values_for_score(instrument, score)));
      CHECK(a.score == static_cast<double>(score));
      REQUIRE(a.band.has_value());
      CHECK(a.band->label == c.label);
    }
  }
}

}  // namespace

TEST_CASE("PHQ-9 loads with 9 scored items, the difficulty item and LOINC codes") {
  const Questionnaire q = load(kPhq9);
  CHECK(q.id() == "phq-9");
  CHECK(q.title().base == "Patient Health Questionnaire-9 (PHQ-9)");
  CHECK(q.title().in("es") == "Cuestionario sobre la salud del paciente-9 (PHQ-9)");
  check_structure(q, kPhq9);

  std::vector<std::string> critical;
  for (const Item* item : q.flatten()) {
    if (item->critical_at_or_above) critical.push_back(item->link_id);
  }
  CHECK(critical == std::vector<std::string>{kPhq9Item9});
  CHECK(*q.find(kPhq9Item9)->critical_at_or_above == 1.0);
}

TEST_CASE("GAD-7 loads with 7 scored items, the difficulty item and LOINC codes") {
  const Questionnaire q = load(kGad7);
  CHECK(q.id() == "gad-7");
  check_structure(q, kGad7);
  for (const Item* item : q.flatten()) {
    CHECK_FALSE(item->critical_at_or_above.has_value());
  }
}

TEST_CASE("every text has a Spanish translation") {
  SUBCASE("PHQ-9") {
    check_every_text_translated(load(kPhq9));
  }
  SUBCASE("GAD-7") {
    check_every_text_translated(load(kGad7));
  }
}

TEST_CASE("PHQ-9 band edges follow the published cut-offs (Kroenke 2001)") {
  const Questionnaire q = load(kPhq9);
  check_band_edges(q, kPhq9,
                   {{0, 4, "minimal"},
                    {5, 9, "mild"},
                    {10, 14, "moderate"},
                    {15, 19, "moderately severe"},
                    {20, 27, "severe"}});
}

TEST_CASE("GAD-7 band edges follow the published cut-offs (Spitzer 2006)") {
  const Questionnaire q = load(kGad7);
  check_band_edges(q, kGad7, {{0, 4, "minimal"}, {5, 9, "mild"}, {10, 14, "moderate"}, {15, 21, "severe"}});
}

TEST_CASE("the difficulty item is not scored") {
  for (const Instrument* instrument : {&kPhq9, &kGad7}) {
    INFO(instrument->file);
    const Questionnaire q = load(*instrument);
    for (const std::string& code : kDifficulty) {
      INFO("difficulty " << code);
      Answers answers = answers_with(*instrument, values_for_score(*instrument, 5));
      answers.set(kDifficultyItem, loinc(code));
      const Assessment a = assess_ok(q, answers);
      CHECK(a.score == 5.0);
      REQUIRE(a.band.has_value());
      CHECK(a.band->label == "mild");
    }
  }
}

TEST_CASE("the difficulty item appears only if any problem was checked") {
  for (const Instrument* instrument : {&kPhq9, &kGad7}) {
    INFO(instrument->file);
    const Questionnaire q = load(*instrument);
    const Item* difficulty = q.find(kDifficultyItem);
    REQUIRE(difficulty != nullptr);
    const std::size_t scored = instrument->items->size();

    Answers none = answers_with(*instrument, std::vector<int>(scored, 0));
    CHECK_FALSE(is_enabled(q, *difficulty, none));
    const auto none_pages = pages(q, none);
    CHECK(none_pages.size() == scored);
    for (const Item* page : none_pages) CHECK(page->link_id != kDifficultyItem);

    const Assessment zero = assess_ok(q, none);
    CHECK(zero.score == 0.0);

    none.set(kDifficultyItem, loinc(kDifficulty[1]));
    const Status answered_disabled = validate_answers(q, none);
    CHECK_FALSE(answered_disabled.ok());
    CHECK(answered_disabled.code() == Errc::invalid_response);
    CHECK(answered_disabled.message().find(kDifficultyItem) != std::string::npos);
    CHECK_FALSE(assess(q, none).ok());

    drop_disabled_answers(q, none);
    CHECK(none.get(kDifficultyItem) == nullptr);

    // Any one item above "Not at all" enables it; the last item is enough.
    std::vector<int> one(scored, 0);
    one.back() = 1;
    Answers some = answers_with(*instrument, one);
    CHECK(is_enabled(q, *difficulty, some));
    const auto some_pages = pages(q, some);
    REQUIRE(some_pages.size() == scored + 1);
    CHECK(some_pages.back()->link_id == kDifficultyItem);
    // Enabled but not required: the check-in may be submitted without it.
    CHECK(validate_answers(q, some).ok());
  }
}

TEST_CASE("PHQ-9 item 9 flags the result critical at Several days and above") {
  const Questionnaire q = load(kPhq9);
  const Item* item9 = q.find(kPhq9Item9);
  REQUIRE(item9 != nullptr);
  for (int value = 0; value <= 3; ++value) {
    INFO("item 9 value " << value);
    std::vector<int> values(kPhq9Items.size(), 0);
    values.back() = value;
    Answers answers = answers_with(kPhq9, values);
    const Assessment a = assess_ok(q, answers);
    CHECK(a.score == static_cast<double>(value));
    CHECK(is_critical_answer(*item9, loinc(kFrequency[static_cast<std::size_t>(value)])) == (value >= 1));
    if (value == 0) {
      CHECK(a.flags.empty());
      CHECK(a.critical_items.empty());
    } else {
      CHECK(has_flag(a, "critical"));
      CHECK(a.critical_items == std::vector<std::string>{kPhq9Item9});
    }
  }
  // A high score elsewhere is not critical by itself.
  std::vector<int> high(kPhq9Items.size(), 3);
  high.back() = 0;
  const Assessment a = assess_ok(q, answers_with(kPhq9, high));
  CHECK(a.score == 24.0);
  CHECK_FALSE(has_flag(a, "critical"));
}

TEST_CASE("GAD-7 has no critical item") {
  const Questionnaire q = load(kGad7);
  const Assessment a = assess_ok(q, answers_with(kGad7, std::vector<int>(kGad7Items.size(), 3)));
  CHECK(a.score == 21.0);
  CHECK(a.flags.empty());
  CHECK(a.critical_items.empty());
}

namespace {

// The published wording of one instrument in one language.
struct Wording {
  std::string stem;
  std::vector<std::string> pages;  // scored items, then the difficulty item
  std::vector<std::string> frequency;
  std::vector<std::string> difficulty;
};

void check_wording(const Instrument& instrument, const std::string& lang, const Wording& w) {
  const Questionnaire q = load(instrument);
  CHECK(q.items()[0].text.in(lang) == w.stem);
  std::vector<int> values(instrument.items->size(), 0);
  values[0] = 1;  // enables the difficulty item
  CHECK(page_texts(q, answers_with(instrument, values), lang) == w.pages);
  for (const Item* item : q.flatten()) {
    if (item->type != ItemType::choice) continue;
    INFO("linkId " << item->link_id);
    std::vector<std::string> shown;
    for (const AnswerOption& option : item->options) shown.push_back(option.display.in(lang));
    CHECK(shown == (item->link_id == kDifficultyItem ? w.difficulty : w.frequency));
  }
}

const std::string kStemEs =
    "Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a los siguientes problemas?";
const std::string kDifficultyEs =
    "Si marcó cualquiera de los problemas, ¿qué tanta dificultad le han dado estos problemas para hacer su "
    "trabajo, encargarse de las tareas del hogar, o llevarse bien con otras personas?";
const std::vector<std::string> kFrequencyEs = {"Ningún día", "Varios días", "Más de la mitad de los días",
                                               "Casi todos los días"};
const std::vector<std::string> kDifficultyOptionsEs = {"No ha sido difícil", "Un poco difícil", "Muy difícil",
                                                       "Extremadamente difícil"};
const std::vector<std::string> kFrequencyEn = {"Not at all", "Several days", "More than half the days",
                                               "Nearly every day"};
const std::vector<std::string> kDifficultyOptionsEn = {"Not difficult at all", "Somewhat difficult",
                                                       "Very difficult", "Extremely difficult"};

}  // namespace

TEST_CASE("Spanish pages show the published US Spanish wording") {
  SUBCASE("PHQ-9") {
    check_wording(
        kPhq9, "es",
        {kStemEs,
         {
             "Poco interés o placer en hacer cosas",
             "Se ha sentido decaído(a), deprimido(a) o sin esperanzas",
             "Ha tenido dificultad para quedarse o permanecer dormido(a), o ha dormido demasiado",
             "Se ha sentido cansado(a) o con poca energía",
             "Sin apetito o ha comido en exceso",
             "Se ha sentido mal con usted mismo(a) – o que es un fracaso o que ha quedado mal con "
             "usted mismo(a) o con su familia",
             "Ha tenido dificultad para concentrarse en ciertas actividades, tales como leer el "
             "periódico o ver la televisión",
             "¿Se ha movido o hablado tan lento que otras personas podrían haberlo notado? o lo "
             "contrario – muy inquieto(a) o agitado(a) que ha estado moviéndose mucho más de lo normal",
             "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera",
             kDifficultyEs,
         },
         kFrequencyEs,
         kDifficultyOptionsEs});
  }
  SUBCASE("GAD-7") {
    check_wording(kGad7, "es",
                  {kStemEs,
                   {
                       "Se ha sentido nervioso(a), ansioso(a) o con los nervios de punta",
                       "No ha sido capaz de parar o controlar su preocupación",
                       "Se ha preocupado demasiado por motivos diferentes",
                       "Ha tenido dificultad para relajarse",
                       "Se ha sentido tan inquieto(a) que no ha podido quedarse quieto(a)",
                       "Se ha molestado o irritado fácilmente",
                       "Ha tenido miedo de que algo terrible fuera a pasar",
                       kDifficultyEs,
                   },
                   kFrequencyEs,
                   kDifficultyOptionsEs});
  }
}

TEST_CASE("English pages show the published wording") {
  SUBCASE("PHQ-9") {
    check_wording(
        kPhq9, "en",
        {"Over the last 2 weeks, how often have you been bothered by any of the following problems?",
         {
             "Little interest or pleasure in doing things",
             "Feeling down, depressed, or hopeless",
             "Trouble falling or staying asleep, or sleeping too much",
             "Feeling tired or having little energy",
             "Poor appetite or overeating",
             "Feeling bad about yourself — or that you are a failure or have let yourself or your family "
             "down",
             "Trouble concentrating on things, such as reading the newspaper or watching television",
             "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so "
             "fidgety or restless that you have been moving around a lot more than usual",
             "Thoughts that you would be better off dead or of hurting yourself in some way",
             "If you checked off any problems, how difficult have these problems made it for you to do your "
             "work, take care of things at home, or get along with other people?",
         },
         kFrequencyEn,
         kDifficultyOptionsEn});
  }
  SUBCASE("GAD-7") {
    check_wording(
        kGad7, "en",
        {"Over the last 2 weeks, how often have you been bothered by the following problems?",
         {
             "Feeling nervous, anxious, or on edge",
             "Not being able to stop or control worrying",
             "Worrying too much about different things",
             "Trouble relaxing",
             "Being so restless that it is hard to sit still",
             "Becoming easily annoyed or irritable",
             "Feeling afraid, as if something awful might happen",
             "If you checked any problems, how difficult have they made it for you to do your work, "
             "take care of things at home, or get along with other people?",
         },
         kFrequencyEn,
         kDifficultyOptionsEn});
  }
}

namespace {

struct ExampleResponse {
  std::string file;  // under tests/data/responses/
  const Instrument* instrument;
  double score;
  std::string band;
  bool critical;
};

nlohmann::json read_response(const std::string& file) {
  const std::string path = std::string(OUTPOST_SOURCE_DIR) + "/tests/data/responses/" + file;
  nlohmann::json doc = nlohmann::json::parse(read_text(path), nullptr, /*allow_exceptions=*/false);
  REQUIRE_MESSAGE(!doc.is_discarded(), path << " is not JSON");
  return doc;
}

}  // namespace

TEST_CASE("example responses score as documented in tests/data/responses/README.md") {
  const std::vector<ExampleResponse> examples = {
      {"phq9-en-moderate.json", &kPhq9, 12, "moderate", false},
      {"phq9-es-critical.json", &kPhq9, 8, "mild", true},
      {"phq9-en-none.json", &kPhq9, 0, "minimal", false},
      {"gad7-en-severe.json", &kGad7, 18, "severe", false},
      {"gad7-es-mild.json", &kGad7, 6, "mild", false},
  };
  for (const ExampleResponse& example : examples) {
    INFO(example.file);
    const Questionnaire q = load(*example.instrument);
    const nlohmann::json doc = read_response(example.file);
    CHECK(doc.at("questionnaire") == q.url());
    Result<Answers> answers = answers_from_response(q, doc, example.file);
    REQUIRE_MESSAGE(answers.ok(), answers.status().to_string());
    const Assessment a = assess_ok(q, *answers);
    CHECK(a.score == example.score);
    REQUIRE(a.band.has_value());
    CHECK(a.band->label == example.band);
    CHECK(has_flag(a, "critical") == example.critical);
    if (example.critical) CHECK(a.critical_items == std::vector<std::string>{kPhq9Item9});
  }
}

TEST_CASE("an example response missing a required item is rejected naming it") {
  const Questionnaire q = load(kPhq9);
  const nlohmann::json doc = read_response("phq9-missing-item.json");
  Result<Answers> answers = answers_from_response(q, doc, "phq9-missing-item.json");
  REQUIRE_MESSAGE(answers.ok(), answers.status().to_string());
  const Status status = validate_answers(q, *answers);
  CHECK(status.code() == Errc::invalid_response);
  CHECK(status.message().find("44252-5") != std::string::npos);
  CHECK_FALSE(assess(q, *answers).ok());
}
