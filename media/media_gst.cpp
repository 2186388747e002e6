#include "media/media_gst.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <gst/video/video.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>

namespace outpost {
namespace {

struct GstObjectUnref {
  void operator()(gpointer p) const { if (p) gst_object_unref(p); }
};
template <typename T>
using GstPtr = std::unique_ptr<T, GstObjectUnref>;
struct GFreeString {
  void operator()(gchar* p) const { g_free(p); }
};
using GString_ = std::unique_ptr<gchar, GFreeString>;
struct CapsUnref {
  void operator()(GstCaps* c) const { if (c) gst_caps_unref(c); }
};
struct MessageUnref {
  void operator()(GstMessage* m) const { if (m) gst_message_unref(m); }
};
struct InfoUnref {
  void operator()(GstDiscovererInfo* i) const { if (i) g_object_unref(i); }
};
struct StreamListFree {
  void operator()(GList* l) const { gst_discoverer_stream_info_list_free(l); }
};

std::string name_of(const std::filesystem::path& path) { return path.filename().string(); }

// "video/x-vp8" -> "VP8" etc.; otherwise GStreamer's own description.
std::string codec_name(GstCaps* caps) {
  if (!caps || gst_caps_get_size(caps) == 0) return "";
  std::string media = gst_structure_get_name(gst_caps_get_structure(caps, 0));
  if (media == "video/x-vp8") return "VP8";
  if (media == "video/x-vp9") return "VP9";
  if (media == "audio/x-opus") return "Opus";
  if (media == "audio/x-vorbis") return "Vorbis";
  if (media == "video/x-h264") return "H.264";
  if (media == "video/x-theora") return "Theora";
  GString_ d(gst_pb_utils_get_codec_description(caps));
  return d ? d.get() : media;
}

std::string container_name(GstCaps* caps) {
  if (!caps || gst_caps_get_size(caps) == 0) return "";
  std::string media = gst_structure_get_name(gst_caps_get_structure(caps, 0));
  if (media == "video/webm" || media == "audio/webm") return "webm";
  if (media == "video/x-matroska") return "matroska";
  if (media == "video/quicktime") return "mp4";
  if (media == "application/ogg" || media == "video/ogg" || media == "audio/ogg") return "ogg";
  return media;
}

}  // namespace

Status media_init() {
  static std::once_flag once;
  static bool ok = false;
  static std::string why;
  std::call_once(once, [] {
    GError* err = nullptr;
    ok = gst_init_check(nullptr, nullptr, &err);
    if (!ok) {
      why = err ? err->message : "unknown error";
      g_clear_error(&err);
    }
  });
  if (!ok) return Status(Errc::internal, "GStreamer could not start: " + why);
  return Status::Ok();
}

Result<MediaInfo> probe_media(const std::filesystem::path& path) {
  if (auto s = media_init(); !s.ok()) return s;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Result<MediaInfo>(Errc::not_found, name_of(path) + ": no such media file");
  }
  GError* err = nullptr;
  GstPtr<GstDiscoverer> disc(gst_discoverer_new(10 * GST_SECOND, &err));
  if (!disc) {
    std::string why = err ? err->message : "?";
    g_clear_error(&err);
    return Result<MediaInfo>(Errc::internal, "GStreamer discoverer: " + why);
  }
  GString_ uri(gst_filename_to_uri(path.c_str(), nullptr));
  std::unique_ptr<GstDiscovererInfo, InfoUnref> info(gst_discoverer_discover_uri(disc.get(), uri.get(), &err));
  std::string why = err ? err->message : "";
  g_clear_error(&err);
  if (!info || gst_discoverer_info_get_result(info.get()) != GST_DISCOVERER_OK) {
    return Result<MediaInfo>(Errc::corrupt, name_of(path) + ": not a playable media file" +
                                                (why.empty() ? "" : " (" + why + ")"));
  }
  MediaInfo out;
  out.duration_ms = static_cast<std::int64_t>(gst_discoverer_info_get_duration(info.get()) / GST_MSECOND);
  GstDiscovererStreamInfo* top = gst_discoverer_info_get_stream_info(info.get());
  if (top) {
    std::unique_ptr<GstCaps, CapsUnref> caps(gst_discoverer_stream_info_get_caps(top));
    if (GST_IS_DISCOVERER_CONTAINER_INFO(top)) out.container = container_name(caps.get());
    gst_discoverer_stream_info_unref(top);
  }
  std::unique_ptr<GList, StreamListFree> videos(gst_discoverer_info_get_video_streams(info.get()));
  if (videos) {
    auto* v = GST_DISCOVERER_VIDEO_INFO(videos->data);
    std::unique_ptr<GstCaps, CapsUnref> caps(gst_discoverer_stream_info_get_caps(GST_DISCOVERER_STREAM_INFO(v)));
    out.video_codec = codec_name(caps.get());
    out.width = static_cast<int>(gst_discoverer_video_info_get_width(v));
    out.height = static_cast<int>(gst_discoverer_video_info_get_height(v));
    unsigned den = gst_discoverer_video_info_get_framerate_denom(v);
    if (den) out.fps = static_cast<double>(gst_discoverer_video_info_get_framerate_num(v)) / den;
  }
  std::unique_ptr<GList, StreamListFree> audios(gst_discoverer_info_get_audio_streams(info.get()));
  if (audios) {
    std::unique_ptr<GstCaps, CapsUnref> caps(
        gst_discoverer_stream_info_get_caps(GST_DISCOVERER_STREAM_INFO(audios->data)));
    out.audio_codec = codec_name(caps.get());
  }
  return out;
}

