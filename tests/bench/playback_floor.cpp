// playback_floor FILE [--json]
//
// GStreamer's own cost of playing FILE in real time, the floor the kiosk's
// player is compared with (tests/bench/playback_bench.py; docs/design.md,
// "The GStreamer player"). The pipeline is the player's without the window:
// playbin, video-sink an appsink `caps=video/x-raw,format=I420 sync=true
// max-buffers=1 drop=true` whose samples are pulled and counted, audio-sink
// `fakesink sync=true`, the text flag off.
//
// CPU is getrusage(RUSAGE_SELF) user+sys from the end of preroll to EOS (the
// window the benchmark measures the kiosk over, from "playing" to "ended"),
// divided by the media duration: a share of one core. Peak RSS is VmHWM.
// Exit 0 after EOS; 1 when the file does not play; 2 for a bad command line.
#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace {

struct Unref {
  void operator()(gpointer p) const { if (p) gst_object_unref(p); }
};
struct MessageUnref {
  void operator()(GstMessage* m) const { if (m) gst_message_unref(m); }
};
using Message = std::unique_ptr<GstMessage, MessageUnref>;

// A GStreamer video sink drops a buffer later than this (GstVideoSink's
// default max-lateness); appsink has max-lateness -1 and qos off, so it never
// drops or posts QoS itself, and lateness is measured here instead.
constexpr GstClockTimeDiff kLateNs = 20 * GST_MSECOND;

// Written by the streaming thread, read after EOS.
struct Counts {
  std::atomic<std::int64_t> frames{0};
  std::atomic<std::int64_t> late{0};
  std::atomic<std::int64_t> max_late_ns{0};
  std::atomic<int> width{0}, height{0}, fps_n{0}, fps_d{1};
};

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

double wall_seconds() { return static_cast<double>(g_get_monotonic_time()) / 1e6; }

std::int64_t vmhwm_kb() {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  return 0;
}

// Streaming thread: count the sample and how late it reached the app.
GstFlowReturn on_new_sample(GstAppSink* sink, gpointer user) {
  auto* c = static_cast<Counts*>(user);
  GstSample* s = gst_app_sink_pull_sample(sink);
  if (!s) return GST_FLOW_OK;
  if (c->frames++ == 0) {
    if (GstCaps* caps = gst_sample_get_caps(s)) {
      const GstStructure* st = gst_caps_get_structure(caps, 0);
      int v = 0, n = 0, d = 1;
      if (gst_structure_get_int(st, "width", &v)) c->width = v;
      if (gst_structure_get_int(st, "height", &v)) c->height = v;
      if (gst_structure_get_fraction(st, "framerate", &n, &d)) {
        c->fps_n = n;
        c->fps_d = d;
      }
    }
  }
  GstBuffer* buf = gst_sample_get_buffer(s);
  const GstSegment* seg = gst_sample_get_segment(s);
  std::unique_ptr<GstClock, Unref> clock(gst_element_get_clock(GST_ELEMENT(sink)));
  if (buf && seg && clock && GST_BUFFER_PTS_IS_VALID(buf)) {
    const GstClockTime rt = gst_segment_to_running_time(seg, GST_FORMAT_TIME, GST_BUFFER_PTS(buf));
    const GstClockTime now = gst_clock_get_time(clock.get()) - gst_element_get_base_time(GST_ELEMENT(sink));
    if (GST_CLOCK_TIME_IS_VALID(rt)) {
      const GstClockTimeDiff late = GST_CLOCK_DIFF(rt, now);
      if (late > kLateNs) ++c->late;
      std::int64_t prev = c->max_late_ns;
      while (late > prev && !c->max_late_ns.compare_exchange_weak(prev, late)) {
      }
    }
  }
  gst_sample_unref(s);
  return GST_FLOW_OK;
}

struct Outcome {
  bool ok = false;
  std::string error;
};

// Pops bus messages until one of `until` (or ERROR) arrives or `timeout`
// passes; counts appsink QoS drops on the way.
Outcome wait_bus(GstBus* bus, GstMessageType until, GstClockTime timeout, GstElement* vsink,
                 std::int64_t* qos_dropped) {
  const auto types = static_cast<GstMessageType>(until | GST_MESSAGE_ERROR | GST_MESSAGE_QOS);
  const GstClockTime deadline = gst_util_get_timestamp() + timeout;
  for (;;) {
    const GstClockTime now = gst_util_get_timestamp();
    if (now >= deadline) return {false, "timed out"};
    Message m(gst_bus_timed_pop_filtered(bus, deadline - now, types));
    if (!m) return {false, "timed out"};
    switch (GST_MESSAGE_TYPE(m.get())) {
      case GST_MESSAGE_ERROR: {
        GError* err = nullptr;
        gst_message_parse_error(m.get(), &err, nullptr);
        Outcome o{false, err ? err->message : "error"};
        if (err) g_error_free(err);
        return o;
      }
      case GST_MESSAGE_QOS:
        if (GST_MESSAGE_SRC(m.get()) == GST_OBJECT(vsink)) {
          guint64 processed = 0, dropped = 0;
          gst_message_parse_qos_stats(m.get(), nullptr, &processed, &dropped);
          *qos_dropped = std::max(*qos_dropped, static_cast<std::int64_t>(dropped));
        }
        break;
      default:
        if (GST_MESSAGE_TYPE(m.get()) & until) return {true, ""};
    }
  }
}

