#include "sync/dictionaries.h"

#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_c_format / ZSTD_d_format (magicless frames)
#include <sodium.h>
#include <zdict.h>
#include <zstd.h>

#include "kiosk/file_read.h"

namespace outpost::sync {

namespace fs = std::filesystem;

SecretBytes& SecretBytes::operator=(SecretBytes&& o) noexcept {
  if (this != &o) {
    clear();
    b_ = std::move(o.b_);
  }
  return *this;
}

void SecretBytes::lock() {
  // Best effort (RLIMIT_MEMLOCK): a failure leaves the pages unlocked.
  if (b_.capacity() > 0) (void)sodium_mlock(b_.data(), b_.capacity());
}

void SecretBytes::clear() {
  // sodium_munlock zeroes the range, then unlocks it (a no-op where the lock
  // had failed). Locks are per page, so this may unlock a page another
  // SecretBytes shares; that one then stays in memory unlocked, no worse.
  if (b_.capacity() > 0) (void)sodium_munlock(b_.data(), b_.capacity());
  b_.clear();
  b_.shrink_to_fit();
}

void SecretBytes::resize(std::size_t n) {
  if (n <= b_.capacity()) {
    if (n < b_.size()) sodium_memzero(b_.data() + n, b_.size() - n);
    b_.resize(n);
    return;
  }
  std::vector<std::uint8_t> bigger(n);
  // Locked before the copy, so the bytes never sit in unlocked memory.
  if (bigger.capacity() > 0) (void)sodium_mlock(bigger.data(), bigger.capacity());
  std::copy(b_.begin(), b_.end(), bigger.begin());
  clear();
  b_ = std::move(bigger);
}

namespace {
constexpr int kLevel = 19;
// zstd's trainer makes dictionaries of about 100 KiB; anything far bigger
// is not one of ours.
constexpr std::size_t kMaxDictionaryBytes = 4 << 20;

struct CDictFree {
  void operator()(ZSTD_CDict* d) const { ZSTD_freeCDict(d); }
};
struct DDictFree {
  void operator()(ZSTD_DDict* d) const { ZSTD_freeDDict(d); }
};
struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

struct Dict {
  RecordKind kind;
  std::unique_ptr<ZSTD_CDict, CDictFree> cdict;
  std::unique_ptr<ZSTD_DDict, DDictFree> ddict;
};
}  // namespace

struct Dictionaries::Impl {
  std::map<std::uint32_t, Dict> by_id;
  std::map<RecordKind, std::uint32_t> newest;
};

Dictionaries::Dictionaries() : impl_(std::make_unique<Impl>()) {}
Dictionaries::~Dictionaries() = default;
Dictionaries::Dictionaries(Dictionaries&&) noexcept = default;
Dictionaries& Dictionaries::operator=(Dictionaries&&) noexcept = default;

Status Dictionaries::add(RecordKind kind, std::span<const std::uint8_t> dict, std::string_view source) {
  std::uint32_t id = ZDICT_getDictID(dict.data(), dict.size());
  if (id == 0) return Status(Errc::invalid_config, std::string(source) + ": not a zstd dictionary with an id");
  if (impl_->by_id.count(id))
    return Status(Errc::invalid_config, std::string(source) + ": dictionary id " + std::to_string(id) + " loaded twice");
  Dict d{kind, std::unique_ptr<ZSTD_CDict, CDictFree>(ZSTD_createCDict(dict.data(), dict.size(), kLevel)),
         std::unique_ptr<ZSTD_DDict, DDictFree>(ZSTD_createDDict(dict.data(), dict.size()))};
  if (!d.cdict || !d.ddict) return Status(Errc::invalid_config, std::string(source) + ": zstd rejected the dictionary");
  impl_->by_id.emplace(id, std::move(d));
  auto& newest = impl_->newest[kind];
  if (id > newest) newest = id;
  return Status::Ok();
}

Result<Dictionaries> Dictionaries::load(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status(Errc::not_found, dir.string() + ": no dictionary directory");
  Dictionaries out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const fs::path& p = entry.path();
    if (p.extension() != ".zdict") continue;
    // <kind>.<id>.zdict
    std::string stem = p.stem().string();
    auto dot = stem.rfind('.');
    auto kind = kind_from_name(stem.substr(0, dot == std::string::npos ? stem.size() : dot));
    if (!kind) return Status(Errc::invalid_config, p.string() + ": file name does not start with a record kind");
    auto text = read_file_checked(p, kMaxDictionaryBytes, "zstd dictionary");
    if (!text.ok()) return text.status();
    const Bytes data(text->begin(), text->end());
    if (dot != std::string::npos && stem.substr(dot + 1) != std::to_string(ZDICT_getDictID(data.data(), data.size())))
      return Status(Errc::invalid_config, p.string() + ": dictionary id does not match the file name");
    if (auto s = out.add(*kind, data, p.string()); !s.ok()) return s;
  }
  if (ec) return Status(Errc::io_error, dir.string() + ": " + ec.message());
  return out;
}