Status check_video_file(const std::filesystem::path& path) {
  auto info = probe_media(path);
  if (!info.ok()) return info.status();
  const std::string name = name_of(path);
  if (info->container != "webm") {
    return Status(Errc::invalid_argument, name + ": videos must be WebM, this is " +
                                              (info->container.empty() ? "not a container" : info->container));
  }
  if (info->video_codec != "VP8" && info->video_codec != "VP9") {
    return Status(Errc::invalid_argument,
                  name + ": video must be VP8 or VP9, this is " +
                      (info->video_codec.empty() ? std::string("no video") : info->video_codec));
  }
  if (!info->audio_codec.empty() && info->audio_codec != "Opus") {
    return Status(Errc::invalid_argument, name + ": audio must be Opus, this is " + info->audio_codec);
  }
  return Status::Ok();
}

namespace {

// Video timestamps seen after the decoder, written by the streaming thread.
struct VideoWatch {
  std::atomic<std::int64_t> frames{0};
  std::atomic<std::int64_t> last_pts_ms{-1};
  std::atomic<std::int64_t> gap_at_ms{-1};  // first jump of more than 3 frame times
  std::atomic<std::int64_t> frame_ms{0};
};

GstPadProbeReturn on_video_buffer(GstPad*, GstPadProbeInfo* pinfo, gpointer user) {
  auto* w = static_cast<VideoWatch*>(user);
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(pinfo);
  if (buf && GST_BUFFER_PTS_IS_VALID(buf)) {
    auto pts = static_cast<std::int64_t>(GST_BUFFER_PTS(buf) / GST_MSECOND);
    std::int64_t last = w->last_pts_ms.load();
    std::int64_t fm = w->frame_ms.load();
    if (GST_BUFFER_DURATION_IS_VALID(buf) && fm == 0) {
      fm = static_cast<std::int64_t>(GST_BUFFER_DURATION(buf) / GST_MSECOND);
      w->frame_ms = fm;
    }
    if (last >= 0 && fm > 0 && pts - last > 3 * fm + 1 && w->gap_at_ms.load() < 0) w->gap_at_ms = last;
    w->last_pts_ms = pts;
  }
  ++w->frames;
  return GST_PAD_PROBE_OK;
}

struct DecodeCtx {
  GstElement* pipeline;
  VideoWatch* watch;
};

// decodebin's new raw pad: a fakesink (no clock) per stream.
void on_pad_added(GstElement*, GstPad* pad, gpointer user) {
  auto* ctx = static_cast<DecodeCtx*>(user);
  std::unique_ptr<GstCaps, CapsUnref> caps(gst_pad_get_current_caps(pad));
  if (!caps) caps.reset(gst_pad_query_caps(pad, nullptr));
  std::string media = gst_structure_get_name(gst_caps_get_structure(caps.get(), 0));
  GstElement* sink = gst_element_factory_make("fakesink", nullptr);
  g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
  gst_bin_add(GST_BIN(ctx->pipeline), sink);
  gst_element_sync_state_with_parent(sink);
  GstPtr<GstPad> sinkpad(gst_element_get_static_pad(sink, "sink"));
  if (media.rfind("video/", 0) == 0) {
    gst_pad_add_probe(sinkpad.get(), GST_PAD_PROBE_TYPE_BUFFER, on_video_buffer, ctx->watch, nullptr);
  }
  gst_pad_link(pad, sinkpad.get());
}

}  // namespace

