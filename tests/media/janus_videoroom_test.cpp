// JanusSession over CurlJanusHttp against Debian's janus, started here on
// loopback with the clinic's shipped configuration (config/clinic/janus/)
// on a free port. Skipped (exit 77 via ctest's SKIP_RETURN_CODE) only when
// janus is not installed. Signalling only: media is the call engine's test.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <optional>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "media/janus_client.h"
#include "media/janus_http_curl.h"
#include "tests/sync/sync_test_util.h"

extern char** environ;

using namespace outpost;
using namespace outpost::media;
using nlohmann::json;
namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

constexpr int kRoom = 1234;
constexpr const char* kPin = "change-me-pin";  // the shipped example room's

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  close(fd);
  return ntohs(a.sin_port);
}

// Debian's janus with config/clinic/janus/, bound to 127.0.0.1:port.
class JanusServer {
 public:
  JanusServer() : port_(free_port()) {
    const fs::path shipped = testing::source_dir() / "config/clinic/janus";
    for (const char* f : {"janus.jcfg", "janus.transport.http.jcfg", "janus.plugin.videoroom.jcfg"}) {
      std::string text = testing::read_file(shipped / f);
      if (std::string(f) == "janus.transport.http.jcfg") {
        const std::string from = "port = 8088";
        REQUIRE(text.find(from) != std::string::npos);
        text.replace(text.find(from), from.size(), "port = " + std::to_string(port_) + "\n\tip = \"127.0.0.1\"");
      }
      std::ofstream(dir_.path() / f) << text;
    }
    const std::string conf = dir_.path().string(), log = (dir_.path() / "janus.log").string();
    const char* argv[] = {"janus", "-F", conf.c_str(), "-N", "-L", log.c_str(), nullptr};
    // Its banner goes to stdout even with -N: into the log too.
    posix_spawn_file_actions_t io;
    posix_spawn_file_actions_init(&io);
    posix_spawn_file_actions_addopen(&io, STDOUT_FILENO, (dir_.path() / "janus.out").c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&io, STDOUT_FILENO, STDERR_FILENO);
    const int spawned = posix_spawnp(&pid_, "janus", &io, nullptr, const_cast<char**>(argv), environ);
    posix_spawn_file_actions_destroy(&io);
    REQUIRE(spawned == 0);
    // Ready when it answers a create; janus takes about a second to load.
    CurlJanusHttp http(base());
    JanusSession probe(http);
    const auto until = std::chrono::steady_clock::now() + seconds(20);
    Status s = probe.create();
    while (!s.ok() && std::chrono::steady_clock::now() < until && running()) {
      std::this_thread::sleep_for(milliseconds(100));  // waiting for a condition, polled
      s = probe.create();
    }
    if (!s.ok()) {
      const std::string log = log_text();
      stop(SIGKILL);  // the destructor does not run when the constructor fails
      FAIL("janus did not start on port " << port_ << " (taken meanwhile?): " << s.message() << "\n" << log);
    }
    REQUIRE(probe.destroy().ok());
  }
  ~JanusServer() { stop(SIGTERM); }
  // Ends janus now (SIGKILL: a crash or a power cut at the clinic).
  void stop(int sig) {
    if (pid_ <= 0) return;
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
  }
  JanusServer(const JanusServer&) = delete;
  JanusServer& operator=(const JanusServer&) = delete;

  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_) + "/janus"; }
  bool running() {
    if (pid_ <= 0) return false;
    if (waitpid(pid_, nullptr, WNOHANG) == 0) return true;
    pid_ = 0;  // reaped: never signal that number again
    return false;
  }
  std::string log_text() const {
    std::ifstream in(dir_.path() / "janus.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  testing::TempDir dir_;
  int port_;
  pid_t pid_ = 0;
};

// One kiosk's signalling: a session with one VideoRoom handle.
struct Kiosk {
  CurlJanusHttp http;
  JanusSession session{http};
  std::uint64_t handle = 0;
  explicit Kiosk(const JanusServer& server) : http(server.base()) {
    REQUIRE(session.create().ok());
    auto h = session.attach("janus.plugin.videoroom");
    REQUIRE_MESSAGE(h.ok(), h.status().message());
    handle = *h;
  }
  // Polls until an event satisfies `want`; Janus answers a poll as soon as
  // it has an event, and after 30 s with none.
  JanusEvent wait_for(const std::function<bool(const JanusEvent&)>& want, const char* what) {
    for (int polls = 0; polls < 2; ++polls) {
      auto events = session.poll(seconds(30));
      REQUIRE_MESSAGE(events.ok(), events.status().message());
      for (const JanusEvent& e : *events)
        if (want(e)) return e;
    }
    FAIL("no event: " << what);
    return {};
  }
  json join(const std::string& display, const std::string& pin = kPin) {
    auto t = session.message(handle, {{"request", "join"}, {"ptype", "publisher"}, {"room", kRoom}, {"pin", pin},
                                      {"display", display}});
    REQUIRE_MESSAGE(t.ok(), t.status().message());
    return wait_for([&](const JanusEvent& e) { return e.transaction == *t; }, "the join's answer").data;
  }
};

bool janus_installed() { return std::system("command -v janus > /dev/null") == 0; }

}  // namespace

