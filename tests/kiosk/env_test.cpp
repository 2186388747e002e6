// Env: the same contract checked on the real file system and on MemEnv, so
// tests that run on MemEnv prove something about PosixEnv.
#include "kiosk/env.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>

#include <doctest/doctest.h>

using namespace outpost;
namespace fs = std::filesystem;

namespace {

// A fresh folder: a real one under $TMPDIR for PosixEnv, "/t" for MemEnv.
struct Place {
  std::unique_ptr<Env> env;
  fs::path root;
  bool real;
  explicit Place(bool posix) : real(posix) {
    if (posix) {
      env = std::make_unique<PosixEnv>();
      std::string tmpl = (fs::temp_directory_path() / "outpost-env-XXXXXX").string();
      REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
      root = tmpl;
    } else {
      env = std::make_unique<MemEnv>();
      root = "/t";
      REQUIRE(env->create_dirs(root).ok());
    }
  }
  ~Place() {
    if (real) fs::remove_all(root);
  }
  Place(const Place&) = delete;
  Place& operator=(const Place&) = delete;
};

void contract(Env& env, const fs::path& root) {
  const fs::path f = root / "a.txt";
  CAPTURE(root.string());
  auto none = env.stat(f);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  CHECK(env.read(f, 100, "test file").status().code() == Errc::not_found);

  REQUIRE(env.write_atomic(f, "one", {0640, true}).ok());
  CHECK(*env.read(f, 100, "test file") == "one");
  REQUIRE(env.write_atomic(f, "two!", {0640, true}).ok());
  CHECK(*env.read(f, 100, "test file") == "two!");
  auto info = env.stat(f);
  REQUIRE(info.ok());
  REQUIRE(info->has_value());
  CHECK((*info)->size == 4);
  CHECK_FALSE((*info)->directory);
  CHECK((*info)->regular);

  // Create-only: the file there is kept, byte for byte.
  Status again = env.write_atomic(f, "three", {0640, true, /*replace=*/false});
  CHECK(again.code() == Errc::already_exists);
  CHECK(*env.read(f, 100, "test file") == "two!");

  // Refusals name the file; nothing is left behind.
  Status s = env.read(f, 2, "test file").status();
  CHECK(s.code() == Errc::invalid_argument);
  CHECK(s.message().find("a.txt") != std::string::npos);
  CHECK_FALSE(env.write_atomic(root / "no-such-dir" / "x", "x").ok());
  REQUIRE(env.create_dirs(root / "sub" / "deeper").ok());
  // Renaming over a folder fails: the temp file must not stay.
  CHECK_FALSE(env.write_atomic(root / "sub", "x").ok());

  auto names = env.list(root);
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{"a.txt", "sub"});
  CHECK(env.list(root / "missing").status().code() == Errc::not_found);

  REQUIRE(env.touch(root / "flag").ok());
  auto flag = env.stat(root / "flag");
  REQUIRE(flag.ok());
  REQUIRE(flag->has_value());
  CHECK(std::llabs((*flag)->mtime_ms - env.now_ms()) < 5'000);
  REQUIRE(env.remove(root / "flag").ok());
  REQUIRE(env.remove(root / "flag").ok());  // gone already: fine
  auto gone = env.stat(root / "flag");
  REQUIRE(gone.ok());
  CHECK_FALSE(gone->has_value());

  auto free = env.free_bytes(root);
  REQUIRE(free.ok());
  CHECK(*free > 0);

  // One folder with its own mode; there already: ok and left alone.
  REQUIRE(env.create_dir(root / "shared", 0755).ok());
  auto shared = env.stat(root / "shared");
  REQUIRE(shared.ok());
  REQUIRE(shared->has_value());
  CHECK((*shared)->directory);
  CHECK_FALSE((*shared)->regular);
  CHECK(env.create_dir(root / "shared", 0700).ok());
  CHECK_FALSE(env.create_dir(root / "none" / "below", 0755).ok());
  CHECK_FALSE(env.create_dir(root / "a.txt", 0755).ok());

  // Growing files: append, cut, stream, rename over.
  const fs::path g = root / "grow";
  REQUIRE(env.append(g, "abc").ok());
  REQUIRE(env.append(g, "defg").ok());
  CHECK(*env.read(g, 100, "grow") == "abcdefg");
  REQUIRE(env.truncate(g, 5).ok());
  std::string streamed;
  REQUIRE(env.read_stream(g, "grow", [&](std::span<const std::uint8_t> c) {
                streamed.append(reinterpret_cast<const char*>(c.data()), c.size());
                return true;
              }).ok());
  CHECK(streamed == "abcde");
  CHECK(env.read_stream(root / "nothing", "x", [](auto) { return true; }).code() == Errc::not_found);
  CHECK_FALSE(env.append(root / "sub", "x").ok());
  REQUIRE(env.rename(g, f).ok());
  CHECK(*env.read(f, 100, "test file") == "abcde");
  CHECK_FALSE(env.stat(g)->has_value());
  CHECK_FALSE(env.rename(g, f).ok());
}

}  // namespace

