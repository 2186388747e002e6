// Byte grammar: docs/design.md, "Bundles".
#include "sync/bundle.h"

#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "sync/wire.h"

namespace outpost::sync {

namespace {
constexpr std::uint8_t kMagic[3] = {'O', 'P', 'B'};
constexpr std::size_t kMinRecordBytes = 16 + 1 + 1 + 5 + kSealOverheadBytes;

std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int64_t unzigzag(std::uint64_t v) { return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1); }

std::uint64_t created_field(const BundleHeader& h) {
  return h.version == kBundleVersionV1 ? static_cast<std::uint64_t>(h.created_ms) : zigzag(h.created_ms);
}

std::size_t header_size(const BundleHeader& h) {
  using wire::varint_size;
  return 4 + varint_size(h.kiosk_id.size()) + h.kiosk_id.size() +
         (h.version == kBundleVersionV1 ? 0 : h.generation.size()) + varint_size(h.seq) +
         varint_size(created_field(h)) + varint_size(h.mono_ms);
}

std::string hex(std::span<const std::uint8_t> b) {
  std::string out(b.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), b.data(), b.size());
  out.pop_back();
  return out;
}
}  // namespace

std::string generation_hex(const Generation& g) { return hex(g); }

std::optional<Generation> generation_from_hex(std::string_view text) {
  if (text.size() != 16) return std::nullopt;
  Generation g{};
  for (std::size_t i = 0; i < 16; ++i) {
    const char c = text[i];
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return std::nullopt;
    g[i / 2] = static_cast<std::uint8_t>(g[i / 2] | (i % 2 ? v : v << 4));
  }
  return g;
}

BundleDigest bundle_digest(std::span<const std::uint8_t> bytes) {
  std::array<std::uint8_t, 32> full{};
  crypto_generichash(full.data(), full.size(), bytes.data(), bytes.size(), nullptr, 0);
  BundleDigest d{};
  std::copy_n(full.begin(), d.size(), d.begin());
  return d;
}

std::size_t encoded_record_size(const Record& r) {
  using wire::varint_size;
  return 16 + 1 + 1 + 1 /* boot index */ + varint_size(r.mono_ms) + varint_size(r.seq) + varint_size(r.dict_id) +
         varint_size(r.sealed.size()) + r.sealed.size();
}

std::size_t bundle_overhead(const BundleHeader& h, std::size_t boot_count) {
  using wire::varint_size;
  return header_size(h) + varint_size(boot_count) + 16 * boot_count + 2 /* bundle boot index */ +
         5 /* record count */ + kBundleSignatureBytes;
}

BundlePlanner::BundlePlanner(const BundleHeader& header, std::size_t max_bytes)
    : header_(header), max_bytes_(max_bytes), boots_{header.boot_id} {}

std::size_t BundlePlanner::size() const {
  using wire::varint_size;
  return header_size(header_) + varint_size(boots_.size()) + 16 * boots_.size() + 1 + varint_size(count_) +
         records_bytes_ + kBundleSignatureBytes;
}

bool BundlePlanner::add(const Record& r) {
  using wire::varint_size;
  const auto it = std::find(boots_.begin(), boots_.end(), r.boot_id);
  const bool new_boot = it == boots_.end();
  if (new_boot && boots_.size() >= kMaxBundleBoots) return false;
  // encoded_record_size counts the boot index as one byte; past 127 it takes two.
  const auto boot_index = static_cast<std::size_t>(it - boots_.begin());
  const std::size_t add = encoded_record_size(r) + varint_size(boot_index) - 1;
  std::size_t grown = size() + add + varint_size(count_ + 1) - varint_size(count_);
  if (new_boot) grown += 16 + varint_size(boots_.size() + 1) - varint_size(boots_.size());
  if (count_ > 0 && grown > max_bytes_) return false;
  records_bytes_ += add;
  count_ += 1;
  if (new_boot) boots_.push_back(r.boot_id);
  return true;
}

