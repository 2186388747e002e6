// JanusSession (media/janus_client.h) against a scripted JanusHttp: what it
// sends, and how it takes answers that are wrong, late or from elsewhere.
// tests/media/janus_videoroom_test.cpp runs it against Debian's janus.
#include "media/janus_client.h"

#include <doctest/doctest.h>

#include <deque>
#include <functional>
#include <set>

using namespace outpost;
using namespace outpost::media;
using nlohmann::json;

namespace {

// Answers each request with `reply(path, body)`; keeps what was sent.
struct ScriptedHttp final : JanusHttp {
  std::function<json(const std::string&, const json&)> reply;
  std::deque<Result<json>> polls;
  std::vector<std::pair<std::string, json>> sent;
  Result<json> post(const std::string& path, const json& body) override {
    sent.emplace_back(path, body);
    return reply(path, body);
  }
  Result<json> get(const std::string& path, std::chrono::milliseconds) override {
    sent.emplace_back(path, json());
    if (polls.empty()) return json::array({{{"janus", "keepalive"}}});
    Result<json> r = std::move(polls.front());
    polls.pop_front();
    return r;
  }
};

// A server that answers as Janus 1.1 does, echoing the transaction.
json janus_like(const std::string& path, const json& body) {
  const std::string t = body["transaction"];
  const std::string kind = body["janus"];
  if (kind == "create") return {{"janus", "success"}, {"transaction", t}, {"data", {{"id", 1111}}}};
  if (path != "/1111" && path.rfind("/1111/", 0) != 0)
    return {{"janus", "error"}, {"transaction", t}, {"error", {{"code", 458}, {"reason", "No such session"}}}};
  if (kind == "attach") return {{"janus", "success"}, {"transaction", t}, {"data", {{"id", 2222}}}};
  if (kind == "message" && body["body"]["request"] == "listparticipants" && body["body"]["room"] == 9)
    return {{"janus", "success"},
            {"transaction", t},
            {"plugindata", {{"data", {{"videoroom", "event"}, {"error_code", 426}, {"error", "No such room (9)"}}}}}};
  if (kind == "message" && body["body"]["request"] == "listparticipants")
    return {{"janus", "success"},
            {"transaction", t},
            {"plugindata",
             {{"plugin", "janus.plugin.videoroom"}, {"data", {{"videoroom", "participants"}, {"participants", json::array()}}}}}};
  if (kind == "message" || kind == "keepalive") return {{"janus", "ack"}, {"transaction", t}};
  return {{"janus", "success"}, {"transaction", t}};
}

}  // namespace

TEST_CASE("a session is created, a plugin attached, and requests go to their paths with fresh transactions") {
  ScriptedHttp http;
  http.reply = janus_like;
  JanusSession s(http);
  REQUIRE(s.create().ok());
  CHECK(s.id() == 1111);
  auto h = s.attach("janus.plugin.videoroom");
  REQUIRE(h.ok());
  CHECK(*h == 2222);
  auto t = s.message(*h, {{"request", "join"}, {"room", 1234}, {"ptype", "publisher"}},
                     json{{"type", "offer"}, {"sdp", "v=0"}});
  REQUIRE(t.ok());
  auto parts = s.request(*h, {{"request", "listparticipants"}, {"room", 1234}});
  REQUIRE(parts.ok());
  CHECK((*parts)["videoroom"] == "participants");
  REQUIRE(s.keepalive().ok());
  REQUIRE(s.destroy().ok());
  CHECK(s.id() == 0);

  REQUIRE(http.sent.size() == 6);
  CHECK(http.sent[0].first == "");
  CHECK(http.sent[1] == std::pair<std::string, json>{"/1111", {{"janus", "attach"}, {"plugin", "janus.plugin.videoroom"},
                                                                {"transaction", http.sent[1].second["transaction"]}}});
  CHECK(http.sent[2].first == "/1111/2222");
  CHECK(http.sent[2].second["body"]["ptype"] == "publisher");
  CHECK(http.sent[2].second["jsep"]["type"] == "offer");
  CHECK(http.sent[2].second["transaction"] == *t);
  CHECK(http.sent[5].second["janus"] == "destroy");
  std::set<std::string> transactions;
  for (const auto& [path, body] : http.sent) transactions.insert(body["transaction"].get<std::string>());
  CHECK(transactions.size() == http.sent.size());
}

