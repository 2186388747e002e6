#include "sync/heartbeat.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

namespace outpost::sync {

namespace {

using nlohmann::json;

struct Envelope {
  std::string body;
  std::array<std::uint8_t, crypto_sign_BYTES> sig{};
};

Result<Envelope> parse_envelope(std::span<const std::uint8_t> bytes) {
  json j = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status(Errc::corrupt, "heartbeat: not a JSON object");
  if (!j.contains("body") || !j["body"].is_string()) return Status(Errc::corrupt, "heartbeat: body missing");
  if (!j.contains("sig") || !j["sig"].is_string()) return Status(Errc::corrupt, "heartbeat: sig missing");
  Envelope e;
  e.body = j["body"].get<std::string>();
  if (Status s = from_base64(j["sig"].get<std::string>(), e.sig, "heartbeat: sig"); !s.ok()) {
    return Status(Errc::corrupt, s.message());
  }
  return e;
}

}  // namespace

Bytes encode_heartbeat(const Heartbeat& hb, const SigningSecretKey& kiosk_key) {
  json body = {{"v", 1},
               {"kiosk", hb.kiosk_id},
               {"version", hb.version},
               {"clock_ms", hb.clock_ms},
               {"queue_depth", hb.queue_depth},
               {"oldest_queued_ms", hb.oldest_queued_ms ? json(*hb.oldest_queued_ms) : json(nullptr)},
               {"disk_free_bytes", hb.disk_free_bytes},
               {"last_error", hb.last_error}};
  const std::string text = body.dump(-1, ' ', false, json::error_handler_t::replace);
  std::array<std::uint8_t, crypto_sign_BYTES> sig{};
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const std::uint8_t*>(text.data()), text.size(),
                       kiosk_key.bytes.data());
  const std::string out = json{{"body", text}, {"sig", to_base64(sig)}}.dump();
  return Bytes(out.begin(), out.end());
}

Result<Heartbeat> parse_heartbeat(std::span<const std::uint8_t> bytes) {
  auto env = parse_envelope(bytes);
  if (!env.ok()) return env.status();
  json b = json::parse(env->body, nullptr, false);
  if (b.is_discarded() || !b.is_object()) return Status(Errc::corrupt, "heartbeat: body is not a JSON object");
  Heartbeat hb;
  auto field = [&](const char* name, auto& out) -> Status {
    using T = std::decay_t<decltype(out)>;
    auto it = b.find(name);
    const bool ok = it != b.end() && ((std::is_same_v<T, std::string> && it->is_string()) ||
                                      (std::is_signed_v<T> && it->is_number_integer()) ||
                                      (std::is_unsigned_v<T> && it->is_number_unsigned()));
    if (!ok) return Status(Errc::corrupt, std::string("heartbeat: field '") + name + "' missing or of the wrong type");
    out = it->get<T>();
    return Status::Ok();
  };
  for (Status s : {field("kiosk", hb.kiosk_id), field("version", hb.version), field("clock_ms", hb.clock_ms),
                   field("queue_depth", hb.queue_depth), field("disk_free_bytes", hb.disk_free_bytes),
                   field("last_error", hb.last_error)}) {
    if (!s.ok()) return s;
  }
  if (auto it = b.find("oldest_queued_ms"); it != b.end() && it->is_number_integer()) {
    hb.oldest_queued_ms = it->get<std::int64_t>();
  }
  if (Status s = validate_kiosk_id(hb.kiosk_id); !s.ok()) return Status(Errc::corrupt, "heartbeat: " + s.message());
  return hb;
}

Result<Heartbeat> verify_heartbeat(std::span<const std::uint8_t> bytes, const SigningPublicKey& kiosk_key) {
  auto env = parse_envelope(bytes);
  if (!env.ok()) return env.status();
  if (crypto_sign_verify_detached(env->sig.data(), reinterpret_cast<const std::uint8_t*>(env->body.data()),
                                  env->body.size(), kiosk_key.bytes.data()) != 0) {
    return Status(Errc::unauthorized, "heartbeat: signature does not verify with the kiosk's key");
  }
  return parse_heartbeat(bytes);
}

}  // namespace outpost::sync