std::uint32_t Dictionaries::id_for(RecordKind kind) const {
  auto it = impl_->newest.find(kind);
  return it == impl_->newest.end() ? 0 : it->second;
}

Result<Dictionaries::Compressed> Dictionaries::compress(RecordKind kind, std::span<const std::uint8_t> plain) const {
  if (plain.size() > kMaxPayloadBytes) return Status(Errc::invalid_argument, "payload larger than 1 MiB");
  std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx(ZSTD_createCCtx());
  if (!cctx) return Status(Errc::internal, "zstd: out of memory");
  Compressed out;
  out.dict_id = id_for(kind);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_format, ZSTD_f_zstd1_magicless);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 0);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_dictIDFlag, 0);
  if (out.dict_id != 0) {
    ZSTD_CCtx_refCDict(cctx.get(), impl_->by_id.at(out.dict_id).cdict.get());
  } else {
    ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, kLevel);
  }
  out.bytes.resize(ZSTD_compressBound(plain.size()));
  std::size_t n = ZSTD_compress2(cctx.get(), out.bytes.data(), out.bytes.size(), plain.data(), plain.size());
  if (ZSTD_isError(n)) return Status(Errc::internal, std::string("zstd: ") + ZSTD_getErrorName(n));
  out.bytes.resize(n);
  return out;
}

Result<SecretBytes> Dictionaries::decompress(std::uint32_t dict_id, std::span<const std::uint8_t> frame) const {
  std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx(ZSTD_createDCtx());
  if (!dctx) return Status(Errc::internal, "zstd: out of memory");
  ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_format, ZSTD_f_zstd1_magicless);
  ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, 20);
  if (dict_id != 0) {
    auto it = impl_->by_id.find(dict_id);
    if (it == impl_->by_id.end())
      return Status(Errc::not_found, "zstd dictionary " + std::to_string(dict_id) + " is not installed");
    ZSTD_DCtx_refDDict(dctx.get(), it->second.ddict.get());
  }
  SecretBytes out(std::max<std::size_t>(256, frame.size() * 8));
  ZSTD_inBuffer in{frame.data(), frame.size(), 0};
  ZSTD_outBuffer o{out.data(), out.size(), 0};
  for (;;) {
    std::size_t r = ZSTD_decompressStream(dctx.get(), &o, &in);
    if (ZSTD_isError(r)) return Status(Errc::corrupt, std::string("payload: zstd: ") + ZSTD_getErrorName(r));
    if (r == 0) {
      if (in.pos != in.size) return Status(Errc::corrupt, "payload: bytes after the zstd frame");
      break;
    }
    if (o.pos == o.size) {
      if (out.size() >= kMaxPayloadBytes) return Status(Errc::corrupt, "payload: larger than 1 MiB");
      out.resize(std::min(kMaxPayloadBytes, out.size() * 2));
      o.dst = out.data();
      o.size = out.size();
    } else if (in.pos == in.size) {
      return Status(Errc::corrupt, "payload: truncated zstd frame");
    }
  }
  out.resize(o.pos);
  return out;
}

}  // namespace outpost::sync