TEST_CASE("Janus errors become statuses naming them: a lost session is not_found, so the caller starts again") {
  ScriptedHttp http;
  http.reply = janus_like;
  JanusSession s(http);
  auto h = s.attach("janus.plugin.videoroom");  // no session yet: path "/0"
  REQUIRE_FALSE(h.ok());
  CHECK(h.status().code() == Errc::not_found);
  CHECK(h.status().message() == "janus attach: error 458 No such session");
  REQUIRE(s.create().ok());
  auto none = s.request(2222, {{"request", "listparticipants"}, {"room", 9}});
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().code() == Errc::invalid_argument);
  CHECK(none.status().message() == "janus listparticipants: error 426 No such room (9)");
  // The same refusal of an asynchronous message, answered at once.
  auto join = s.message(2222, {{"request", "listparticipants"}, {"room", 9}});
  REQUIRE_FALSE(join.ok());
  CHECK(join.status().message() == "janus listparticipants: error 426 No such room (9)");
}

TEST_CASE("an answer for another transaction, of the wrong kind, or not Janus at all is refused") {
  ScriptedHttp http;
  JanusSession s(http);
  http.reply = [](const std::string&, const json&) {
    return json{{"janus", "success"}, {"transaction", "someone-else"}, {"data", {{"id", 1}}}};
  };
  CHECK(s.create().message() == "janus create: the answer is for another transaction");
  http.reply = [](const std::string&, const json& b) { return json{{"janus", "ack"}, {"transaction", b["transaction"]}}; };
  CHECK(s.create().message() == "janus create: answered 'ack', not 'success'");
  http.reply = [](const std::string&, const json&) { return json::array({1, 2}); };
  CHECK(s.create().message() == "janus create: the answer is not a Janus message");
  http.reply = [](const std::string&, const json&) { return json{{"janus", "success"}, {"transaction", 5}}; };
  CHECK(s.create().message() == "janus create: the answer is for another transaction");
  http.reply = [](const std::string&, const json& b) {
    return json{{"janus", "error"}, {"transaction", b["transaction"]}, {"error", nullptr}};
  };
  CHECK(s.create().message() == "janus create: error 0 ");
  http.reply = [](const std::string&, const json& b) {
    return json{{"janus", "success"}, {"transaction", b["transaction"]}, {"data", {{"id", -4}}}};
  };
  CHECK(s.create().message() == "janus create: no session id in the answer");
  CHECK(s.id() == 0);
  ScriptedHttp down;
  down.reply = [](const std::string&, const json&) { return json(); };
  JanusSession t(down);
  CHECK(t.create().code() == Errc::network);
}

TEST_CASE("polled events: plugin data, the handle, the answered transaction and any SDP, keepalives dropped") {
  ScriptedHttp http;
  http.reply = janus_like;
  JanusSession s(http);
  REQUIRE(s.create().ok());
  http.polls.push_back(json::array({
      {{"janus", "event"},
       {"session_id", 1111},
       {"sender", 2222},
       {"transaction", "op-7"},
       {"plugindata", {{"plugin", "janus.plugin.videoroom"}, {"data", {{"videoroom", "joined"}, {"id", 77}}}}},
       {"jsep", {{"type", "answer"}, {"sdp", "v=0"}}}},
      {{"janus", "keepalive"}},
      {{"janus", "webrtcup"}, {"session_id", 1111}, {"sender", 2222}},
  }));
  http.polls.push_back(json{{"janus", "error"}, {"error", {{"code", 458}, {"reason", "No such session 1111"}}}});
  http.polls.push_back(json::array({"not an event"}));
  http.polls.push_back(json::array({{{"janus", "event"}, {"transaction", 5}, {"sender", "x"}, {"plugindata", 1}}}));
  auto events = s.poll(std::chrono::seconds(30));
  REQUIRE(events.ok());
  REQUIRE(events->size() == 2);
  CHECK((*events)[0].janus == "event");
  CHECK((*events)[0].handle == 2222);
  CHECK((*events)[0].transaction == "op-7");
  CHECK((*events)[0].data == json{{"videoroom", "joined"}, {"id", 77}});
  CHECK((*events)[0].jsep->at("type") == "answer");
  CHECK((*events)[1].janus == "webrtcup");
  CHECK_FALSE((*events)[1].jsep);
  CHECK(http.sent.back().first == "/1111?maxev=10");
  auto gone = s.poll(std::chrono::seconds(30));
  CHECK(gone.status().code() == Errc::not_found);
  CHECK(s.poll(std::chrono::seconds(30)).status().message() == "janus poll: an event is not a Janus message");
  auto odd = s.poll(std::chrono::seconds(30));  // wrong types inside: taken as absent, never a throw
  REQUIRE(odd.ok());
  REQUIRE(odd->size() == 1);
  CHECK(odd->front().transaction.empty());
  CHECK(odd->front().handle == 0);
  auto idle = s.poll(std::chrono::seconds(30));  // the server's 30 s answer with nothing
  REQUIRE(idle.ok());
  CHECK(idle->empty());
}