Result<Bytes> encode_bundle(const BundleHeader& h, std::span<const Record> records, const SigningSecretKey& key) {
  using wire::put_bytes;
  using wire::put_varint;
  if (!crypto_init()) return Status(Errc::internal, "libsodium failed to initialise");
  if (auto s = validate_kiosk_id(h.kiosk_id); !s.ok()) return s;
  if (h.version != kBundleVersion && h.version != kBundleVersionV1)
    return Status(Errc::invalid_argument, "bundle: unsupported version");
  if (h.seq == 0) return Status(Errc::invalid_argument, "bundle: seq must be at least 1");
  if (h.version == kBundleVersionV1 && h.created_ms < 0)
    return Status(Errc::invalid_argument, "bundle: a version 1 bundle cannot carry a time before 1970");

  // Boot table: the bundle's own boot first, then each record's in order of
  // first use.
  std::vector<BootId> boots{h.boot_id};
  std::map<BootId, std::uint64_t> boot_index{{h.boot_id, 0}};
  for (const Record& r : records) {
    if (boot_index.emplace(r.boot_id, boots.size()).second) boots.push_back(r.boot_id);
  }
  if (boots.size() > kMaxBundleBoots) return Status(Errc::invalid_argument, "bundle: more than 1024 boot ids");

  Bytes out;
  out.reserve(bundle_overhead(h, boots.size()));
  put_bytes(out, kMagic);
  out.push_back(h.version);
  put_varint(out, h.kiosk_id.size());
  put_bytes(out, {reinterpret_cast<const std::uint8_t*>(h.kiosk_id.data()), h.kiosk_id.size()});
  if (h.version != kBundleVersionV1) put_bytes(out, h.generation);
  put_varint(out, h.seq);
  put_varint(out, created_field(h));
  put_varint(out, h.mono_ms);
  put_varint(out, boots.size());
  for (const BootId& b : boots) put_bytes(out, b);
  put_varint(out, 0);  // the bundle's boot: always first in the table
  put_varint(out, records.size());
  for (const Record& r : records) {
    if (r.sealed.size() < kSealOverheadBytes)
      return Status(Errc::invalid_argument, "record " + r.id.to_string() + ": sealed payload too short");
    put_bytes(out, r.id.bytes);
    out.push_back(static_cast<std::uint8_t>(r.kind));
    out.push_back(static_cast<std::uint8_t>(r.priority));
    put_varint(out, boot_index.at(r.boot_id));
    put_varint(out, r.mono_ms);
    put_varint(out, r.seq);
    put_varint(out, r.dict_id);
    put_varint(out, r.sealed.size());
    put_bytes(out, r.sealed);
  }
  std::array<std::uint8_t, kBundleSignatureBytes> sig{};
  crypto_sign_detached(sig.data(), nullptr, out.data(), out.size(), key.bytes.data());
  put_bytes(out, sig);
  return out;
}

