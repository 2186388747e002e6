// KioskUi over a real Session with a FakeClock and a headless ImGui context:
// keys in, views out, no window and no sleeping.
#include "ui/kiosk_ui.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include <doctest/doctest.h>
#include <imgui.h>

#include "kiosk/patient_code.h"
#include "kiosk/submitter.h"
#include "tests/kiosk/blocking_sink.h"
#include "ui/view_json.h"

using namespace outpost;
using namespace outpost::ui;

namespace {

std::vector<unsigned char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot open ", path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Questionnaire load_phq9() {
  std::ifstream in(std::string(OUTPOST_SOURCE_DIR) + "/config/questionnaires/phq-9.json");
  std::stringstream ss;
  ss << in.rdbuf();
  auto q = Questionnaire::parse(ss.str(), "phq-9.json");
  REQUIRE_MESSAGE(q.ok(), q.status().message());
  return std::move(q).value();
}

const char* kFontDir = "/usr/share/fonts/truetype/noto/";

struct Harness {
  // threaded: the kiosk's wiring, a writer thread over a sink that blocks
  // until slow_sink.open(); else the sink is called inline.
  explicit Harness(bool threaded = false) : threaded(threaded) {}
  bool threaded;
  FakeClock clock;
  MemorySubmitSink sink;
  test::BlockingSink slow_sink;
  RunQueue queue;
  ThreadSubmitter slow_writer{slow_sink, queue};
  InlineSubmitter writer{sink};
  Questionnaire phq9 = load_phq9();
  SessionConfig config = [] {
    SessionConfig c;
    c.languages = {"en", "es"};
    c.allow_anonymous = true;
    c.idle_timeout = std::chrono::seconds(3);
    c.idle_warning = std::chrono::seconds(2);
    return c;
  }();
  CrisisResources crisis{{"Help is here", {{"es", "Aquí hay ayuda"}}},
                         {"Tell the staff.", {{"es", "Avise al personal."}}},
                         {{{"Crisis line", {{"es", "Línea de crisis"}}}, "988"}}};
  Session session{clock, config, {&phq9}, threaded ? static_cast<Submitter&>(slow_writer) : writer};
  std::vector<unsigned char> regular = read_bytes(std::string(kFontDir) + "NotoSans-Regular.ttf");
  std::vector<unsigned char> bold = read_bytes(std::string(kFontDir) + "NotoSans-Bold.ttf");
  ImGuiContext* ctx = ImGui::CreateContext();
  Fonts fonts = [this] {
    ImGui::GetIO().IniFilename = nullptr;
    auto f = load_fonts(regular, bold, kFontDir);
    REQUIRE(f.ok());
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    ImGui::GetIO().Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    return *f;
  }();
  KioskUi ui{session, clock, crisis, fonts};

  ~Harness() {
    slow_sink.open();
    ImGui::DestroyContext(ctx);
  }

  const View& frame() {
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(1920, 1080);
    io.DeltaTime = 1.f / 60;
    ImGui::NewFrame();
    ui.frame(1920, 1080);
    ImGui::Render();
    return ui.view();
  }
  void key(Key k, int digit = 0) {
    ui.key_down(k, digit);
    ui.key_up(k);
    frame();
  }
  std::vector<std::string> labels(Role role) {
    std::vector<std::string> out;
    for (const Element& e : ui.view().elements)
      if (e.role == role) out.push_back(e.text);
    return out;
  }
  void to_first_question(const std::string& code) {
    frame();
    key(Key::confirm);   // Check in
    key(Key::digit, 2);  // Español
    for (char d : code) key(Key::digit, d - '0');
    key(Key::confirm);  // Continuar
  }
};

bool has_text(const View& v, const std::string& text) {
  for (const Element& e : v.elements)
    if (e.text == text) return true;
  return false;
}

}  // namespace

TEST_CASE("the Noto fonts hold every Spanish glyph") {
  Harness h;
  for (ImWchar c : {u'á', u'é', u'í', u'ó', u'ú', u'ñ', u'ü', u'¿', u'¡', u'Ñ', u'–', u'•'}) {
    INFO("U+", std::hex, static_cast<int>(c));
    CHECK(h.fonts.body->FindGlyphNoFallback(c) != nullptr);
    CHECK(h.fonts.question->FindGlyphNoFallback(c) != nullptr);
  }
}

