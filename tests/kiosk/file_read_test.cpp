// read_file_checked: every kind of file that is not a small regular file is
// a clear error naming the path, and nothing blocks or throws.
#include "kiosk/file_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

using namespace outpost;
namespace fs = std::filesystem;

namespace {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "outpost-file-read-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

// The error of reading `p`: its code and message, which must name the path.
Status error_of(const fs::path& p, std::size_t max_bytes = 1024) {
  auto r = read_file_checked(p, max_bytes, "test file");
  REQUIRE_FALSE(r.ok());
  CHECK_MESSAGE(r.status().message().find(p.string() + ": ") == 0, r.status().message());
  return r.status();
}

}  // namespace

TEST_CASE("read_file_checked reads a small regular file whole") {
  TempDir dir;
  write(dir.path() / "a.txt", "hello\n");
  auto r = read_file_checked(dir.path() / "a.txt", 1024, "test file");
  REQUIRE(r.ok());
  CHECK(*r == "hello\n");
  // Exactly max_bytes is fine; one more is not.
  write(dir.path() / "b.txt", std::string(4096, 'x'));
  CHECK(read_file_checked(dir.path() / "b.txt", 4096, "test file").ok());
  CHECK(error_of(dir.path() / "b.txt", 4095).message().find("too large (4096 bytes; at most 4095)") !=
        std::string::npos);
}

TEST_CASE("read_file_checked: missing, a folder, a device, a FIFO, empty, huge") {
  TempDir dir;
  Status missing = error_of(dir.path() / "nope");
  CHECK(missing.code() == Errc::not_found);
  CHECK(missing.message() == (dir.path() / "nope").string() + ": the test file does not exist");

  Status folder = error_of(dir.path());
  CHECK(folder.code() == Errc::invalid_argument);
  CHECK(folder.message() == dir.path().string() + ": the test file is a folder, not a file");

  Status device = error_of("/dev/null");
  CHECK(device.message() == "/dev/null: the test file is a device, not a file");

  // A FIFO with no writer: opening it must not wait for one.
  REQUIRE(::mkfifo((dir.path() / "fifo").c_str(), 0600) == 0);
  CHECK(error_of(dir.path() / "fifo").message().find("is a FIFO (named pipe), not a file") !=
        std::string::npos);

  write(dir.path() / "empty", "");
  CHECK(error_of(dir.path() / "empty").message() ==
        (dir.path() / "empty").string() + ": the test file is empty");

  // 1 TiB, sparse: refused from its size, before any read.
  { std::ofstream(dir.path() / "huge"); }
  REQUIRE(::truncate((dir.path() / "huge").c_str(), off_t{1} << 40) == 0);
  CHECK(error_of(dir.path() / "huge", 1 << 20)
            .message()
            .find("too large (1099511627776 bytes; at most 1048576)") != std::string::npos);

  // A file inside a regular file ("not a directory") is missing, too.
  write(dir.path() / "plain", "x");
  CHECK(error_of(dir.path() / "plain" / "inner").code() == Errc::not_found);
}

TEST_CASE("read_file_checked: a file the user may not read is an error saying so") {
  TempDir dir;
  const fs::path secret = dir.path() / "secret";
  write(secret, "x");
  REQUIRE(::chmod(secret.c_str(), 0000) == 0);
  if (::geteuid() != 0) {
    Status s = error_of(secret);
    CHECK(s.code() == Errc::io_error);
    CHECK(s.message() == secret.string() + ": cannot read the test file: permission denied");
    return;
  }
  // Root reads anything: try as nobody in a child (the folder must let it in).
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(10);
    auto r = read_file_checked(secret, 1024, "test file");
    if (r.ok()) _exit(11);
    const bool said =
        r.status().code() == Errc::io_error &&
        r.status().message() == secret.string() + ": cannot read the test file: permission denied";
    _exit(said ? 0 : 12);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("path_may_exist is false only for a path that is certainly absent") {
  TempDir dir;
  CHECK(path_may_exist(dir.path()));
  CHECK_FALSE(path_may_exist(dir.path() / "nope"));
  write(dir.path() / "plain", "x");
  CHECK_FALSE(path_may_exist(dir.path() / "plain" / "inner"));
}