TEST_CASE("Env contract: PosixEnv") {
  Place p(true);
  contract(*p.env, p.root);
  // Secret files get their mode whatever the umask; no temp file stays.
  const mode_t old = ::umask(0);
  REQUIRE(p.env->write_atomic(p.root / "secret", "k", {0600, true}).ok());
  ::umask(old);
  struct stat st{};
  REQUIRE(::stat((p.root / "secret").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  // create_dir's mode whatever the umask, as receipts' folder needs.
  const mode_t strict = ::umask(077);
  REQUIRE(p.env->create_dir(p.root / "open", 0755).ok());
  ::umask(strict);
  REQUIRE(::stat((p.root / "open").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0755);
  // A FIFO is neither a folder nor a plain file.
  REQUIRE(::mkfifo((p.root / "pipe").c_str(), 0600) == 0);
  auto pipe = p.env->stat(p.root / "pipe");
  REQUIRE(pipe.ok());
  REQUIRE(pipe->has_value());
  CHECK_FALSE((*pipe)->directory);
  CHECK_FALSE((*pipe)->regular);
  for (const auto& e : fs::directory_iterator(p.root)) CHECK(e.path().filename().string().rfind(".tmp-", 0) != 0);
}

TEST_CASE("Env contract: MemEnv") {
  Place p(false);
  contract(*p.env, p.root);
  const auto& mem = static_cast<const MemEnv&>(*p.env);
  CHECK(mem.mode_of(p.root / "shared") == std::optional<mode_t>(0755));  // the first mode stays
}

TEST_CASE("MemEnv: a full disk refuses the write and keeps the old file, time is set by hand") {
  MemEnv env;
  REQUIRE(env.create_dirs("/d").ok());
  REQUIRE(env.write_atomic("/d/k", "1234").ok());
  env.set_capacity(10);
  CHECK(*env.free_bytes("/d") == 6);
  Status s = env.write_atomic("/d/k", "1234567");  // old and new together do not fit
  CHECK(s.code() == Errc::storage_full);
  CHECK(*env.read("/d/k", 100, "key") == "1234");
  CHECK(env.mode_of("/d/k") == 0600);

  env.set_now_ms(5'000);
  REQUIRE(env.touch("/d/t").ok());
  CHECK((*env.stat("/d/t"))->mtime_ms == 5'000);
  env.set_capacity(UINT64_MAX);
  REQUIRE(env.write_atomic("/d/e", "x", {0600, true, true, /*newer_mtime=*/true}).ok());
  REQUIRE(env.write_atomic("/d/e", "y", {0600, true, true, /*newer_mtime=*/true}).ok());
  CHECK((*env.stat("/d/e"))->mtime_ms == 6'000);  // later by a whole second than the file it replaced
}

TEST_CASE("PosixEnv: newer_mtime moves a same-second replacement past the old file's second") {
  Place p(true);
  const fs::path f = p.root / "receipt.json";
  REQUIRE(p.env->write_atomic(f, "{}", {0644, true, true, true}).ok());
  const auto first = (*p.env->stat(f))->mtime_ms / 1000;
  REQUIRE(p.env->write_atomic(f, "[]", {0644, true, true, true}).ok());
  CHECK((*p.env->stat(f))->mtime_ms / 1000 > first);
}
