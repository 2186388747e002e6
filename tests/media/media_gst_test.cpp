// media_gst.h on files made at test time with gst-launch-1.0.
#include "media/media_gst.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace fs = std::filesystem;
using namespace outpost;

namespace {

const fs::path& dir() {
  static fs::path d = [] {
    std::string tmpl = (fs::temp_directory_path() / "outpost-media-XXXXXX").string();
    char* made = mkdtemp(tmpl.data());
    REQUIRE(made != nullptr);
    return fs::path(made);
  }();
  return d;
}

// Makes `name` once with a gst-launch pipeline; "OUT" in it becomes the path.
fs::path make(const std::string& name, const std::string& pipeline) {
  fs::path out = dir() / name;
  if (!fs::exists(out)) {
    std::string p = pipeline;
    p.replace(p.find("OUT"), 3, out.string());
    std::string cmd = "gst-launch-1.0 -q " + p + " >/dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
  return out;
}

// 3 s 320x240@30 VP8 (or VP9) + Opus.
fs::path webm(const std::string& venc = "vp8enc deadline=1", const std::string& name = "good.webm") {
  return make(name, "videotestsrc num-buffers=90 pattern=smpte ! video/x-raw,width=320,height=240,framerate=30/1 ! " +
                        venc + " ! webmmux name=m ! filesink location=OUT audiotestsrc num-buffers=129 ! opusenc ! m.");
}

fs::path copy_with(const fs::path& from, const std::string& name, auto&& damage) {
  fs::path out = dir() / name;
  fs::copy_file(from, out, fs::copy_options::overwrite_existing);
  damage(out);
  return out;
}

}  // namespace

TEST_CASE("probe_media: duration, container, codecs, size") {
  auto info = probe_media(webm());
  REQUIRE(info.ok());
  CHECK(info->container == "webm");
  CHECK(info->video_codec == "VP8");
  CHECK(info->audio_codec == "Opus");
  CHECK(info->width == 320);
  CHECK(info->height == 240);
  CHECK(info->duration_ms >= 2900);
  CHECK(info->duration_ms <= 3200);
  auto vp9 = probe_media(webm("vp9enc deadline=1 cpu-used=8", "vp9.webm"));
  REQUIRE(vp9.ok());
  CHECK(vp9->video_codec == "VP9");
  CHECK(check_video_file(dir() / "vp9.webm").ok());
}

TEST_CASE("decode_all: a good file passes and reports progress") {
  std::int64_t last = -1, dur = 0;
  auto s = decode_all(webm(), [&](std::int64_t pos, std::int64_t d) { last = pos; dur = d; });
  CHECK_MESSAGE(s.ok(), s.message());
  CHECK(dur >= 2900);
  CHECK(last >= 2900);
}

TEST_CASE("decode_all: garbage over the middle, truncation and text are refused, naming the file") {
  fs::path good = webm();
  auto size = fs::file_size(good);
  auto mid = copy_with(good, "middle.webm", [&](const fs::path& p) {
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    std::mt19937 rng(7);
    for (int i = 0; i < 4000; ++i) f.put(static_cast<char>(rng()));
  });
  auto s = decode_all(mid, {});
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find("middle.webm") == 0);
  MESSAGE(s.message());

  auto cut = copy_with(good, "cut.webm", [&](const fs::path& p) { fs::resize_file(p, size * 6 / 10); });
  s = decode_all(cut, {});
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find("cut.webm") == 0);
  MESSAGE(s.message());

  fs::path text = dir() / "notes.webm";
  std::ofstream(text) << "this is not a video\n";
  s = decode_all(text, {});
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find("notes.webm") == 0);
  CHECK_FALSE(check_video_file(text).ok());
  CHECK(decode_all(dir() / "absent.webm", {}).code() == Errc::not_found);
}

TEST_CASE("check_video_file: WebM VP8/VP9 + Opus only") {
  CHECK(check_video_file(webm()).ok());
  auto mp4 = make("h264.mp4",
                  "videotestsrc num-buffers=30 ! video/x-raw,width=320,height=240 ! x264enc ! mp4mux ! filesink location=OUT");
  auto s = check_video_file(mp4);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find("h264.mp4: videos must be WebM") == 0);
  auto ogg = make("theora.ogg", "videotestsrc num-buffers=30 ! video/x-raw,width=320,height=240 ! theoraenc ! "
                                "oggmux ! filesink location=OUT");
  s = check_video_file(ogg);
  REQUIRE_FALSE(s.ok());
  CHECK_MESSAGE(s.message().find("theora.ogg: videos must be WebM, this is ogg") == 0, s.message());
}
