// Integration: on a full file system submit fails with "storage full" and
// the queue already there is intact. Needs root for a 1 MiB tmpfs.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <fstream>

#include "sync/outbox_sqlite.h"
#include "tests/sync/enrolled_kiosk.h"

using namespace outpost;
using namespace outpost::testing;

namespace {

struct Tmpfs {
  std::filesystem::path dir;
  bool mounted = false;
  explicit Tmpfs(std::filesystem::path d) : dir(std::move(d)) {
    std::filesystem::create_directories(dir);
    mounted = ::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0700") == 0;
  }
  ~Tmpfs() {
    if (mounted) ::umount2(dir.c_str(), MNT_DETACH);
  }
};

// Writes zeros until the file system refuses; returns the bytes written.
std::size_t fill(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(fd >= 0);
  char block[4096] = {};
  std::size_t total = 0;
  for (std::size_t chunk : {sizeof block, std::size_t{512}, std::size_t{1}}) {
    for (;;) {
      ssize_t n = ::write(fd, block, chunk);
      if (n <= 0) break;
      total += static_cast<std::size_t>(n);
    }
  }
  CHECK(errno == ENOSPC);
  ::close(fd);
  return total;
}

}  // namespace

TEST_CASE("disk full: submit fails with 'storage full', the queue stays intact") {
  TempDir dir;
  Tmpfs fs(dir.path() / "small");
  if (!fs.mounted) {
    // ctest reports this case as skipped (SKIP_REGULAR_EXPRESSION, tests/CMakeLists.txt).
    MESSAGE("SKIPPED: cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN): " << std::strerror(errno));
    return;
  }
  EnrolledKiosk site("full-kiosk", fs.dir / "data");
  {
    std::ofstream conf(site.kiosk_config, std::ios::app);
    conf << "\n[sync]\nbundle_max_bytes = 1024\n";  // several small bundles
  }
  const auto& data = site.data_dir;
  const auto submit = site.submit_argv();
  std::vector<sync::RecordId> queued;
  constexpr std::size_t kBefore = 16;  // at least two bundles of 1 KiB
  for (std::size_t i = 0; i < kBefore; ++i) {
    Ran r = run_program(submit);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    queued.push_back(*sync::RecordId::parse(r.out.substr(0, 36)));
  }

  // Bundles made before the disk fills (here: a USB export while the link
  // was down) must still leave once it is full.
  const auto stick = dir.path() / "stick";
  const auto share = dir.path() / "share";
  std::filesystem::create_directories(stick);
  std::filesystem::create_directories(share);
  Ran exported = run_program(site.ctl({"export", "--to", stick.string()}));
  REQUIRE_MESSAGE(exported.exit_code == 0, exported.err);

  fill(fs.dir / "filler");
  // Submits may still fit in free pages of the database and WAL; keep going
  // until one fails, which must then be a clean "storage full".
  int failures = 0;
  for (int i = 0; i < 200 && failures == 0; ++i) {
    Ran r = run_program(submit);
    if (r.exit_code == 0) {
      queued.push_back(*sync::RecordId::parse(r.out.substr(0, 36)));
      continue;
    }
    ++failures;
    CHECK(r.exit_code == 3);
    CHECK_MESSAGE(r.err.find("storage full") != std::string::npos, r.err);
    CHECK(r.out.empty());  // no id promised
  }
  REQUIRE(failures > 0);
  MESSAGE((queued.size() - kBefore) << " submits fitted after the fill; then: storage full");

  // Still full: the queue reads back, every record there.
  Ran st = run_program(site.ctl({"status", "--json"}));
  CHECK_MESSAGE(st.exit_code == 0, st.err);
  CHECK(st.out.find("\"queued\": " + std::to_string(queued.size() - kBefore)) != std::string::npos);
  CHECK(st.out.find("\"in_bundle\": " + std::to_string(kBefore)) != std::string::npos);
  {
    auto ob = sync::SqliteOutbox::open(sync::outbox_path(data));
    REQUIRE_MESSAGE(ob.ok(), ob.status().to_string());
    for (std::size_t i = 0; i < queued.size(); ++i) {
      CHECK((*ob)->state_of(queued[i]).value() == (i < kBefore ? sync::RecordState::in_bundle : sync::RecordState::queued));
    }
    CHECK((*ob)->integrity_check().value() == "ok");
  }
  // Still full: syncd uploads the bundles made before (one more cannot be made).
  Ran synced = run_program({OUTPOST_SYNCD, "--once", "--config", site.kiosk_config.string(), "--data-dir",
                            data.string(), "--server", "file://" + share.string()});
  CHECK_MESSAGE(synced.err.find("storage full") != std::string::npos, synced.err);
  std::size_t uploaded = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(share)) {
    if (e.path().extension() == ".opb") ++uploaded;
  }
  std::size_t on_stick = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(stick)) {
    if (e.path().extension() == ".opb") ++on_stick;
  }
  CHECK(on_stick >= 2);
  CHECK_MESSAGE(uploaded == on_stick, synced.out << synced.err);

  // Space back: submit works again.
  std::filesystem::remove(fs.dir / "filler");
  Ran again = run_program(submit);
  CHECK_MESSAGE(again.exit_code == 0, again.err);
}

