#include "media/player_gst.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <atomic>
#include <mutex>

#include "media/media_gst.h"

namespace outpost {
namespace {

struct Unref {
  void operator()(gpointer p) const { if (p) gst_object_unref(p); }
};

// Keeps a sample mapped for as long as a VideoFrame points into it.
struct MappedFrame {
  GstSample* sample = nullptr;
  GstVideoFrame frame{};
  ~MappedFrame() {
    gst_video_frame_unmap(&frame);
    gst_sample_unref(sample);
  }
};

class GstPlayer final : public Player {
 public:
  explicit GstPlayer(std::function<void()> on_wake) : on_wake_(std::move(on_wake)) {}
  ~GstPlayer() override { close(); }

  Status open(const std::filesystem::path& path) override {
    close();
    if (auto s = media_init(); !s.ok()) return fail(s);
    GstElement* pb = gst_element_factory_make("playbin", nullptr);
    GstElement* vsink = gst_element_factory_make("appsink", nullptr);
    if (!pb || !vsink) return fail(Status(Errc::internal, "GStreamer playbin or appsink is missing"));
    pipeline_.reset(GST_ELEMENT(gst_object_ref_sink(pb)));
    GstCaps* caps = gst_caps_from_string("video/x-raw,format=I420");
    // max-buffers=1 drop=true: the UI only wants the newest frame.
    g_object_set(vsink, "caps", caps, "sync", TRUE, "max-buffers", 1, "drop", TRUE, "emit-signals", FALSE, nullptr);
    gst_caps_unref(caps);
    GstAppSinkCallbacks cb{};
    cb.new_sample = &GstPlayer::on_new_sample;
    gst_app_sink_set_callbacks(GST_APP_SINK(vsink), &cb, this, nullptr);
    g_object_set(pb, "video-sink", vsink, "audio-sink", make_audio_sink(), nullptr);
    // Video and audio only: captions are parsed by the kiosk (kiosk/webvtt.h).
    gint flags = 0;
    g_object_get(pb, "flags", &flags, nullptr);
    flags &= ~(1 << 2);  // GST_PLAY_FLAG_TEXT
    g_object_set(pb, "flags", flags, nullptr);
    gchar* uri = gst_filename_to_uri(path.c_str(), nullptr);
    g_object_set(pb, "uri", uri, nullptr);
    g_free(uri);
    bus_.reset(gst_element_get_bus(pb));
    gst_bus_set_sync_handler(bus_.get(), &GstPlayer::on_bus_sync, this, nullptr);
    name_ = path.filename().string();
    state_ = PlayerState::paused;
    if (gst_element_set_state(pb, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE) {
      poll();
      return fail(Status(Errc::corrupt, name_ + ": this video cannot be played"));
    }
    return Status::Ok();
  }

  void play() override {
    if (!pipeline_ || state_ == PlayerState::error) return;
    if (state_ == PlayerState::ended) seek(0);
    gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING);
    state_ = PlayerState::playing;
  }
  void pause() override {
    if (!pipeline_ || state_ == PlayerState::error) return;
    gst_element_set_state(pipeline_.get(), GST_STATE_PAUSED);
    state_ = PlayerState::paused;
  }
  void seek(std::int64_t ms) override {
    if (!pipeline_ || state_ == PlayerState::error) return;
    // ACCURATE, not KEY_UNIT: vp8enc puts keyframes up to 128 frames apart,
    // so a key-unit seek on a published file can land seconds early.
    gst_element_seek_simple(pipeline_.get(), GST_FORMAT_TIME,
                            static_cast<GstSeekFlags>(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE),
                            ms * GST_MSECOND);
    std::lock_guard lock(mu_);  // a frame from before the seek is stale
    if (newest_) gst_sample_unref(newest_);
    newest_ = nullptr;
    if (state_ == PlayerState::ended) state_ = PlayerState::paused;
  }
  void set_volume(double v) override {
    if (pipeline_) g_object_set(pipeline_.get(), "volume", v < 0 ? 0.0 : v > 1 ? 1.0 : v, nullptr);
  }

  void poll() override {
    if (!bus_) return;
    while (GstMessage* msg = gst_bus_pop(bus_.get())) {
      switch (GST_MESSAGE_TYPE(msg)) {
        case GST_MESSAGE_EOS:
          if (state_ != PlayerState::error) state_ = PlayerState::ended;
          break;
        case GST_MESSAGE_ERROR:
          state_ = PlayerState::error;
          // The GStreamer text is for developers; the screen gets a calm line.
          error_ = "This video cannot be played right now.";
          if (pipeline_) gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
          break;
        case GST_MESSAGE_QOS: {
          guint64 processed = 0, dropped = 0;
          gst_message_parse_qos_stats(msg, nullptr, &processed, &dropped);
          if (GST_MESSAGE_SRC(msg) && G_OBJECT_TYPE(GST_MESSAGE_SRC(msg)) == GST_TYPE_APP_SINK)
            dropped_ = static_cast<std::int64_t>(dropped);
          break;
        }
        default:
          break;
      }
      gst_message_unref(msg);
    }
  }

