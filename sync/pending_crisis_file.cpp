#include "sync/pending_crisis_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace outpost::sync {

namespace {

// Slot layout (docs/design.md, "Pending crisis alerts"), little-endian:
//   "OPCA" | version 1 | kind | priority | 0 | id 16 | boot id 16 |
//   mono_ms 8 | dict_id 4 | sealed length 4 | sealed | BLAKE2b-256 of all before
// then zeros to kSlotBytes. An all-zero slot is free.
constexpr std::uint8_t kMagic[4] = {'O', 'P', 'C', 'A'};
constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kHeader = 4 + 4 + 16 + 16 + 8 + 4 + 4;
constexpr std::size_t kHash = 32;

void put_le(Bytes& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
std::uint64_t get_le(const std::uint8_t* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= std::uint64_t{p[i]} << (8 * i);
  return v;
}

// A slot file opened and locked for as long as it lives.
struct LockedSlot {
  int fd = -1;
  LockedSlot(const std::filesystem::path& file, int flags) {
    fd = ::open(file.c_str(), flags | O_CLOEXEC, 0600);
    if (fd >= 0 && ::flock(fd, LOCK_EX) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  LockedSlot(const LockedSlot&) = delete;
  LockedSlot& operator=(const LockedSlot&) = delete;
  ~LockedSlot() {
    if (fd >= 0) ::close(fd);  // releases the lock
  }
  bool read(Bytes& out) const {
    out.assign(PendingCrisisFile::kSlotBytes, 0);
    ssize_t n = ::pread(fd, out.data(), out.size(), 0);
    if (n < 0) return false;
    out.resize(static_cast<std::size_t>(n));
    return true;
  }
  // Overwrites the reserved bytes in place: no new blocks are needed.
  bool write(std::span<const std::uint8_t> bytes) const {
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return ::fdatasync(fd) == 0;
  }
};

Status io_error(const std::filesystem::path& file, const char* what) {
  const int err = errno;
  const Errc code = err == ENOSPC || err == EDQUOT ? Errc::storage_full : Errc::io_error;
  return Status(code, file.string() + ": " + what + ": " + std::strerror(err));
}

bool is_free(std::span<const std::uint8_t> slot) {
  return slot.size() < 4 || std::memcmp(slot.data(), kMagic, 4) != 0;
}

}  // namespace

Result<Bytes> encode_pending_slot(const Record& r) {
  Bytes out(kMagic, kMagic + 4);
  out.push_back(kVersion);
  out.push_back(static_cast<std::uint8_t>(r.kind));
  out.push_back(static_cast<std::uint8_t>(r.priority));
  out.push_back(0);
  out.insert(out.end(), r.id.bytes.begin(), r.id.bytes.end());
  out.insert(out.end(), r.boot_id.begin(), r.boot_id.end());
  put_le(out, r.mono_ms, 8);
  put_le(out, r.dict_id, 4);
  put_le(out, r.sealed.size(), 4);
  out.insert(out.end(), r.sealed.begin(), r.sealed.end());
  if (out.size() + kHash > PendingCrisisFile::kSlotBytes)
    return Status(Errc::storage_full, "crisis record of " + std::to_string(r.sealed.size()) + " bytes does not fit a slot");
  std::uint8_t hash[kHash];
  crypto_generichash(hash, kHash, out.data(), out.size(), nullptr, 0);
  out.insert(out.end(), hash, hash + kHash);
  out.resize(PendingCrisisFile::kSlotBytes, 0);
  return out;
}

std::optional<Record> decode_pending_slot(std::span<const std::uint8_t> slot) {
  if (slot.size() < kHeader + kHash || is_free(slot) || slot[4] != kVersion) return std::nullopt;
  const std::uint8_t* p = slot.data();
  const std::size_t sealed_len = get_le(p + kHeader - 4, 4);
  if (sealed_len > slot.size() - kHeader - kHash) return std::nullopt;
  const std::size_t body = kHeader + sealed_len;
  std::uint8_t hash[kHash];
  crypto_generichash(hash, kHash, p, body, nullptr, 0);
  if (sodium_memcmp(hash, p + body, kHash) != 0) return std::nullopt;
  auto kind = kind_from_code(p[5]);
  if (!kind || p[6] > static_cast<std::uint8_t>(Priority::audit)) return std::nullopt;
  Record r;
  r.kind = *kind;
  r.priority = static_cast<Priority>(p[6]);
  std::memcpy(r.id.bytes.data(), p + 8, 16);
  std::memcpy(r.boot_id.data(), p + 24, 16);
  r.mono_ms = get_le(p + 40, 8);
  r.dict_id = static_cast<std::uint32_t>(get_le(p + 48, 4));
  r.sealed.assign(p + kHeader, p + body);
  return r;
}

Result<PendingCrisisFile> PendingCrisisFile::open(const std::filesystem::path& data_dir) {
  PendingCrisisFile f;
  f.dir_ = data_dir / "crisis-pending";
  if (::mkdir(f.dir_.c_str(), 0700) != 0 && errno != EEXIST) return io_error(f.dir_, "cannot create the folder");
  const Bytes zeros(kSlotBytes, 0);
  for (std::size_t i = 0; i < kSlots; ++i) {
    const auto file = f.dir_ / ("slot-" + std::to_string(i));
    struct stat st {};
    if (::stat(file.c_str(), &st) == 0 && st.st_size == static_cast<off_t>(kSlotBytes)) {
      f.slots_.push_back(file);
      continue;
    }
    LockedSlot s(file, O_RDWR | O_CREAT);
    if (s.fd < 0) break;  // a full disk: the slots made so far serve
    Bytes have;
    if (!s.read(have)) break;
    if (have.size() == kSlotBytes) {  // another process reserved it meanwhile
      f.slots_.push_back(file);
      continue;
    }
    // Short: a reservation cut off by a crash or a full disk. It holds no
    // whole alert (a slot is written only once it is full size).
    if (!s.write(zeros)) break;
    f.slots_.push_back(file);
  }
  return f;
}

Status PendingCrisisFile::save(const Record& r) {
  auto bytes = encode_pending_slot(r);
  if (!bytes.ok()) return bytes.status();
  for (const auto& file : slots_) {
    LockedSlot s(file, O_RDWR);
    Bytes have;
    if (s.fd < 0 || !s.read(have) || have.size() != kSlotBytes) continue;
    auto held = decode_pending_slot(have);
    if (held && held->id != r.id) continue;  // holds another alert
    if (!s.write(*bytes)) return io_error(file, "cannot write the crisis alert");
    return Status::Ok();
  }
  return Status(Errc::storage_full, dir_.string() + ": every crisis slot is in use");
}

Result<std::vector<Record>> PendingCrisisFile::load() const {
  std::vector<Record> out;
  for (const auto& file : slots_) {
    LockedSlot s(file, O_RDONLY);
    Bytes have;
    if (s.fd < 0 || !s.read(have)) continue;
    if (auto r = decode_pending_slot(have)) out.push_back(std::move(*r));
  }
  return out;
}

Status PendingCrisisFile::remove(const RecordId& id) {
  const Bytes zeros(kSlotBytes, 0);
  for (const auto& file : slots_) {
    LockedSlot s(file, O_RDWR);
    Bytes have;
    if (s.fd < 0 || !s.read(have)) continue;
    auto held = decode_pending_slot(have);
    if (!held || held->id != id) continue;
    if (!s.write(zeros)) return io_error(file, "cannot free the crisis slot");
  }
  return Status::Ok();
}

Result<std::size_t> flush_pending_crisis(PendingCrisisFile& pending, Outbox& outbox) {
  auto saved = pending.load();
  if (!saved.ok()) return saved.status();
  std::size_t left = 0;
  for (Record& r : *saved) {
    const RecordId id = r.id;
    auto state = outbox.state_of(id);
    bool queued = state.ok() && state->has_value();
    if (!queued && state.ok()) queued = outbox.append(std::move(r)).ok();
    if (queued && pending.remove(id).ok()) continue;
    ++left;
  }
  return left;
}

}  // namespace outpost::sync