TEST_CASE("disk full: a critical check-in's crisis alert is kept in a reserved slot and queued once there is room") {
  TempDir dir;
  Tmpfs fs(dir.path() / "small");
  if (!fs.mounted) {
    MESSAGE("SKIPPED: cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN): " << std::strerror(errno));
    return;
  }
  EnrolledKiosk site("full-kiosk", fs.dir / "data");
  const auto critical =
      site.ctl({"assess", "submit", "--questionnaire", (source_dir() / "config/questionnaires/phq-9.json").string(),
                "--answers", (source_dir() / "tests/data/responses/phq9-es-critical.json").string()});
  // A first program opens the outbox (and reserves the crisis slots) while there is room.
  Ran first = run_program(site.ctl({"status", "--json"}));
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  CHECK(first.out.find("\"crisis_unsaved\": 0") != std::string::npos);

  fill(fs.dir / "filler");
  // Fill the outbox's free pages too: plain check-ins until one is refused.
  for (int i = 0; i < 200; ++i) {
    if (run_program(site.submit_argv()).exit_code != 0) break;
  }
  Ran r = run_program(critical);
  CHECK(r.exit_code == 3);  // the check-in itself: storage full
  CHECK_MESSAGE(r.err.find("crisis alert(s) not in the outbox yet: kept in crisis-pending/") != std::string::npos,
                r.err);
  const auto at = r.out.find("crisis-alert ");
  REQUIRE_MESSAGE(at != std::string::npos, r.out);
  auto alert = sync::RecordId::parse(r.out.substr(at + 13, 36));
  REQUIRE(alert.has_value());
  {
    auto ob = sync::SqliteOutbox::open(sync::outbox_path(site.data_dir));
    REQUIRE(ob.ok());
    CHECK_FALSE((*ob)->state_of(*alert).value().has_value());  // not in the outbox: the disk is full
  }
  // The program has exited: the alert lives in its slot, sealed. No patient
  // code or answer is readable there.
  std::size_t held = 0;
  for (const auto& e : std::filesystem::directory_iterator(site.data_dir / "crisis-pending")) {
    std::ifstream in(e.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    CHECK(bytes.size() == 4096);
    if (bytes.rfind("OPCA", 0) == 0) ++held;
    CHECK(bytes.find("44260-8") == std::string::npos);
    CHECK(bytes.find("phq") == std::string::npos);
  }
  CHECK(held == 1);
  // Still full: status says so, loudly.
  Ran st = run_program(site.ctl({"status"}));
  CHECK_MESSAGE(st.out.find("CRISIS ALERTS NOT IN THE OUTBOX: 1") != std::string::npos, st.out << st.err);

  // Room again: the next program to open the outbox queues it, once.
  std::filesystem::remove(fs.dir / "filler");
  Ran after = run_program(site.ctl({"status", "--json"}));
  REQUIRE_MESSAGE(after.exit_code == 0, after.err);
  CHECK(after.out.find("\"crisis_unsaved\": 0") != std::string::npos);
  CHECK(after.out.find("\"crisis\": 1") != std::string::npos);
  Ran again = run_program(site.ctl({"status", "--json"}));
  CHECK(again.out.find("\"crisis\": 1") != std::string::npos);  // not twice
  auto ob = sync::SqliteOutbox::open(sync::outbox_path(site.data_dir));
  REQUIRE(ob.ok());
  CHECK((*ob)->state_of(*alert).value() == sync::RecordState::queued);
}