TEST_CASE("keys walk from welcome to a Spanish question, digits choose, Enter confirms") {
  Harness h;
  const View& welcome = h.frame();
  CHECK(welcome.screen == Screen::welcome);
  CHECK(h.labels(Role::choice) == std::vector<std::string>{"Check in", "Join a group"});  // no library: no Videos
  CHECK_FALSE(welcome.elements[welcome.elements.size() - 1].enabled);  // Join a group, not yet
  h.to_first_question(std::string(make_patient_code("20261123").value()));
  const View& q = h.ui.view();
  REQUIRE(q.screen == Screen::question);
  CHECK(q.language == "es");
  CHECK(has_text(q, "Poco interés o placer en hacer cosas"));
  CHECK(h.labels(Role::answer) == std::vector<std::string>{"Ningún día", "Varios días",
                                                           "Más de la mitad de los días",
                                                           "Casi todos los días"});
  h.key(Key::digit, 3);
  CHECK(h.session.current_answer() != nullptr);
  std::vector<std::string> chosen;
  for (const Element& e : h.ui.view().elements)
    if (e.selected) chosen.push_back(e.text);
  CHECK(chosen == std::vector<std::string>{"Más de la mitad de los días"});
  h.key(Key::confirm);
  CHECK(h.session.progress().index == 2);
  h.key(Key::back);  // Escape: one page back, answer kept
  CHECK(h.session.progress().index == 1);
  CHECK(h.session.current_answer() != nullptr);
}

TEST_CASE("the typed code is masked in the hook and wiped when the screen is left") {
  Harness h;
  h.frame();
  h.key(Key::confirm);
  h.key(Key::digit, 2);
  for (int d : {4, 2, 4, 2}) h.key(Key::digit, d);
  const std::string shown = view_json(h.ui.view(), h.ui.focus())["texts"][2].get<std::string>();
  CHECK(shown.find_first_of("0123456789") == std::string::npos);  // no typed digit in the hook
  CHECK(view_json(h.ui.view(), h.ui.focus())["texts"][2].get<std::string>().rfind(
            "\u2022 \u2022 \u2022 \u2022", 0) == 0);
  h.key(Key::erase);  // Backspace deletes one digit on the code screen
  CHECK(view_json(h.ui.view(), h.ui.focus())["texts"][2].get<std::string>().rfind(
            "\u2022 \u2022 \u2022 \u2013", 0) == 0);
  h.key(Key::back);  // Escape leaves the screen
  CHECK(h.ui.view().screen == Screen::language);
  h.key(Key::digit, 2);
  CHECK(view_json(h.ui.view(), h.ui.focus())["texts"][2].get<std::string>().find("\u2022") ==
        std::string::npos);
}

TEST_CASE("idle with the fake clock: warning and countdown, any key keeps the page, then the wipe") {
  Harness h;
  h.to_first_question(std::string(make_patient_code("20261123").value()));
  h.key(Key::digit, 2);
  CHECK(h.ui.next_frame_in() == std::nullopt);  // nothing animates; the session's deadline wakes us
  h.clock.advance(std::chrono::milliseconds(3000));
  const View& warned = h.frame();
  REQUIRE(!warned.overlay.empty());
  CHECK(warned.countdown_s == 2);
  CHECK(warned.overlay[0].text == "¿Sigue ahí?");
  REQUIRE(h.ui.next_frame_in().has_value());
  CHECK(h.ui.next_frame_in()->count() <= 1000);  // redraw as the seconds tick
  h.key(Key::digit, 4);                          // any key only dismisses the warning
  CHECK(h.ui.view().overlay.empty());
  CHECK(h.ui.view().screen == Screen::question);
  CHECK(h.labels(Role::answer).size() == 4);
  std::string kept;
  for (const Element& e : h.ui.view().elements)
    if (e.selected) kept = e.text;
  CHECK(kept == "Varios días");  // the digit 4 did not change the answer
  h.clock.advance(std::chrono::milliseconds(4000));
  h.frame();
  CHECK(h.ui.view().countdown_s == 1);
  h.clock.advance(std::chrono::milliseconds(1000));
  const View& wiped = h.frame();
  CHECK(wiped.screen == Screen::welcome);
  CHECK(wiped.overlay.empty());
  CHECK(wiped.language == "en");
  CHECK(h.session.holds_no_patient_data());
  CHECK(h.session.wipe_count() >= 1);
}

