// media_gst.h on files made at test time with gst-launch-1.0.
#include "media/media_gst.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

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

// ---- decode_image: real pictures from Debian packages on this machine ----
namespace {

// The first of `candidates` that exists, else the first file ending in `ext`
// under /usr/share/icons, /usr/share/pixmaps or /usr/share/doc ("" if none).
fs::path shipped_picture(std::initializer_list<const char*> candidates, const std::string& ext) {
  for (const char* c : candidates)
    if (fs::is_regular_file(c)) return c;
  for (const char* root : {"/usr/share/icons", "/usr/share/pixmaps", "/usr/share/doc"}) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec) && it->path().extension() == ext && it->file_size(ec) > 512)
        return it->path();
    }
  }
  return {};
}

std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

unsigned be(const std::string& b, std::size_t at, int n) {
  unsigned v = 0;
  for (int i = 0; i < n; ++i) v = v << 8 | static_cast<unsigned char>(b.at(at + static_cast<std::size_t>(i)));
  return v;
}

// The size in the file's own header, read here without GStreamer: PNG's
// IHDR (width, height at bytes 16 and 20), JPEG's first SOFn segment.
std::pair<int, int> header_size(const fs::path& p) {
  const std::string b = bytes_of(p);
  if (b.compare(1, 3, "PNG") == 0) return {static_cast<int>(be(b, 16, 4)), static_cast<int>(be(b, 20, 4))};
  for (std::size_t i = 2; i + 9 < b.size();) {
    if (static_cast<unsigned char>(b[i]) != 0xff) return {0, 0};
    const unsigned marker = static_cast<unsigned char>(b[i + 1]);
    if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc)
      return {static_cast<int>(be(b, i + 7, 2)), static_cast<int>(be(b, i + 5, 2))};
    i += 2 + be(b, i + 2, 2);
  }
  return {0, 0};
}

// Distinct RGBA values in the picture (a real picture has many).
std::size_t colours(const Image& img) {
  std::vector<std::uint32_t> px(img.rgba.size() / 4);
  std::memcpy(px.data(), img.rgba.data(), px.size() * 4);
  std::sort(px.begin(), px.end());
  return static_cast<std::size_t>(std::unique(px.begin(), px.end()) - px.begin());
}

fs::path shipped_png() {
  static fs::path p = shipped_picture(
      {"/usr/share/doc/libtomlplusplus-dev/docs/images/banner.png",
       "/usr/share/doc/libsamplerate0-dev/SRC.png", "/usr/share/doc/python3-pip/html/topics/deps.png"},
      ".png");
  return p;
}

}  // namespace