TEST_CASE("two kiosks in the clinic's room: each is listed, sees the other join and leave") {
  if (!janus_installed()) {
    MESSAGE("janus is not installed (scripts/install-deps.sh installs it)");
    std::exit(77);
  }
  JanusServer server;
  Kiosk ana(server), ben(server);
  json a = ana.join("Ana");
  REQUIRE(a["videoroom"] == "joined");
  CHECK(a["room"] == kRoom);
  const std::uint64_t ana_id = a["id"];
  json b = ben.join("Ben");
  REQUIRE(b["videoroom"] == "joined");
  const std::uint64_t ben_id = b["id"];
  // Ben's join lists Ana as already there (she publishes nothing yet).
  CHECK(b["attendees"] == json::array({{{"id", ana_id}, {"display", "Ana"}}}));
  JanusEvent joining = ana.wait_for([](const JanusEvent& e) { return e.data.contains("joining"); }, "Ben joining");
  CHECK(joining.handle == ana.handle);
  CHECK(joining.data["joining"] == json{{"id", ben_id}, {"display", "Ben"}});

  auto list = ana.session.request(ana.handle, {{"request", "listparticipants"}, {"room", kRoom}});
  REQUIRE_MESSAGE(list.ok(), list.status().message());
  std::set<std::string> names;
  for (const json& p : (*list)["participants"]) names.insert(p["display"].get<std::string>());
  CHECK(names == std::set<std::string>{"Ana", "Ben"});

  auto t = ben.session.message(ben.handle, {{"request", "leave"}});
  REQUIRE(t.ok());
  JanusEvent leaving = ana.wait_for([](const JanusEvent& e) { return e.data.contains("leaving"); }, "Ben leaving");
  CHECK(leaving.data["leaving"] == ben_id);
  REQUIRE(ben.session.destroy().ok());
  REQUIRE(ana.session.destroy().ok());
  CHECK(server.running());
}

TEST_CASE("a wrong PIN or room is refused with Janus's reason, and a destroyed session is gone") {
  if (!janus_installed()) std::exit(77);
  JanusServer server;
  Kiosk k(server);
  json wrong = k.join("Cy", "not-the-pin");
  CHECK(wrong["error_code"] == 433);
  CHECK(wrong["error"].get<std::string>().find("pin") != std::string::npos);
  auto none = k.session.request(k.handle, {{"request", "exists"}, {"room", 999999}});
  REQUIRE(none.ok());
  CHECK(none->at("exists") == false);
  const std::uint64_t id = k.session.id();
  REQUIRE(k.session.destroy().ok());
  // The same session id again, as a kiosk that lost its answer would.
  CurlJanusHttp raw(server.base());
  std::string path("/");
  path += std::to_string(id);
  auto again = raw.post(path, {{"janus", "keepalive"}, {"transaction", "x"}});
  REQUIRE(again.ok());
  CHECK((*again)["janus"] == "error");
  CHECK((*again)["error"]["code"] == 458);
}

TEST_CASE("a server that is not there is a network error naming it, quickly") {
  const int port = free_port();  // nothing listens there
  CurlJanusHttp http("http://127.0.0.1:" + std::to_string(port) + "/janus");
  JanusSession s(http);
  const auto t0 = std::chrono::steady_clock::now();
  Status st = s.create();
  CHECK(st.code() == Errc::network);
  CHECK(st.message().find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - t0 < seconds(5));
  http.cancel();
  CHECK(s.create().message().find("cancelled") != std::string::npos);
}

namespace {

// What a JanusPoller delivered, for the test thread to wait on.
struct Inbox {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<JanusEvent> events;
  std::optional<Status> stopped;
  template <class Pred>
  bool wait(Pred ready) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, seconds(40), [&] { return ready(); });
  }
};

}  // namespace

TEST_CASE("the poller hands events over from its thread, stops when the server dies, and is cancelled at once") {
  if (!janus_installed()) std::exit(77);
  JanusServer server;
  Kiosk ana(server);
  REQUIRE(ana.join("Ana")["videoroom"] == "joined");
  Inbox in;
  auto poller = std::make_unique<JanusPoller>(
      server.base(), ana.session.id(),
      [&](JanusEvent e) {
        std::lock_guard lock(in.mu);
        in.events.push_back(std::move(e));
        in.cv.notify_all();
      },
      [&](Status s) {
        std::lock_guard lock(in.mu);
        in.stopped = std::move(s);
        in.cv.notify_all();
      });
  Kiosk ben(server);
  REQUIRE(ben.join("Ben")["videoroom"] == "joined");
  REQUIRE(in.wait([&] { return !in.events.empty(); }));
  {
    std::lock_guard lock(in.mu);
    CHECK(in.events.front().data["joining"]["display"] == "Ben");
  }
  server.stop(SIGKILL);  // mid poll
  REQUIRE(in.wait([&] { return in.stopped.has_value(); }));
  CHECK(in.stopped->code() == Errc::network);
  poller.reset();

  // A poll under way on a live server: destroying the poller does not wait
  // for the server's 30 s.
  JanusServer again;
  Kiosk cy(again);
  REQUIRE(cy.join("Cy")["videoroom"] == "joined");
  Inbox quiet;
  auto idle = std::make_unique<JanusPoller>(again.base(), cy.session.id(), [](JanusEvent) {},
                                            [&](Status s) {
                                              std::lock_guard lock(quiet.mu);
                                              quiet.stopped = std::move(s);
                                            });
  std::this_thread::sleep_for(milliseconds(300));  // an observation window: let the poll start
  const auto t0 = std::chrono::steady_clock::now();
  idle.reset();
  CHECK(std::chrono::steady_clock::now() - t0 < seconds(3));
  std::lock_guard lock(quiet.mu);
  CHECK_FALSE(quiet.stopped.has_value());
}
