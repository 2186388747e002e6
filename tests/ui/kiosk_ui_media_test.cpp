// KioskUi with videos: a fake Player and library, a real Session, FakeClock,
// headless ImGui. What the kiosk does with the player's state, not GStreamer.
#include <chrono>
#include <fstream>
#include <memory>

#include <doctest/doctest.h>
#include <imgui.h>

#include "kiosk/submitter.h"
#include "ui/kiosk_ui.h"
#include "ui/view_json.h"

using namespace outpost;
using namespace outpost::ui;
using namespace std::chrono_literals;

namespace {

// What the test makes the player do; shared with the Player the UI owns.
struct FakeMedia {
  PlayerState state = PlayerState::idle;
  std::int64_t position = 0, duration = 30'000;
  bool fail_open = false, audio = true;
  int frames_ready = 0;  // frames take_frame() hands out
  std::vector<std::int64_t> seeks;
  int opens = 0, closes = 0;
  double volume = -1;
  std::uint8_t plane[64] = {};
};

class FakePlayer final : public Player {
 public:
  explicit FakePlayer(std::shared_ptr<FakeMedia> m) : m_(std::move(m)) {}
  ~FakePlayer() override { ++m_->closes; }
  Status open(const std::filesystem::path&) override {
    ++m_->opens;
    if (m_->fail_open) {
      m_->state = PlayerState::error;
      return Status(Errc::corrupt, "cannot decode");
    }
    m_->state = PlayerState::paused;
    return Status::Ok();
  }
  void play() override { m_->state = PlayerState::playing; }
  void pause() override { m_->state = PlayerState::paused; }
  void seek(std::int64_t ms) override {
    m_->seeks.push_back(ms);
    m_->position = ms;
    if (m_->state == PlayerState::ended) m_->state = PlayerState::paused;
  }
  void set_volume(double v) override { m_->volume = v; }
  void poll() override {}
  std::optional<VideoFrame> take_frame() override {
    if (m_->frames_ready == 0) return std::nullopt;
    --m_->frames_ready;
    VideoFrame f;
    f.width = 8;
    f.height = 8;
    for (auto& p : f.planes) p = m_->plane;
    f.strides[0] = 8;
    f.strides[1] = f.strides[2] = 4;
    return f;
  }
  PlayerState state() const override { return m_->state; }
  std::string error_message() const override { return m_->state == PlayerState::error ? "cannot play" : ""; }
  std::int64_t position_ms() const override { return m_->position; }
  std::int64_t duration_ms() const override { return m_->duration; }
  std::int64_t frames_presented() const override { return 0; }
  std::int64_t dropped_frames() const override { return 0; }
  bool audio_available() const override { return m_->audio; }

 private:
  std::shared_ptr<FakeMedia> m_;
};

std::vector<unsigned char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot open ", path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::shared_ptr<const Library> two_videos() {
  auto lib = std::make_shared<Library>();
  lib->channel = "demo";
  lib->version = 4;
  lib->default_language = "en";
  LibraryItem a;
  a.id = "box-breathing";
  a.topic = "coping";
  a.title = {{"en", "Box breathing"}, {"es", "Respiración cuadrada"}};
  a.duration_ms = 30'000;
  a.video = "/lib/a.webm";
  a.captions = {{"en", "/lib/a.en.vtt"}, {"es", "/lib/a.es.vtt"}};
  LibraryItem b;
  b.id = "sleep-routine";
  b.topic = "sleep";
  b.title = {{"en", "A steady sleep routine"}};  // no Spanish title: the default language's
  b.duration_ms = 20'000;
  b.video = "/lib/b.webm";
  lib->items = {a, b};
  return lib;
}

struct Harness {
  FakeClock clock;
  MemorySubmitSink sink;
  InlineSubmitter writer{sink};
  SessionConfig config = [] {
    SessionConfig c;
    c.languages = {"en", "es"};
    c.idle_timeout = 3s;
    c.idle_warning = 2s;
    return c;
  }();
  CrisisResources crisis{{"Help is here", {}}, {"Tell the staff.", {}}, {{{"Crisis line", {}}, "988"}}};
  Session session{clock, config, {}, writer};
  std::vector<unsigned char> regular = read_bytes("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf");
  std::vector<unsigned char> bold = read_bytes("/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf");
  ImGuiContext* ctx = ImGui::CreateContext();
  Fonts fonts = [this] {
    ImGui::GetIO().IniFilename = nullptr;
    auto f = load_fonts(regular, bold, "noto");
    REQUIRE(f.ok());
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    ImGui::GetIO().Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    return *f;
  }();
  std::shared_ptr<const Library> library = two_videos();
  std::shared_ptr<FakeMedia> media = std::make_shared<FakeMedia>();
  std::vector<std::string> caption_files;
  KioskUi ui{session, clock, crisis, fonts, services()};

