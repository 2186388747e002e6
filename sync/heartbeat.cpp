#include "sync/heartbeat.h"

#include "sync/bundle.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "sync/signed_envelope.h"

namespace outpost::sync {

using nlohmann::json;

Bytes encode_heartbeat(const Heartbeat& hb, const SigningSecretKey& kiosk_key) {
  json body = {{"v", 1},
               {"kiosk", hb.kiosk_id},
               {"version", hb.version},
               {"clock_ms", hb.clock_ms},
               {"queue_depth", hb.queue_depth},
               {"oldest_queued_ms", hb.oldest_queued_ms ? json(*hb.oldest_queued_ms) : json(nullptr)},
               {"disk_free_bytes", hb.disk_free_bytes},
               {"last_error", hb.last_error},
               {"generation", hb.generation},
               {"seq", hb.seq},
               {"unconfirmed", hb.unconfirmed},
               {"rejected", hb.rejected},
               {"last_rejection", hb.last_rejection},
               {"content_version", hb.content_version},
               {"content_state", hb.content_state},
               {"content_problem", hb.content_problem}};
  return seal_envelope(body.dump(-1, ' ', false, json::error_handler_t::replace), kiosk_key);
}

Result<Heartbeat> parse_heartbeat(std::span<const std::uint8_t> bytes) {
  auto text = envelope_body(bytes, "heartbeat");
  if (!text.ok()) return text.status();
  json b = json::parse(*text, nullptr, false);
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
  // Optional: absent in heartbeats from kiosks before outpost 0.2 (content_* before 0.4).
  auto optional = [&](const char* name, auto& out) -> Status {
    if (!b.contains(name)) return Status::Ok();
    return field(name, out);
  };
  for (Status s : {optional("generation", hb.generation), optional("seq", hb.seq),
                   optional("unconfirmed", hb.unconfirmed), optional("rejected", hb.rejected),
                   optional("last_rejection", hb.last_rejection), optional("content_version", hb.content_version),
                   optional("content_state", hb.content_state), optional("content_problem", hb.content_problem)}) {
    if (!s.ok()) return s;
  }
  if (!hb.generation.empty() && !generation_from_hex(hb.generation))
    return Status(Errc::corrupt, "heartbeat: field 'generation' is not 16 hex digits");
  if (Status s = validate_kiosk_id(hb.kiosk_id); !s.ok()) return Status(Errc::corrupt, "heartbeat: " + s.message());
  return hb;
}

Result<Heartbeat> verify_heartbeat(std::span<const std::uint8_t> bytes, const SigningPublicKey& kiosk_key) {
  auto text = open_envelope(bytes, kiosk_key, "heartbeat");
  if (!text.ok()) {
    if (text.status().code() == Errc::unauthorized)
      return Status(Errc::unauthorized, "heartbeat: signature does not verify with the kiosk's key");
    return text.status();
  }
  return parse_heartbeat(bytes);
}

}  // namespace outpost::sync
