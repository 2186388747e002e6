// JanusHttp over libcurl (media/janus_client.h): JSON over plain HTTP or
// HTTPS to the clinic's Janus. One easy handle per object; one thread at a
// time per object (JanusPoller has its own).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "media/janus_client.h"

namespace outpost::media {

class CurlJanusHttp final : public JanusHttp {
 public:
  // `base`: "http://host:8088/janus". A request takes at most
  // `request_timeout` (the long poll its own timeout plus 5 s).
  explicit CurlJanusHttp(std::string base, std::chrono::milliseconds request_timeout = std::chrono::seconds(10));
  ~CurlJanusHttp() override;
  CurlJanusHttp(const CurlJanusHttp&) = delete;
  CurlJanusHttp& operator=(const CurlJanusHttp&) = delete;

  Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body) override;
  Result<nlohmann::json> get(const std::string& path, std::chrono::milliseconds timeout) override;
  // Makes a request under way (a long poll) end within about a second, and
  // every later one fail at once; any thread.
  void cancel() { cancelled_ = true; }

 private:
  Result<nlohmann::json> perform(const std::string& path, const std::string* body, std::chrono::milliseconds timeout);

  struct Easy;
  std::string base_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Easy> easy_;
  std::atomic<bool> cancelled_{false};
};

// The long poll of one session on a thread of its own, with its own
// transport: every event goes to `on_event`, and the Status of the poll
// that failed (the session gone, the server unreachable) to `on_stop`,
// after which the thread ends. Both run on the poller's thread: post them
// to the UI's RunQueue. Destroying the poller cancels a poll under way and
// joins within about a second; `on_stop` is not called then.
class JanusPoller {
 public:
  using EventFn = std::function<void(JanusEvent)>;
  using StopFn = std::function<void(Status)>;
  JanusPoller(std::string base, std::uint64_t session, EventFn on_event, StopFn on_stop);
  ~JanusPoller();
  JanusPoller(const JanusPoller&) = delete;
  JanusPoller& operator=(const JanusPoller&) = delete;

 private:
  CurlJanusHttp http_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace outpost::media
