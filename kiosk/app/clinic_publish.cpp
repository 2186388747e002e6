#include "kiosk/app/clinic_publish.h"

#include "config/content_source_toml.h"
#include "kiosk/utc_time.h"
#include "kiosk/webvtt.h"
#include "media/media_gst.h"
#include "sync/signed_envelope.h"

namespace outpost::app {
namespace fs = std::filesystem;

sync::PublishChecks media_publish_checks() {
  sync::PublishChecks c;
  c.video = [](const fs::path& file) -> Result<std::int64_t> {
    if (Status s = media_init(); !s.ok()) return s;
    if (Status s = check_video_file(file); !s.ok()) return s;
    if (Status s = decode_all(file, nullptr); !s.ok()) return s;
    auto info = probe_media(file);
    if (!info.ok()) return info.status();
    if (info->duration_ms <= 0) return Status(Errc::corrupt, file.string() + ": no duration");
    return info->duration_ms;
  };
  c.thumbnail = [](const fs::path& file) -> Status {
    if (Status s = media_init(); !s.ok()) return s;
    auto head = Env::system().read(file, sync::kMaxThumbnailBytes, "thumbnail");
    if (!head.ok()) return head.status();
    const bool png = head->rfind("\x89PNG\r\n\x1a\n", 0) == 0;
    const bool jpeg = head->rfind("\xff\xd8\xff", 0) == 0;
    if (!png && !jpeg) return Status(Errc::invalid_argument, "a thumbnail must be PNG or JPEG");
    auto info = probe_media(file);
    if (!info.ok()) return info.status();
    if (info->width <= 0 || info->width > 1920 || info->height <= 0 || info->height > 1080)
      return Status(Errc::invalid_argument, "a thumbnail must be at most 1920x1080, got " +
                                                std::to_string(info->width) + "x" + std::to_string(info->height));
    return Status::Ok();
  };
  c.captions = [](std::string_view text, const fs::path& file) -> Status {
    auto cues = parse_webvtt(text, file.string());
    if (!cues.ok()) return cues.status();
    if (cues->empty()) return Status(Errc::invalid_argument, file.string() + ": no cues");
    return Status::Ok();
  };
  return c;
}

Result<sync::PublishReport> publish_content(const PublishArgs& args) {
  if (!sync::crypto_init()) return Status(Errc::internal, "libsodium failed to initialise");
  const sync::ClinicDir clinic{args.clinic};
  auto sk = sync::load_key<sync::SigningSecretKey>(clinic.signing_sk());
  if (!sk.ok()) return sk.status();
  sync::SigningKeyPair keys{sync::public_of(*sk), *sk};
  auto source = load_content_source(args.from);
  if (!source.ok()) return source.status();
  return sync::publish_channel(Env::system(), *source, args.channel, args.out, keys, media_publish_checks(),
                               format_utc(Env::system().now_ms()));
}

Result<ShownChannel> show_channel(const fs::path& dir, const fs::path& clinic) {
  const fs::path file = dir / "manifest.json";
  auto bytes = Env::system().read(file, sync::kMaxManifestBytes + 4096, "channel manifest");
  if (!bytes.ok()) return bytes.status();
  std::span<const std::uint8_t> b(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size());
  ShownChannel out;
  if (!clinic.empty()) {
    if (!sync::crypto_init()) return Status(Errc::internal, "libsodium failed to initialise");
    auto pk = sync::load_key<sync::SigningPublicKey>(sync::ClinicDir{clinic}.signing_pk());
    if (!pk.ok()) return pk.status();
    auto m = sync::open_manifest(b, *pk, file.string());
    if (!m.ok()) return m.status();
    out.manifest = std::move(*m);
    out.verified = true;
    return out;
  }
  auto body = sync::envelope_body(b, file.string());
  if (!body.ok()) return body.status();
  auto m = sync::parse_manifest_body(*body, file.string());
  if (!m.ok()) return m.status();
  out.manifest = std::move(*m);
  return out;
}

}  // namespace outpost::app