Result<Bundle> parse_bundle(std::span<const std::uint8_t> bytes) {
  auto corrupt = [](const std::string& what) { return Status(Errc::corrupt, "bundle: " + what); };
  if (bytes.size() < 4 + kBundleSignatureBytes) return corrupt("too short to be a bundle");
  if (!std::equal(std::begin(kMagic), std::end(kMagic), bytes.begin())) return corrupt("not a bundle (bad magic)");
  if (bytes[3] != kBundleVersion && bytes[3] != kBundleVersionV1)
    return corrupt("unsupported format version " + std::to_string(bytes[3]));

  Bundle b;
  auto body = bytes.first(bytes.size() - kBundleSignatureBytes);
  wire::Reader rd(body.subspan(4));
  b.header.version = bytes[3];
  std::uint64_t id_len = rd.varint("kiosk id length");
  if (rd.ok() && (id_len == 0 || id_len > 64)) rd.fail("kiosk id length", "must be 1-64");
  auto id = rd.bytes(id_len, "kiosk id");
  b.header.kiosk_id.assign(reinterpret_cast<const char*>(id.data()), id.size());
  if (rd.ok()) {
    if (auto s = validate_kiosk_id(b.header.kiosk_id); !s.ok()) return corrupt(s.message());
  }
  if (b.header.version != kBundleVersionV1) rd.fixed(b.header.generation, "generation");
  b.header.seq = rd.varint("seq");
  if (rd.ok() && b.header.seq == 0) rd.fail("seq", "must be at least 1");
  std::uint64_t created = rd.varint("created");
  if (b.header.version == kBundleVersionV1) {
    if (rd.ok() && created > static_cast<std::uint64_t>(INT64_MAX)) rd.fail("created", "out of range");
    b.header.created_ms = static_cast<std::int64_t>(created);
  } else {
    b.header.created_ms = unzigzag(created);
  }
  b.header.mono_ms = rd.varint("mono");
  std::uint64_t nboots = rd.varint("boot count");
  if (rd.ok() && (nboots == 0 || nboots > kMaxBundleBoots)) rd.fail("boot count", "must be 1-1024");
  std::vector<BootId> boots(rd.ok() ? nboots : 0);
  for (auto& boot : boots) rd.fixed(boot, "boot id");
  std::uint64_t own_boot = rd.varint("bundle boot");
  if (rd.ok() && own_boot >= boots.size()) rd.fail("bundle boot", "index outside the boot table");
  if (rd.ok()) b.header.boot_id = boots[own_boot];
  std::uint64_t count = rd.varint("record count");
  if (rd.ok() && count > rd.remaining() / kMinRecordBytes) rd.fail("record count", "more records than bytes");
  if (rd.ok()) b.records.reserve(count);
  for (std::uint64_t i = 0; rd.ok() && i < count; ++i) {
    std::string field = "record " + std::to_string(i) + " ";
    Record r;
    rd.fixed(r.id.bytes, field + "id");
    std::uint8_t kind = rd.u8(field + "kind");
    auto k = kind_from_code(kind);
    if (rd.ok() && !k) rd.fail(field + "kind", "unknown kind " + std::to_string(kind));
    if (k) r.kind = *k;
    std::uint8_t prio = rd.u8(field + "priority");
    if (rd.ok() && prio > static_cast<std::uint8_t>(Priority::audit)) rd.fail(field + "priority", "out of range");
    r.priority = static_cast<Priority>(prio);
    std::uint64_t boot = rd.varint(field + "boot");
    if (rd.ok() && boot >= boots.size()) rd.fail(field + "boot", "index outside the boot table");
    if (rd.ok()) r.boot_id = boots[boot];
    r.mono_ms = rd.varint(field + "mono");
    r.seq = rd.varint(field + "seq");
    std::uint64_t dict = rd.varint(field + "dict");
    if (rd.ok() && dict > UINT32_MAX) rd.fail(field + "dict", "out of range");
    r.dict_id = static_cast<std::uint32_t>(dict);
    std::uint64_t len = rd.varint(field + "sealed length");
    if (rd.ok() && len < kSealOverheadBytes) rd.fail(field + "sealed length", "shorter than the seal");
    auto sealed = rd.bytes(len, field + "sealed");
    r.sealed.assign(sealed.begin(), sealed.end());
    if (rd.ok()) b.records.push_back(std::move(r));
  }
  if (rd.ok() && rd.remaining() != 0) rd.fail("signature", "unexpected bytes before the signature");
  if (!rd.ok()) return corrupt(rd.error());
  std::copy(bytes.end() - kBundleSignatureBytes, bytes.end(), b.signature.begin());
  b.signed_bytes.assign(body.begin(), body.end());
  return b;
}

Status verify_bundle(const Bundle& bundle, const SigningPublicKey& kiosk_key) {
  if (!crypto_init()) return Status(Errc::internal, "libsodium failed to initialise");
  if (crypto_sign_verify_detached(bundle.signature.data(), bundle.signed_bytes.data(), bundle.signed_bytes.size(),
                                  kiosk_key.bytes.data()) != 0)
    return Status(Errc::unauthorized, "bundle " + std::to_string(bundle.header.seq) +
                                          ": signature does not verify with the key of kiosk '" +
                                          bundle.header.kiosk_id + "'");
  return Status::Ok();
}

Result<Bundle> parse_and_verify_bundle(std::span<const std::uint8_t> bytes, const SigningPublicKey& kiosk_key) {
  auto b = parse_bundle(bytes);
  if (!b.ok()) return b;
  if (auto s = verify_bundle(*b, kiosk_key); !s.ok()) return s;
  return b;
}

std::string bundle_file_name(const BundleHeader& header, std::span<const std::uint8_t> bytes) {
  char seq[32];
  std::snprintf(seq, sizeof seq, "%010llu", static_cast<unsigned long long>(header.seq));
  if (header.version == kBundleVersionV1) return header.kiosk_id + "-" + seq + ".opb";
  return header.kiosk_id + "-" + generation_hex(header.generation) + "-" + seq + "-" + hex(bundle_digest(bytes)) +
         ".opb";
}

std::string bundle_destination_path(const BundleHeader& header, std::span<const std::uint8_t> bytes) {
  return "inbox/" + header.kiosk_id + "/" + bundle_file_name(header, bytes);
}

}  // namespace outpost::sync