Status decode_all(const std::filesystem::path& path,
                  const std::function<void(std::int64_t pos_ms, std::int64_t dur_ms)>& progress) {
  auto info = probe_media(path);
  if (!info.ok()) return info.status();
  const std::string name = name_of(path);
  GstPtr<GstElement> pipeline(gst_pipeline_new("decode-all"));
  GstElement* src = gst_element_factory_make("filesrc", nullptr);
  GstElement* dec = gst_element_factory_make("decodebin", nullptr);
  if (!src || !dec) return Status(Errc::internal, "GStreamer filesrc or decodebin is missing");
  g_object_set(src, "location", path.c_str(), nullptr);
  gst_bin_add_many(GST_BIN(pipeline.get()), src, dec, nullptr);
  gst_element_link(src, dec);
  VideoWatch watch;
  DecodeCtx ctx{pipeline.get(), &watch};
  g_signal_connect(dec, "pad-added", G_CALLBACK(on_pad_added), &ctx);
  GstPtr<GstBus> bus(gst_element_get_bus(pipeline.get()));
  Status result = Status::Ok();
  if (gst_element_set_state(pipeline.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    result = Status(Errc::corrupt, name + ": could not start decoding");
  }
  auto where = [&] { return " at " + std::to_string(std::max<std::int64_t>(0, watch.last_pts_ms.load()) / 1000) + " s"; };
  while (result.ok()) {
    std::unique_ptr<GstMessage, MessageUnref> msg(gst_bus_timed_pop_filtered(
        bus.get(), 200 * GST_MSECOND,
        static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING)));
    if (progress) progress(std::max<std::int64_t>(0, watch.last_pts_ms.load()), info->duration_ms);
    if (watch.gap_at_ms.load() >= 0) {
      result = Status(Errc::corrupt, name + ": video is damaged (frames missing after " +
                                         std::to_string(watch.gap_at_ms.load() / 1000) + " s)");
      break;
    }
    if (!msg) continue;
    if (GST_MESSAGE_TYPE(msg.get()) == GST_MESSAGE_EOS) break;
    GError* err = nullptr;
    if (GST_MESSAGE_TYPE(msg.get()) == GST_MESSAGE_ERROR) gst_message_parse_error(msg.get(), &err, nullptr);
    else gst_message_parse_warning(msg.get(), &err, nullptr);
    result = Status(Errc::corrupt, name + ": does not decode" + where() + " (" + (err ? err->message : "?") + ")");
    g_clear_error(&err);
  }
  gst_element_set_state(pipeline.get(), GST_STATE_NULL);
  if (!result.ok()) return result;
  if (!info->video_codec.empty()) {
    std::int64_t last = watch.last_pts_ms.load();
    std::int64_t slack = std::max<std::int64_t>(500, 3 * watch.frame_ms.load());
    if (watch.frames.load() == 0 || last + slack < info->duration_ms) {
      return Status(Errc::corrupt, name + ": video ends early" + where() + " of " +
                                       std::to_string(info->duration_ms / 1000) + " s (damaged or truncated)");
    }
  }
  return Status::Ok();
}

