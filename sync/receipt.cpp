// Format: docs/design.md, "Receipts".
#include "sync/receipt.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "sync/signed_envelope.h"

namespace outpost::sync {

namespace {

using nlohmann::json;

std::string hex(std::span<const std::uint8_t> b) {
  std::string out(b.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), b.data(), b.size());
  out.pop_back();
  return out;
}

template <std::size_t N>
bool from_hex(const json& j, std::array<std::uint8_t, N>& out) {
  if (!j.is_string()) return false;
  const auto& s = j.get_ref<const std::string&>();
  std::size_t len = 0;
  return s.size() == 2 * N && sodium_hex2bin(out.data(), N, s.data(), s.size(), nullptr, &len, nullptr) == 0 &&
         len == N;
}

}  // namespace

BundleChain next_chain(const BundleChain& previous, const BundleDigest& digest) {
  static constexpr std::uint8_t kContext[] = {'O', 'P', 'C', '1'};
  BundleChain out{};
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, out.size());
  crypto_generichash_update(&st, kContext, sizeof kContext);
  crypto_generichash_update(&st, previous.data(), previous.size());
  crypto_generichash_update(&st, digest.data(), digest.size());
  crypto_generichash_final(&st, out.data(), out.size());
  return out;
}

const ReceiptOutbox* Receipt::find(const Generation& g) const {
  for (const auto& o : outboxes) {
    if (o.generation == g) return &o;
  }
  return nullptr;
}

std::string receipt_path(const std::string& kiosk_id) { return "receipts/" + kiosk_id + ".json"; }

Bytes encode_receipt(const Receipt& r, const SigningSecretKey& clinic_key) {
  json outboxes = json::array();
  for (const auto& o : r.outboxes) {
    json also = json::array();
    for (const auto& a : o.also) also.push_back({{"seq", a.seq}, {"digest", hex(a.digest)}});
    json rejected = json::array();
    for (const auto& x : o.rejected) rejected.push_back({{"name", x.name}, {"reason", x.reason}});
    outboxes.push_back({{"generation", generation_hex(o.generation)},
                        {"through", o.through},
                        {"chain", hex(o.chain)},
                        {"also", std::move(also)},
                        {"rejected", std::move(rejected)}});
  }
  json body = {{"v", 1}, {"kiosk", r.kiosk_id}, {"issued_ms", r.issued_ms}, {"outboxes", std::move(outboxes)}};
  return seal_envelope(body.dump(-1, ' ', false, json::error_handler_t::replace), clinic_key);
}

Result<Receipt> verify_receipt(std::span<const std::uint8_t> bytes, const SigningPublicKey& clinic_key) {
  if (bytes.size() > kReceiptMaxBytes) return Status(Errc::corrupt, "receipt: larger than 4 MiB");
  auto text = open_envelope(bytes, clinic_key, "receipt");
  if (!text.ok()) return text.status();
  auto bad = [](const std::string& what) { return Status(Errc::corrupt, "receipt: " + what); };
  json b = json::parse(*text, nullptr, false);
  if (b.is_discarded() || !b.is_object()) return bad("body is not a JSON object");
  if (!b.contains("v") || b["v"] != 1) return bad("unsupported version");
  Receipt r;
  if (!b.contains("kiosk") || !b["kiosk"].is_string()) return bad("field 'kiosk' missing");
  r.kiosk_id = b["kiosk"].get<std::string>();
  if (!b.contains("issued_ms") || !b["issued_ms"].is_number_integer()) return bad("field 'issued_ms' missing");
  r.issued_ms = b["issued_ms"].get<std::int64_t>();
  if (!b.contains("outboxes") || !b["outboxes"].is_array()) return bad("field 'outboxes' missing");
  for (const auto& o : b["outboxes"]) {
    ReceiptOutbox out;
    if (!o.is_object() || !o.contains("generation") || !o["generation"].is_string()) return bad("outbox without generation");
    auto g = generation_from_hex(o["generation"].get<std::string>());
    if (!g) return bad("generation is not 16 hex digits");
    out.generation = *g;
    if (!o.contains("through") || !o["through"].is_number_unsigned()) return bad("field 'through' missing");
    out.through = o["through"].get<std::uint64_t>();
    if (!o.contains("chain") || !from_hex(o["chain"], out.chain)) return bad("field 'chain' is not 64 hex digits");
    if (!o.contains("also") || !o["also"].is_array() || o["also"].size() > kReceiptMaxAlso) return bad("field 'also'");
    for (const auto& a : o["also"]) {
      ReceiptAlso x;
      if (!a.is_object() || !a.contains("seq") || !a["seq"].is_number_unsigned() || !a.contains("digest") ||
          !from_hex(a["digest"], x.digest))
        return bad("an 'also' entry is malformed");
      x.seq = a["seq"].get<std::uint64_t>();
      out.also.push_back(x);
    }
    if (!o.contains("rejected") || !o["rejected"].is_array() || o["rejected"].size() > kReceiptMaxRejected)
      return bad("field 'rejected'");
    for (const auto& x : o["rejected"]) {
      if (!x.is_object() || !x.contains("name") || !x["name"].is_string() || !x.contains("reason") ||
          !x["reason"].is_string())
        return bad("a 'rejected' entry is malformed");
      out.rejected.push_back({x["name"].get<std::string>(), x["reason"].get<std::string>()});
    }
    r.outboxes.push_back(std::move(out));
  }
  return r;
}

}  // namespace outpost::sync
