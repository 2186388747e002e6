#include "sync/signed_envelope.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

namespace outpost::sync {

namespace {

using nlohmann::json;

struct Envelope {
  std::string body;
  std::array<std::uint8_t, crypto_sign_BYTES> sig{};
};

Result<Envelope> parse(std::span<const std::uint8_t> bytes, std::string_view what) {
  const std::string w(what);
  json j = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status(Errc::corrupt, w + ": not a JSON object");
  if (!j.contains("body") || !j["body"].is_string()) return Status(Errc::corrupt, w + ": body missing");
  if (!j.contains("sig") || !j["sig"].is_string()) return Status(Errc::corrupt, w + ": sig missing");
  Envelope e;
  e.body = j["body"].get<std::string>();
  if (Status s = from_base64(j["sig"].get<std::string>(), e.sig, w + ": sig"); !s.ok()) {
    return Status(Errc::corrupt, s.message());
  }
  return e;
}

}  // namespace

Bytes seal_envelope(const std::string& body, const SigningSecretKey& key) {
  std::array<std::uint8_t, crypto_sign_BYTES> sig{};
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const std::uint8_t*>(body.data()), body.size(),
                       key.bytes.data());
  const std::string out = json{{"body", body}, {"sig", to_base64(sig)}}.dump();
  return Bytes(out.begin(), out.end());
}

Result<std::string> envelope_body(std::span<const std::uint8_t> bytes, std::string_view what) {
  auto e = parse(bytes, what);
  if (!e.ok()) return e.status();
  return std::move(e->body);
}

Result<std::string> open_envelope(std::span<const std::uint8_t> bytes, const SigningPublicKey& key,
                                  std::string_view what) {
  auto e = parse(bytes, what);
  if (!e.ok()) return e.status();
  if (crypto_sign_verify_detached(e->sig.data(), reinterpret_cast<const std::uint8_t*>(e->body.data()), e->body.size(),
                                  key.bytes.data()) != 0) {
    return Status(Errc::unauthorized, std::string(what) + ": signature does not verify");
  }
  return std::move(e->body);
}

}  // namespace outpost::sync