  MediaServices services() {
    MediaServices s;
    s.library = [this] { return library; };
    s.make_player = [this] { return std::make_unique<FakePlayer>(media); };
    s.load_captions = [this](const std::filesystem::path& f) -> Result<Captions> {
      caption_files.push_back(f.string());
      const bool es = f.string().find(".es.") != std::string::npos;
      return Captions{{0, 10'000, es ? "Respire" : "Breathe in"}, {10'000, 20'000, es ? "Suelte" : "Let go"}};
    };
    s.volume = 0.7;
    return s;
  }
  ~Harness() { ImGui::DestroyContext(ctx); }

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
  // The focused control's label.
  std::string focused() { return ui.view().elements.at(ui.focus()).text; }
  void press(const std::string& label) {
    for (int i = 0; i < 12 && focused() != label; ++i) key(Key::tab);
    REQUIRE(focused() == label);
    key(Key::confirm);
  }
  // welcome -> Videos -> `lang` -> library.
  void to_library(int lang_key = 2) {
    frame();
    key(Key::digit, 2);  // Videos
    REQUIRE(ui.view().screen == Screen::language);
    key(Key::digit, lang_key);
    REQUIRE(ui.view().screen == Screen::library);
  }
  // One decoded frame at `ms`, as a wake-up would bring it.
  const View& play_frame(std::int64_t ms) {
    media->position = ms;
    media->frames_ready = 1;
    clock.advance(33ms);
    return frame();
  }
};

}  // namespace

TEST_CASE("videos: Videos shows only with a library, and the library lists titles in the patient's language") {
  Harness h;
  h.frame();
  CHECK(h.labels(Role::choice) == std::vector<std::string>{"Check in", "Videos", "Join a group"});
  h.to_library();
  CHECK(h.ui.view().language == "es");
  CHECK(h.labels(Role::tile) == std::vector<std::string>{"Respiración cuadrada", "A steady sleep routine"});
  const auto j = view_json(h.ui.view(), h.ui.focus());
  CHECK(j["controls"][0]["key"] == 1);
  CHECK(j["controls"][0]["detail"].get<std::string>().find("0:30") != std::string::npos);
  CHECK(j["controls"][0]["detail"].get<std::string>().find("Habilidades") != std::string::npos);
  h.key(Key::back);
  CHECK(h.ui.view().screen == Screen::welcome);

  // The library removed: the welcome screen notices within its check interval.
  h.library = nullptr;
  h.clock.advance(31s);
  h.frame();
  CHECK(h.labels(Role::choice) == std::vector<std::string>{"Check in", "Join a group"});
}

TEST_CASE("videos: a digit opens the player, frames are counted as drawn, pause stops them") {
  Harness h;
  h.to_library(1);
  h.key(Key::digit, 1);
  REQUIRE(h.ui.view().screen == Screen::player);
  CHECK(h.media->opens == 1);
  CHECK(h.media->volume == doctest::Approx(0.7));
  CHECK(h.focused() == "Pause");  // the primary control, playing at once
  for (int i = 1; i <= 30; ++i) h.play_frame(i * 33);
  REQUIRE(h.ui.view().media);
  CHECK(h.ui.view().media->frames == 30);
  CHECK(h.ui.view().media->state == "playing");
  CHECK(h.ui.view().media->caption == "Breathe in");
  CHECK(h.ui.view().media->captions == "en");
  h.key(Key::confirm);  // Pause
  CHECK(h.media->state == PlayerState::paused);
  CHECK(h.focused() == "Play");
  h.clock.advance(500ms);
  h.frame();  // no frame from a paused player
  CHECK(h.ui.view().media->frames == 30);
}

TEST_CASE("videos: seek keys, the seek buttons and the bar move the position") {
  Harness h;
  h.to_library(1);
  h.key(Key::digit, 1);
  h.play_frame(15'000);
  h.key(Key::right);
  CHECK(h.media->seeks.back() == 25'000);
  h.key(Key::right);
  CHECK(h.media->seeks.back() == 30'000);  // not past the end
  h.key(Key::left);
  CHECK(h.media->seeks.back() == 20'000);
  h.press("Back 10 s");
  CHECK(h.media->seeks.back() == 10'000);
  h.media->position = 0;
  h.key(Key::left);
  CHECK(h.media->seeks.back() == 0);
}

TEST_CASE("videos: captions cycle off and through the item's languages") {
  Harness h;
  h.to_library(1);
  h.key(Key::digit, 1);
  h.play_frame(12'000);
  CHECK(h.ui.view().media->caption == "Let go");
  h.press("Captions: English");
  h.play_frame(12'100);
  CHECK(h.ui.view().media->captions == "es");
  CHECK(h.ui.view().media->caption == "Suelte");
  h.press("Captions: Español");
  h.play_frame(12'200);
  CHECK(h.ui.view().media->captions.empty());
  CHECK(h.ui.view().media->caption.empty());
  CHECK(h.labels(Role::media_button).back() == "Captions: off");
}

TEST_CASE("videos: a file that will not open shows the calm error, and Back returns to the library") {
  Harness h;
  h.media->fail_open = true;
  h.to_library(1);
  h.key(Key::digit, 1);
  REQUIRE(h.ui.view().screen == Screen::player);
  CHECK(h.ui.view().media->state == "error");
  CHECK(h.ui.view().elements.front().text == "This video cannot play right now");
  CHECK(h.focused() == "All videos");
  h.key(Key::confirm);
  CHECK(h.ui.view().screen == Screen::library);
  CHECK(h.sink.media_events.empty());  // nothing was watched
  // A pipeline error while playing does the same.
  h.media->fail_open = false;
  h.key(Key::digit, 2);
  h.play_frame(1000);
  h.media->state = PlayerState::error;
  h.play_frame(1033);
  CHECK(h.ui.view().elements.front().text == "This video cannot play right now");
}

TEST_CASE("videos: playing holds off the idle wipe, paused lets it come, and the watched record goes out") {
  Harness h;
  h.to_library(1);
  h.key(Key::digit, 1);
  for (int i = 1; i <= 300; ++i) h.play_frame(i * 33);  // 10 s of playing, past the 5 s idle limit
  CHECK(h.ui.view().screen == Screen::player);
  CHECK(h.ui.view().overlay.empty());
  h.key(Key::confirm);  // pause
  h.clock.advance(3100ms);
  h.frame();
  CHECK_FALSE(h.ui.view().overlay.empty());  // "Are you still there?"
  h.clock.advance(2s);
  h.frame();
  CHECK(h.ui.view().screen == Screen::welcome);
  CHECK(h.media->closes == 1);
  REQUIRE(h.sink.media_events.size() == 1);
  CHECK(h.sink.media_events[0].item_id == "box-breathing");
  CHECK(h.sink.media_events[0].seconds_watched == doctest::Approx(9.9).epsilon(0.02));
  CHECK(h.sink.media_events[0].captions == "en");
}

TEST_CASE("videos: leaving and reopening a video resumes where the patient left it") {
  Harness h;
  h.to_library(1);
  h.key(Key::digit, 1);
  h.play_frame(8'000);
  h.play_frame(8'033);
  h.key(Key::back);
  CHECK(h.ui.view().screen == Screen::library);
  h.key(Key::digit, 1);
  REQUIRE(h.media->seeks.size() == 1);
  CHECK(h.media->seeks[0] == 8'033);
}

TEST_CASE("videos: a playing video repaints its own box, the seek bar at its steps, and all after anything else") {
  Harness h;
  h.to_library(1);
  h.key(Key::digit, 1);
  h.play_frame(1000);
  CHECK_FALSE(h.ui.repaint_rect());  // loading -> playing: the whole window
  h.play_frame(1100);                // the same 250 ms step of the bar, the same second, the same caption
  REQUIRE(h.ui.repaint_rect());
  const ScreenRect video = *h.ui.repaint_rect();
  h.play_frame(1250);  // the bar's next step
  REQUIRE(h.ui.repaint_rect());
  const ScreenRect live = *h.ui.repaint_rect();
  CHECK(live.y0 == video.y0);
  CHECK(live.y1 > video.y1 + 64);  // down through the seek bar
  CHECK(live.x0 < video.x0);       // the whole width, the knob's overhang too
  h.play_frame(1300);
  CHECK(*h.ui.repaint_rect() == video);
  h.key(Key::tab);  // the focus moved: all
  CHECK_FALSE(h.ui.repaint_rect());
  h.play_frame(1330);
  CHECK(*h.ui.repaint_rect() == video);
  h.press("Pause");  // a state and a label changed
  CHECK_FALSE(h.ui.repaint_rect());
}