TEST_CASE("decode_image: a PNG and a JPEG shipped by Debian packages, sizes as their headers say") {
  const fs::path png = shipped_png();
  REQUIRE_MESSAGE(!png.empty(), "no PNG under /usr/share on this machine");
  fs::path jpeg = shipped_picture(
      {"/usr/share/doc/espeak-ng/docs/images/sand-light.jpg", "/usr/share/doc/nodejs/thin-white-stripe.jpg"},
      ".jpg");
  if (jpeg.empty()) {  // none installed: make one from the PNG
    jpeg = make("from-png.jpg", "filesrc location=" + png.string() +
                                    " ! pngdec ! videoconvert ! jpegenc ! filesink location=OUT");
  }
  for (const fs::path& file : {png, jpeg}) {
    CAPTURE(file);
    auto [w, h] = header_size(file);
    REQUIRE(w > 0);
    auto img = decode_image(file, 4096, 4096);
    REQUIRE_MESSAGE(img.ok(), img.status().message());
    CHECK(img->width == w);
    CHECK(img->height == h);
    CHECK(img->rgba.size() == 4u * static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
    CHECK(colours(*img) > 16);
  }
  auto j = decode_image(jpeg, 4096, 4096);
  REQUIRE(j.ok());
  bool opaque = true;  // JPEG has no alpha channel
  for (std::size_t i = 3; i < j->rgba.size(); i += 4) opaque = opaque && j->rgba[i] == 255;
  CHECK(opaque);
}

TEST_CASE("decode_image: known pixels, odd sizes, rows in order") {
  // Top half one colour, bottom half another: a 333x77 PNG and JPEG (videomixer
  // blends in AYUV, so even the PNG is a unit or two off the colours asked for).
  const std::string two_halves =
      "videotestsrc num-buffers=1 pattern=solid-color foreground-color=0xff204080 ! "
      "video/x-raw,format=RGBA,width=333,height=38 ! videomixer name=mix sink_1::ypos=38 ! "
      "video/x-raw,format=RGBA,width=333,height=77 ! videoconvert ! ENC ! filesink location=OUT "
      "videotestsrc num-buffers=1 pattern=solid-color foreground-color=0xffe0c010 ! "
      "video/x-raw,format=RGBA,width=333,height=39 ! mix.";
  auto with = [&](const std::string& enc) {
    std::string p = two_halves;
    p.replace(p.find("ENC"), 3, enc);
    return p;
  };
  // JPEG: lossy, and its YCbCr round trip lands up to 17 units off here.
  for (auto [name, enc, tolerance] :
       {std::tuple{"halves.png", "pngenc", 3}, std::tuple{"halves.jpg", "jpegenc quality=95", 24}}) {
    const std::string file = name;
    CAPTURE(file);
    auto img = decode_image(make(file, with(enc)));
    REQUIRE_MESSAGE(img.ok(), img.status().message());
    REQUIRE(img->width == 333);
    REQUIRE(img->height == 77);
    auto near = [&](int x, int y, int r, int g, int b) {
      const std::uint8_t* p =
          &img->rgba[4 * (static_cast<std::size_t>(y) * 333 + static_cast<std::size_t>(x))];
      return std::abs(p[0] - r) <= tolerance && std::abs(p[1] - g) <= tolerance &&
             std::abs(p[2] - b) <= tolerance && p[3] == 255;
    };
    CHECK(near(0, 0, 0x20, 0x40, 0x80));
    CHECK(near(332, 20, 0x20, 0x40, 0x80));
    CHECK(near(5, 60, 0xe0, 0xc0, 0x10));
    CHECK(near(332, 76, 0xe0, 0xc0, 0x10));
  }
}

TEST_CASE("decode_image: too large, truncated, not a picture: refused naming the file") {
  auto wide =
      make("wide.png",
           "videotestsrc num-buffers=1 ! video/x-raw,width=2000,height=64 ! pngenc ! filesink location=OUT");
  auto r = decode_image(wide);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Errc::invalid_argument);
  CHECK_MESSAGE(r.status().message() == "wide.png: PNG picture is 2000x64, larger than the 1920x1080 allowed",
                r.status().message());
  CHECK(decode_image(wide, 2000, 64).ok());

  const fs::path png = shipped_png();
  REQUIRE(!png.empty());
  auto cut =
      copy_with(png, "cut.png", [&](const fs::path& p) { fs::resize_file(p, fs::file_size(png) / 2); });
  r = decode_image(cut);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Errc::corrupt);
  CHECK_MESSAGE(r.status().message().find("cut.png: PNG picture is damaged or truncated") == 0,
                r.status().message());

  auto jpeg = make("whole.jpg",
                   "videotestsrc num-buffers=1 pattern=smpte ! video/x-raw,width=320,height=240 ! "
                   "jpegenc ! filesink location=OUT");
  auto cut_jpeg =
      copy_with(jpeg, "cut.jpg", [&](const fs::path& p) { fs::resize_file(p, fs::file_size(jpeg) / 2); });
  r = decode_image(cut_jpeg);
  REQUIRE_FALSE(r.ok());
  CHECK_MESSAGE(r.status().message().find("cut.jpg: JPEG picture is damaged or truncated") == 0,
                r.status().message());

  fs::path text = dir() / "readme.png";
  std::ofstream(text) << "this is a text file with a .png name\n";
  r = decode_image(text);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Errc::invalid_argument);
  CHECK(r.status().message() == "readme.png: not a PNG or JPEG picture");
  // A video is refused by its first bytes too, whatever its name.
  auto video = copy_with(webm(), "video.jpg", [](const fs::path&) {});
  CHECK(decode_image(video).status().message() == "video.jpg: not a PNG or JPEG picture");
  CHECK(decode_image(dir() / "absent.png").status().code() == Errc::not_found);
  fs::path empty = dir() / "empty.png";
  std::ofstream{empty};
  CHECK(decode_image(empty).status().message() == "empty.png: not a PNG or JPEG picture");
}