namespace {

constexpr std::uintmax_t kMaxImageFileBytes = 16u << 20;
constexpr GstClockTime kImageTimeout = 5 * GST_SECOND;

// "PNG" or "JPEG" from the file's first bytes; an error naming the file otherwise.
Result<std::string> image_kind(const std::filesystem::path& file) {
  const std::string name = name_of(file);
  std::ifstream in(file, std::ios::binary);
  if (!in.is_open()) return Result<std::string>(Errc::io_error, name + ": cannot be read");
  std::array<unsigned char, 8> head{};
  in.read(reinterpret_cast<char*>(head.data()), head.size());
  static constexpr std::array<unsigned char, 8> png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (in.gcount() == 8 && head == png) return std::string("PNG");
  if (in.gcount() >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff) return std::string("JPEG");
  return Result<std::string>(Errc::invalid_argument, name + ": not a PNG or JPEG picture");
}

// GStreamer 1.22's jpegdec decodes a JPEG cut in half without an error or a
// warning (libjpeg pads it out grey), so the end is checked here: after any
// zero padding the file must end with the EOI marker FF D9. (A PNG cut short
// fails in pngparse: it has no IEND chunk.)
bool jpeg_has_end(const std::filesystem::path& file, std::uintmax_t bytes) {
  std::ifstream in(file, std::ios::binary);
  const std::uintmax_t tail = std::min<std::uintmax_t>(bytes, 4096);
  std::string buf(static_cast<std::size_t>(tail), '\0');
  in.seekg(static_cast<std::streamoff>(bytes - tail));
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  if (!in) return false;
  const std::size_t end = buf.find_last_not_of('\0');
  return end != std::string::npos && end >= 1 && static_cast<unsigned char>(buf[end - 1]) == 0xff &&
         static_cast<unsigned char>(buf[end]) == 0xd9;
}

// The size the decoder announces, seen on videoconvert's sink pad before the
// frame is decoded (the capsfilter's size range then refuses it).
struct ImageSize {
  std::atomic<int> width{0}, height{0};
};

GstPadProbeReturn on_image_caps(GstPad*, GstPadProbeInfo* pinfo, gpointer user) {
  GstEvent* ev = GST_PAD_PROBE_INFO_EVENT(pinfo);
  if (ev && GST_EVENT_TYPE(ev) == GST_EVENT_CAPS) {
    GstCaps* caps = nullptr;
    gst_event_parse_caps(ev, &caps);
    int w = 0, h = 0;
    if (caps && gst_caps_get_size(caps) > 0) {
      const GstStructure* st = gst_caps_get_structure(caps, 0);
      gst_structure_get_int(st, "width", &w);
      gst_structure_get_int(st, "height", &h);
    }
    auto* size = static_cast<ImageSize*>(user);
    size->width = w;
    size->height = h;
  }
  return GST_PAD_PROBE_OK;
}

struct SampleUnref {
  void operator()(GstSample* s) const {
    if (s) gst_sample_unref(s);
  }
};

// The first ERROR or WARNING waiting on the bus, as text ("" when none).
std::string bus_problem(GstBus* bus) {
  std::unique_ptr<GstMessage, MessageUnref> msg(
      gst_bus_pop_filtered(bus, static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_WARNING)));
  if (!msg) return "";
  GError* err = nullptr;
  if (GST_MESSAGE_TYPE(msg.get()) == GST_MESSAGE_ERROR)
    gst_message_parse_error(msg.get(), &err, nullptr);
  else
    gst_message_parse_warning(msg.get(), &err, nullptr);
  std::string why = err && err->message ? err->message : "unknown problem";
  g_clear_error(&err);
  return why;
}

}  // namespace