int fail(const std::string& file, const std::string& why) {
  std::fprintf(stderr, "playback_floor: %s: %s\n", file.c_str(), why.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string file;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--json") json = true;
    else if (file.empty() && a.rfind("--", 0) != 0) file = a;
    else return std::fprintf(stderr, "usage: playback_floor FILE [--json]\n"), 2;
  }
  if (file.empty()) return std::fprintf(stderr, "usage: playback_floor FILE [--json]\n"), 2;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return fail(file, "no such file");

  const double cpu_start = cpu_seconds();
  gst_init(nullptr, nullptr);
  GstElement* pb = gst_element_factory_make("playbin", nullptr);
  GstElement* vsink = gst_element_factory_make("appsink", nullptr);
  GstElement* asink = gst_element_factory_make("fakesink", nullptr);
  if (!pb || !vsink || !asink) return fail(file, "GStreamer playbin, appsink or fakesink is missing");
  std::unique_ptr<GstElement, Unref> pipeline(GST_ELEMENT(gst_object_ref_sink(pb)));

  GstCaps* caps = gst_caps_from_string("video/x-raw,format=I420");
  g_object_set(vsink, "caps", caps, "sync", TRUE, "max-buffers", 1, "drop", TRUE, "emit-signals", FALSE, nullptr);
  gst_caps_unref(caps);
  Counts counts;
  GstAppSinkCallbacks cb{};
  cb.new_sample = &on_new_sample;
  gst_app_sink_set_callbacks(GST_APP_SINK(vsink), &cb, &counts, nullptr);
  g_object_set(asink, "sync", TRUE, nullptr);
  g_object_set(pb, "video-sink", vsink, "audio-sink", asink, nullptr);
  gint flags = 0;
  g_object_get(pb, "flags", &flags, nullptr);
  g_object_set(pb, "flags", flags & ~(1 << 2), nullptr);  // GST_PLAY_FLAG_TEXT off, as the player
  gchar* uri = gst_filename_to_uri(file.c_str(), nullptr);
  g_object_set(pb, "uri", uri, nullptr);
  g_free(uri);
  std::unique_ptr<GstBus, Unref> bus(gst_element_get_bus(pb));

  std::int64_t qos_dropped = 0;
  auto stop = [&](const std::string& why) {
    gst_element_set_state(pb, GST_STATE_NULL);
    return fail(file, "cannot play: " + why);
  };
  if (gst_element_set_state(pb, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE) {
    Outcome o = wait_bus(bus.get(), GST_MESSAGE_ASYNC_DONE, GST_SECOND, vsink, &qos_dropped);
    return stop(o.error.empty() ? "the pipeline would not start" : o.error);
  }
  if (Outcome o = wait_bus(bus.get(), GST_MESSAGE_ASYNC_DONE, 30 * GST_SECOND, vsink, &qos_dropped); !o.ok)
    return stop(o.error);
  gint64 dur_ns = 0;
  if (!gst_element_query_duration(pb, GST_FORMAT_TIME, &dur_ns) || dur_ns <= 0)
    return stop("no duration (not a seekable media file?)");

  const double cpu0 = cpu_seconds(), wall0 = wall_seconds();
  gst_element_set_state(pb, GST_STATE_PLAYING);
  Outcome end = wait_bus(bus.get(), GST_MESSAGE_EOS, 2 * static_cast<GstClockTime>(dur_ns) + 30 * GST_SECOND, vsink,
                         &qos_dropped);
  const double cpu1 = cpu_seconds(), wall1 = wall_seconds();
  if (!end.ok) return stop(end.error);
  if (counts.frames == 0) return stop("no video frames");
  const std::int64_t hwm = vmhwm_kb();
  gst_element_set_state(pb, GST_STATE_NULL);

  const double duration = static_cast<double>(dur_ns) / 1e9;
  const double fps = counts.fps_d > 0 ? static_cast<double>(counts.fps_n) / counts.fps_d : 0;
  const double share = (cpu1 - cpu0) / duration;
  const std::int64_t dropped = qos_dropped + counts.late;
  if (json) {
    nlohmann::json j = {{"file", file},
                        {"duration_s", duration},
                        {"width", counts.width.load()},
                        {"height", counts.height.load()},
                        {"fps", fps},
                        {"frames", counts.frames.load()},
                        {"expected_frames", static_cast<std::int64_t>(duration * fps + 0.5)},
                        {"dropped", dropped},
                        {"late", counts.late.load()},
                        {"qos_dropped", qos_dropped},
                        {"max_late_ms", static_cast<double>(counts.max_late_ns) / 1e6},
                        {"cpu_s", cpu1 - cpu0},
                        {"cpu_share", share},
                        {"cpu_total_s", cpu1 - cpu_start},
                        {"wall_s", wall1 - wall0},
                        {"vmhwm_kb", hwm}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("playback_floor: %s\n", file.c_str());
    std::printf("  media     %.2f s, %dx%d @ %.2f fps\n", duration, counts.width.load(), counts.height.load(), fps);
    std::printf("  frames    %lld of %lld; dropped %lld (later than 20 ms: %lld, QoS: %lld; latest %.1f ms)\n",
                static_cast<long long>(counts.frames), static_cast<long long>(duration * fps + 0.5),
                static_cast<long long>(dropped), static_cast<long long>(counts.late),
                static_cast<long long>(qos_dropped), static_cast<double>(counts.max_late_ns) / 1e6);
    std::printf("  cpu       %.2f s over %.2f s wall = %.1f %% of one core (with start-up %.2f s)\n", cpu1 - cpu0,
                wall1 - wall0, share * 100, cpu1 - cpu_start);
    std::printf("  peak RSS  %.1f MB (VmHWM)\n", static_cast<double>(hwm) / 1024);
  }
  return 0;
}
