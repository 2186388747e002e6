// The GStreamer player headless: frames pumped on the test thread, woken by
// on_wake through a condition variable, with deadlines (no sleeps).
#include "media/player_gst.h"

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>

namespace fs = std::filesystem;
using namespace outpost;
using Clock = std::chrono::steady_clock;

namespace {

struct Waker {
  std::mutex mu;
  std::condition_variable cv;
  bool woken = false;
  void wake() {
    std::lock_guard l(mu);
    woken = true;
    cv.notify_all();
  }
  // True when woken before the deadline.
  bool wait_until(Clock::time_point deadline) {
    std::unique_lock l(mu);
    bool ok = cv.wait_until(l, deadline, [&] { return woken; });
    woken = false;
    return ok;
  }
};

fs::path odd_size_file() {
  static fs::path p = [] {
    std::string tmpl = (fs::temp_directory_path() / "outpost-player-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    fs::path out = fs::path(tmpl) / "odd.webm";
    std::string cmd = "gst-launch-1.0 -q videotestsrc num-buffers=60 pattern=smpte ! "
                      "video/x-raw,width=854,height=480,framerate=30/1 ! vp8enc deadline=1 ! webmmux name=m ! "
                      "filesink location=" + out.string() +
                      " audiotestsrc num-buffers=86 ! opusenc ! m. >/dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
    return out;
  }();
  return p;
}

}  // namespace

TEST_CASE("player: plays 2 s of 854x480 to the end with true strides and no drops") {
  Waker w;
  auto player = make_gst_player([&] { w.wake(); });
  REQUIRE(player->open(odd_size_file()).ok());
  player->play();
  int taken = 0;
  bool strides_checked = false;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (player->state() == PlayerState::playing && Clock::now() < deadline) {
    w.wait_until(deadline);
    player->poll();
    if (auto f = player->take_frame()) {
      ++taken;
      CHECK(f->width == 854);
      CHECK(f->height == 480);
      CHECK(f->strides[0] == 856);
      CHECK(f->strides[1] == 428);
      CHECK(f->strides[2] == 428);
      CHECK(f->planes[2] > f->planes[1]);
      strides_checked = true;
    }
  }
  CHECK(player->state() == PlayerState::ended);
  CHECK(strides_checked);
  MESSAGE("presented " << player->frames_presented() << ", taken " << taken << ", dropped "
                       << player->dropped_frames() << ", audio " << player->audio_available());
  CHECK(player->frames_presented() >= 57);
  CHECK(player->frames_presented() <= 60);
  CHECK(player->dropped_frames() == 0);
  // Build machines have no audio device: the synced fakesink stands in.
  if (!fs::exists("/dev/snd") && std::getenv("PULSE_SERVER") == nullptr) CHECK_FALSE(player->audio_available());
}

TEST_CASE("player: pause stops frames, seek lands near the target") {
  Waker w;
  auto player = make_gst_player([&] { w.wake(); });
  REQUIRE(player->open(odd_size_file()).ok());
  player->play();
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (player->frames_presented() < 10 && Clock::now() < deadline) {
    w.wait_until(deadline);
    player->poll();
    (void)player->take_frame();
  }
  REQUIRE(player->frames_presented() >= 10);
  player->pause();
  // PAUSED prerolls one frame at most; then nothing for 0.5 s (a deadline, asserting absence).
  auto after_pause = player->frames_presented();
  auto quiet = Clock::now() + std::chrono::milliseconds(500);
  while (Clock::now() < quiet) w.wait_until(quiet);
  CHECK(player->frames_presented() <= after_pause + 1);
  player->seek(1500);
  player->play();
  std::int64_t pts = -1;
  deadline = Clock::now() + std::chrono::seconds(5);
  while (pts < 0 && Clock::now() < deadline) {
    w.wait_until(deadline);
    player->poll();
    if (auto f = player->take_frame()) pts = f->pts_ms;
  }
  MESSAGE("first frame after seek to 1500: " << pts);
  CHECK(pts >= 1450);  // accurate seek
  CHECK(pts <= 1600);
}

TEST_CASE("player: a file that does not decode gives a calm error") {
  fs::path bad = odd_size_file().parent_path() / "bad.webm";
  std::ofstream(bad) << "not a video";
  Waker w;
  auto player = make_gst_player([&] { w.wake(); });
  (void)player->open(bad);
  player->play();
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (player->state() != PlayerState::error && Clock::now() < deadline) {
    w.wait_until(deadline);
    player->poll();
  }
  CHECK(player->state() == PlayerState::error);
  CHECK(player->error_message() == "This video cannot be played right now.");
}