Result<Image> decode_image(const std::filesystem::path& file, int max_width, int max_height) {
  if (auto s = media_init(); !s.ok()) return s;
  const std::string name = name_of(file);
  if (max_width < 1 || max_height < 1)
    return Result<Image>(Errc::invalid_argument,
                         name + ": the largest allowed picture size must be at least 1x1");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    return Result<Image>(Errc::not_found, name + ": no such picture file");
  const auto bytes = std::filesystem::file_size(file, ec);
  if (ec) return Result<Image>(Errc::io_error, name + ": cannot be read (" + ec.message() + ")");
  if (bytes > kMaxImageFileBytes)
    return Result<Image>(Errc::invalid_argument, name + ": picture file is " + std::to_string(bytes >> 20) +
                                                     " MiB, more than the 16 MiB allowed");
  auto kind = image_kind(file);
  if (!kind.ok()) return kind.status();
  if (kind.value() == "JPEG" && !jpeg_has_end(file, bytes))
    return Result<Image>(Errc::corrupt, name +
                                            ": JPEG picture is damaged or truncated (it does not end with "
                                            "the end-of-image marker)");

  // The size range on the RGBA caps makes negotiation fail for a picture
  // that is too large, before the decoder allocates its frame.
  const std::string desc =
      "filesrc name=src ! decodebin ! videoconvert name=conv ! "
      "video/x-raw,format=RGBA,width=[1," +
      std::to_string(max_width) + "],height=[1," + std::to_string(max_height) +
      "] ! appsink name=sink sync=false max-buffers=1";
  GError* err = nullptr;
  GstPtr<GstElement> pipeline(gst_parse_launch(desc.c_str(), &err));
  if (err) {
    std::string why = err->message;
    g_clear_error(&err);
    return Result<Image>(Errc::internal, "GStreamer picture pipeline: " + why);
  }
  GstPtr<GstElement> src(gst_bin_get_by_name(GST_BIN(pipeline.get()), "src"));
  GstPtr<GstElement> conv(gst_bin_get_by_name(GST_BIN(pipeline.get()), "conv"));
  GstPtr<GstElement> sink(gst_bin_get_by_name(GST_BIN(pipeline.get()), "sink"));
  if (!src || !conv || !sink)
    return Result<Image>(Errc::internal, "GStreamer picture pipeline is incomplete");
  g_object_set(src.get(), "location", file.c_str(), nullptr);
  ImageSize size;
  GstPtr<GstPad> conv_sink(gst_element_get_static_pad(conv.get(), "sink"));
  gst_pad_add_probe(conv_sink.get(), GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_image_caps, &size, nullptr);
  GstPtr<GstBus> bus(gst_element_get_bus(pipeline.get()));

  // PAUSED prerolls: the appsink holds the one decoded frame, or the state
  // change fails on an error, or EOS arrives with no frame at all.
  gst_element_set_state(pipeline.get(), GST_STATE_PAUSED);
  const GstStateChangeReturn got = gst_element_get_state(pipeline.get(), nullptr, nullptr, kImageTimeout);
  std::unique_ptr<GstSample, SampleUnref> sample;
  if (got == GST_STATE_CHANGE_SUCCESS)
    sample.reset(gst_app_sink_try_pull_preroll(GST_APP_SINK(sink.get()), 0));
  const std::string problem = bus_problem(bus.get());
  gst_element_set_state(pipeline.get(), GST_STATE_NULL);
  // The probe's pad belongs to the pipeline: read the size only once it is stopped.
  const int seen_w = size.width.load(), seen_h = size.height.load();

  const std::string what = kind.value() + " picture";
  if (seen_w > max_width || seen_h > max_height)
    return Result<Image>(Errc::invalid_argument, name + ": " + what + " is " + std::to_string(seen_w) + "x" +
                                                     std::to_string(seen_h) + ", larger than the " +
                                                     std::to_string(max_width) + "x" +
                                                     std::to_string(max_height) + " allowed");
  if (got == GST_STATE_CHANGE_ASYNC)
    return Result<Image>(Errc::busy, name + ": decoding the " + what + " took more than 5 s; gave up");
  if (!problem.empty() || !sample)
    return Result<Image>(Errc::corrupt, name + ": " + what + " is damaged or truncated" +
                                            (problem.empty() ? "" : " (" + problem + ")"));

  GstVideoInfo info;
  if (!gst_video_info_from_caps(&info, gst_sample_get_caps(sample.get())))
    return Result<Image>(Errc::internal, name + ": GStreamer gave a frame without a readable format");
  GstBuffer* buffer = gst_sample_get_buffer(sample.get());
  GstVideoFrame frame;
  if (!buffer || !gst_video_frame_map(&frame, &info, buffer, GST_MAP_READ))
    return Result<Image>(Errc::internal, name + ": GStreamer's decoded frame could not be read");
  Image out;
  out.width = GST_VIDEO_FRAME_WIDTH(&frame);
  out.height = GST_VIDEO_FRAME_HEIGHT(&frame);
  const std::size_t row = 4 * static_cast<std::size_t>(out.width);
  out.rgba.resize(row * static_cast<std::size_t>(out.height));
  const auto* pixels = static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
  const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);  // may be more than 4 * width
  for (int y = 0; y < out.height; ++y)
    std::memcpy(out.rgba.data() + row * static_cast<std::size_t>(y),
                pixels + static_cast<std::ptrdiff_t>(stride) * y, row);
  gst_video_frame_unmap(&frame);
  return out;
}

}  // namespace outpost
