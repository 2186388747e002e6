// Janus's HTTP API (docs/design.md, "Video groups"): a session, plugin
// handles on it, requests and the events that answer them. The requests
// and answers are JSON; how they travel is JanusHttp (janus_http_curl.h;
// tests fake it). No threads here: the call engine polls from its worker.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kiosk/result.h"

namespace outpost::media {

// One request to the server at `base` (".../janus"); the answer's JSON.
// Errc::network when the server cannot be reached or does not answer JSON.
class JanusHttp {
 public:
  virtual ~JanusHttp() = default;
  // POST `body` to base + `path` ("", "/<session>", "/<session>/<handle>").
  virtual Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body) = 0;
  // GET base + `path`, waiting up to `timeout` for the answer (the long poll).
  virtual Result<nlohmann::json> get(const std::string& path, std::chrono::milliseconds timeout) = 0;
};

// An asynchronous message from the server, from the long poll.
struct JanusEvent {
  std::string janus;        // "event", "webrtcup", "media", "slowlink", "hangup", "detached", "timeout", ...
  std::uint64_t handle = 0;  // "sender": the plugin handle it is about; 0 for the session
  std::string transaction;   // the request it answers, "" when unsolicited
  nlohmann::json data;       // plugindata.data for plugin events, else the whole message
  std::optional<nlohmann::json> jsep;  // an SDP offer or answer
};

class JanusSession {
 public:
  explicit JanusSession(JanusHttp& http) : http_(http) {}
  // A session created elsewhere (JanusPoller polls it on its own transport).
  JanusSession(JanusHttp& http, std::uint64_t id) : http_(http), id_(id) {}

  // Creates the session on the server (a second call makes a new one).
  Status create();
  std::uint64_t id() const { return id_; }
  // Attaches a plugin ("janus.plugin.videoroom"); the handle id.
  Result<std::uint64_t> attach(std::string_view plugin);
  // A plugin request the plugin answers at once (listparticipants, exists):
  // plugindata.data. A plugin error ("error_code", "error") is
  // Errc::invalid_argument with the server's words.
  Result<nlohmann::json> request(std::uint64_t handle, const nlohmann::json& body);
  // A plugin request answered later by an event (join, configure, start,
  // leave); returns its transaction, which that event carries.
  Result<std::string> message(std::uint64_t handle, const nlohmann::json& body,
                              const std::optional<nlohmann::json>& jsep = std::nullopt);
  // The long poll: the server answers as soon as it has events, and after
  // `server_wait` (Janus: 30 s) with none; the transport gives it 5 s more.
  // Each poll also keeps the session alive.
  Result<std::vector<JanusEvent>> poll(std::chrono::milliseconds server_wait);
  Status keepalive();
  Status detach(std::uint64_t handle);
  // Ends the session and every handle on it.
  Status destroy();

 private:
  std::string next_transaction();
  // POSTs and checks the answer: "success" or "ack" as `want`; a Janus
  // error as a Status (458/459, no such session or handle: Errc::not_found).
  Result<nlohmann::json> call(const std::string& path, nlohmann::json body, std::string_view want);
  std::string session_path() const;            // "/<session>"
  std::string handle_path(std::uint64_t handle) const;  // "/<session>/<handle>"

  JanusHttp& http_;
  std::uint64_t id_ = 0;
  std::uint64_t transactions_ = 0;
};

// The event of a parsed poll answer (an object or an array of them);
// keepalives are dropped. Errc::network for anything else.
Result<std::vector<JanusEvent>> parse_janus_events(const nlohmann::json& answer);

}  // namespace outpost::media