  std::optional<VideoFrame> take_frame() override {
    GstSample* sample = nullptr;
    {
      std::lock_guard lock(mu_);
      sample = newest_;
      newest_ = nullptr;
    }
    if (!sample) return std::nullopt;
    auto mapped = std::make_shared<MappedFrame>();
    mapped->sample = sample;
    GstVideoInfo info;
    GstBuffer* buf = gst_sample_get_buffer(sample);
    if (!gst_video_info_from_caps(&info, gst_sample_get_caps(sample)) ||
        !gst_video_frame_map(&mapped->frame, &info, buf, GST_MAP_READ)) {
      gst_sample_unref(sample);
      mapped->sample = nullptr;
      return std::nullopt;
    }
    VideoFrame f;
    f.width = GST_VIDEO_FRAME_WIDTH(&mapped->frame);
    f.height = GST_VIDEO_FRAME_HEIGHT(&mapped->frame);
    for (int i = 0; i < 3; ++i) {
      f.planes[i] = static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&mapped->frame, i));
      f.strides[i] = GST_VIDEO_FRAME_PLANE_STRIDE(&mapped->frame, i);
    }
    f.pts_ms = GST_BUFFER_PTS_IS_VALID(buf) ? static_cast<std::int64_t>(GST_BUFFER_PTS(buf) / GST_MSECOND) : 0;
    f.keep = mapped;
    return f;
  }

  PlayerState state() const override { return state_; }
  std::string error_message() const override { return state_ == PlayerState::error ? error_ : ""; }
  std::int64_t position_ms() const override {
    gint64 pos = 0;
    if (pipeline_ && gst_element_query_position(pipeline_.get(), GST_FORMAT_TIME, &pos)) return pos / GST_MSECOND;
    return 0;
  }
  std::int64_t duration_ms() const override {
    // A file's length does not change: asked of the pipeline until it is known.
    gint64 d = 0;
    if (duration_ms_ == 0 && pipeline_ && gst_element_query_duration(pipeline_.get(), GST_FORMAT_TIME, &d) && d > 0)
      duration_ms_ = d / GST_MSECOND;
    return duration_ms_;
  }
  std::int64_t frames_presented() const override { return presented_.load(); }
  std::int64_t dropped_frames() const override { return dropped_; }
  bool audio_available() const override { return audio_available_; }

 private:
  Status fail(Status s) {
    state_ = PlayerState::error;
    error_ = "This video cannot be played right now.";
    return s;
  }

  // True when autoaudiosink (in READY) fell back to its own fakesink: it does
  // that, with only a warning, when no device opens (measured: no /dev/snd,
  // no pulse server).
  static bool picked_fakesink(GstElement* autosink) {
    bool fake = false;
    GstIterator* it = gst_bin_iterate_elements(GST_BIN(autosink));
    GValue item = G_VALUE_INIT;
    while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
      auto* child = GST_ELEMENT(g_value_get_object(&item));
      GstElementFactory* f = gst_element_get_factory(child);
      if (f && std::string(gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(f))) == "fakesink") fake = true;
      g_value_reset(&item);
    }
    g_value_unset(&item);
    gst_iterator_free(it);
    return fake;
  }

  // autoaudiosink when a device opens; else a fakesink synced to the clock so
  // the video still runs at the right speed.
  GstElement* make_audio_sink() {
    GstElement* a = gst_element_factory_make("autoaudiosink", nullptr);
    if (a && gst_element_set_state(a, GST_STATE_READY) != GST_STATE_CHANGE_FAILURE && !picked_fakesink(a)) {
      gst_element_set_state(a, GST_STATE_NULL);
      audio_available_ = true;
      return a;
    }
    if (a) {
      gst_element_set_state(a, GST_STATE_NULL);
      gst_object_unref(gst_object_ref_sink(a));
    }
    audio_available_ = false;
    GstElement* f = gst_element_factory_make("fakesink", nullptr);
    g_object_set(f, "sync", TRUE, nullptr);
    return f;
  }

  void close() {
    if (pipeline_) gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    if (bus_) gst_bus_set_sync_handler(bus_.get(), nullptr, nullptr, nullptr);
    bus_.reset();
    pipeline_.reset();
    std::lock_guard lock(mu_);
    if (newest_) gst_sample_unref(newest_);
    newest_ = nullptr;
    presented_ = 0;
    dropped_ = 0;
    duration_ms_ = 0;
  }

  // Streaming thread: keep the newest sample, wake the UI.
  static GstFlowReturn on_new_sample(GstAppSink* sink, gpointer user) {
    auto* self = static_cast<GstPlayer*>(user);
    GstSample* s = gst_app_sink_pull_sample(sink);
    if (!s) return GST_FLOW_OK;
    {
      std::lock_guard lock(self->mu_);
      if (self->newest_) gst_sample_unref(self->newest_);
      self->newest_ = s;
    }
    ++self->presented_;
    if (self->on_wake_) self->on_wake_();
    return GST_FLOW_OK;
  }
  // Any thread: leave the message on the bus for poll(), wake the UI.
  static GstBusSyncReply on_bus_sync(GstBus*, GstMessage*, gpointer user) {
    auto* self = static_cast<GstPlayer*>(user);
    if (self->on_wake_) self->on_wake_();
    return GST_BUS_PASS;
  }

  std::function<void()> on_wake_;
  std::unique_ptr<GstElement, Unref> pipeline_;
  std::unique_ptr<GstBus, Unref> bus_;
  std::mutex mu_;
  GstSample* newest_ = nullptr;  // guarded by mu_
  std::atomic<std::int64_t> presented_{0};
  std::int64_t dropped_ = 0;
  mutable std::int64_t duration_ms_ = 0;  // 0 until the pipeline knows it
  bool audio_available_ = false;
  PlayerState state_ = PlayerState::idle;
  std::string error_;
  std::string name_;
};

}  // namespace

std::unique_ptr<Player> make_gst_player(std::function<void()> on_wake) {
  return std::make_unique<GstPlayer>(std::move(on_wake));
}

}  // namespace outpost