TEST_CASE("the crisis screen needs a 2-second hold, Escape and a tap do nothing") {
  Harness h;
  h.to_first_question(std::string(make_patient_code("20261123").value()));
  for (int page = 0; page < 8; ++page) {
    h.key(Key::digit, 1);
    h.key(Key::confirm);
  }
  h.key(Key::digit, 2);  // item 9: "Varios días", critical
  h.key(Key::confirm);
  REQUIRE(h.ui.view().screen == Screen::crisis);
  CHECK(has_text(h.ui.view(), "Aquí hay ayuda"));
  CHECK(h.sink.crises.size() == 1);
  h.key(Key::back);
  h.key(Key::erase);
  h.key(Key::confirm);  // down and up at once: a tap
  CHECK(h.ui.view().screen == Screen::crisis);
  h.ui.key_down(Key::confirm);
  h.clock.advance(std::chrono::milliseconds(1000));
  CHECK(h.frame().hold_progress == doctest::Approx(0.5f));
  h.ui.key_up(Key::confirm);  // let go early
  CHECK(h.frame().hold_progress == 0.f);
  CHECK(h.ui.view().screen == Screen::crisis);
  h.ui.key_down(Key::confirm);
  h.frame();
  h.clock.advance(std::chrono::milliseconds(2000));
  h.frame();
  h.ui.key_up(Key::confirm);
  h.frame();
  CHECK(h.ui.view().screen == Screen::question);
  CHECK(has_text(h.ui.view(), h.phq9.items()[0].items[9].text.in("es")));
}

TEST_CASE("the test hook example in docs/design.md is what view_json writes") {
  std::ifstream in(std::string(OUTPOST_SOURCE_DIR) + "/docs/design.md");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  const auto section = doc.find("## Kiosk UI");
  REQUIRE(section != std::string::npos);
  const auto start = doc.find("```json\n", section);
  REQUIRE(start != std::string::npos);
  const auto end = doc.find("\n```", start + 8);
  const nlohmann::json example = nlohmann::json::parse(doc.substr(start + 8, end - start - 8));

  Harness h;
  h.frame();
  h.key(Key::confirm);
  h.key(Key::digit, 2);
  for (int d : {1, 2, 3, 4}) h.key(Key::digit, d);
  const nlohmann::json hook = view_json(h.ui.view(), h.ui.focus());
  for (const auto& [key, value] : example.items()) {
    INFO(key);
    if (key == "frame" || key == "t_ms" || key == "frame_ms") continue;  // added by the program
    REQUIRE(hook.contains(key));
    if (key == "controls") {
      for (const auto& control : value)
        CHECK(std::find(hook[key].begin(), hook[key].end(), control) != hook[key].end());
    } else {
      CHECK(hook[key] == value);
    }
  }
}

TEST_CASE("no frame waits on a stuck outbox: `submitting` is drawn until the writer answers") {
  Harness h(true);
  h.to_first_question(std::string(make_patient_code("20261123").value()));
  while (h.session.screen() == Screen::question) {
    h.key(Key::digit, 1);
    h.key(Key::confirm);
  }
  REQUIRE(h.session.screen() == Screen::review);
  REQUIRE(h.ui.view().elements[h.ui.focus()].command->kind == Command::submit);
  h.key(Key::confirm);
  REQUIRE(h.slow_sink.wait_for_caller());  // the writer thread is inside the sink, which waits for us
  // If a frame waited on the sink, it would wait for the gate this thread
  // opens only below: the sink gives up after 30 s and timed_out() fails.
  double longest_ms = 0;
  for (int i = 0; i < 30; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const View& v = h.frame();
    longest_ms = std::max(longest_ms, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    REQUIRE(v.screen == Screen::submitting);
    h.key(Key::back);  // input while saving does nothing
  }
  MESSAGE("longest frame while the outbox was stuck: ", longest_ms, " ms");
  CHECK(has_text(h.ui.view(), "Guardando sus respuestas"));
  CHECK_FALSE(h.slow_sink.timed_out());
  h.slow_sink.open();
  while (h.slow_writer.pending() > 0) std::this_thread::yield();
  CHECK(h.queue.drain() == 1);
  CHECK(h.frame().screen == Screen::submitted);
  CHECK(h.slow_sink.inner.submitted.size() == 1);
  CHECK_FALSE(h.slow_sink.timed_out());
}
