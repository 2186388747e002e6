#include "media/janus_client.h"

#include <random>

namespace outpost::media {

using nlohmann::json;

namespace {

// j[key] when it is a string, else "" (answers come from outside: never throw).
std::string text_of(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// A plugin's own refusal inside plugindata.data, as a Status; Ok when none.
Status plugin_error(const json& data, const std::string& what) {
  if (!data.is_object() || !data.contains("error_code")) return Status::Ok();
  return Status(Errc::invalid_argument, "janus " + what + ": error " + data["error_code"].dump() + " " +
                                            text_of(data, "error"));
}

// The server's own error, as a Status naming it.
Status janus_error(const json& answer, std::string_view what) {
  const json& e = answer.contains("error") && answer["error"].is_object() ? answer["error"] : json::object();
  const int code = e.contains("code") && e["code"].is_number_integer() ? e["code"].get<int>() : 0;
  const std::string reason = text_of(e, "reason");
  // 458 no such session, 459 no such handle: gone, start again.
  const Errc errc = code == 458 || code == 459 ? Errc::not_found : Errc::invalid_argument;
  return Status(errc, "janus " + std::string(what) + ": error " + std::to_string(code) + " " + reason);
}

std::string request_name(const json& body) {
  return body.is_object() && body.contains("request") && body["request"].is_string()
             ? body["request"].get<std::string>()
             : "request";
}

bool is_id(const json& j) { return j.is_number_unsigned() || (j.is_number_integer() && j.get<std::int64_t>() > 0); }

}  // namespace

// Appended piecewise: GCC 12 warns falsely (-Wrestrict) on "/" + to_string.
std::string JanusSession::session_path() const {
  std::string p("/");
  p += std::to_string(id_);
  return p;
}

std::string JanusSession::handle_path(std::uint64_t handle) const {
  std::string p = session_path();
  p += '/';
  p += std::to_string(handle);
  return p;
}

std::string JanusSession::next_transaction() {
  // Unique per session; random start so two kiosks' logs do not look alike.
  if (transactions_ == 0) transactions_ = std::random_device{}() & 0xffffff;
  return "op-" + std::to_string(++transactions_);
}

Result<json> JanusSession::call(const std::string& path, json body, std::string_view want) {
  // Messages are named by their plugin request ("join"), the rest by kind.
  const std::string what = body.contains("body") ? request_name(body["body"]) : text_of(body, "janus");
  const std::string transaction = next_transaction();
  body["transaction"] = transaction;
  auto answer = http_.post(path, body);
  if (!answer.ok()) return answer.status();
  if (!answer->is_object() || !(*answer).contains("janus") || !(*answer)["janus"].is_string())
    return Status(Errc::network, "janus " + what + ": the answer is not a Janus message");
  const std::string kind = (*answer)["janus"].get<std::string>();
  if (kind == "error") return janus_error(*answer, what);
  // A plugin that refuses a message at once answers "success" with its error.
  const json* pd = answer->contains("plugindata") ? &(*answer)["plugindata"] : nullptr;
  if (kind == "success" && want == "ack" && pd != nullptr && pd->is_object() && pd->contains("data"))
    if (Status s = plugin_error((*pd)["data"], what); !s.ok()) return s;
  if (kind != want) return Status(Errc::network, "janus " + what + ": answered '" + kind + "', not '" + std::string(want) + "'");
  if (text_of(*answer, "transaction") != transaction)
    return Status(Errc::network, "janus " + what + ": the answer is for another transaction");
  return answer;
}

Status JanusSession::create() {
  id_ = 0;
  auto a = call("", {{"janus", "create"}}, "success");
  if (!a.ok()) return a.status();
  const json& data = (*a).contains("data") ? (*a)["data"] : json();
  if (!data.is_object() || !data.contains("id") || !is_id(data["id"]))
    return Status(Errc::network, "janus create: no session id in the answer");
  id_ = data["id"].get<std::uint64_t>();
  return Status::Ok();
}

Result<std::uint64_t> JanusSession::attach(std::string_view plugin) {
  auto a = call(session_path(), {{"janus", "attach"}, {"plugin", plugin}}, "success");
  if (!a.ok()) return a.status();
  const json& data = (*a).contains("data") ? (*a)["data"] : json();
  if (!data.is_object() || !data.contains("id") || !is_id(data["id"]))
    return Status(Errc::network, "janus attach: no handle id in the answer");
  return data["id"].get<std::uint64_t>();
}

Result<json> JanusSession::request(std::uint64_t handle, const json& body) {
  auto a = call(handle_path(handle), {{"janus", "message"}, {"body", body}}, "success");
  if (!a.ok()) return a.status();
  const json& pd = (*a).contains("plugindata") ? (*a)["plugindata"] : json();
  if (!pd.is_object() || !pd.contains("data") || !pd["data"].is_object())
    return Status(Errc::network, "janus request: no plugin data in the answer");
  const json& data = pd["data"];
  if (Status s = plugin_error(data, request_name(body)); !s.ok()) return s;
  return data;
}

Result<std::string> JanusSession::message(std::uint64_t handle, const json& body, const std::optional<json>& jsep) {
  json m = {{"janus", "message"}, {"body", body}};
  if (jsep) m["jsep"] = *jsep;
  auto a = call(handle_path(handle), std::move(m), "ack");
  if (!a.ok()) return a.status();
  return text_of(*a, "transaction");
}

Result<std::vector<JanusEvent>> parse_janus_events(const json& answer) {
  const json list = answer.is_array() ? answer : json::array({answer});
  std::vector<JanusEvent> out;
  for (const json& m : list) {
    if (!m.is_object() || !m.contains("janus") || !m["janus"].is_string())
      return Status(Errc::network, "janus poll: an event is not a Janus message");
    JanusEvent e;
    e.janus = m["janus"].get<std::string>();
    if (e.janus == "keepalive") continue;
    if (m.contains("sender") && is_id(m["sender"])) e.handle = m["sender"].get<std::uint64_t>();
    e.transaction = text_of(m, "transaction");
    const json* pd = m.contains("plugindata") && m["plugindata"].is_object() ? &m["plugindata"] : nullptr;
    e.data = pd != nullptr && pd->contains("data") ? (*pd)["data"] : m;
    if (m.contains("jsep") && m["jsep"].is_object()) e.jsep = m["jsep"];
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<JanusEvent>> JanusSession::poll(std::chrono::milliseconds server_wait) {
  auto a = http_.get(session_path() + "?maxev=10", server_wait);
  if (!a.ok()) return a.status();
  if (text_of(*a, "janus") == "error") return janus_error(*a, "poll");
  return parse_janus_events(*a);
}

Status JanusSession::keepalive() { return call(session_path(), {{"janus", "keepalive"}}, "ack").status(); }

Status JanusSession::detach(std::uint64_t handle) {
  return call(handle_path(handle), {{"janus", "detach"}}, "success").status();
}

Status JanusSession::destroy() {
  Status s = call(session_path(), {{"janus", "destroy"}}, "success").status();
  id_ = 0;
  return s;
}

}  // namespace outpost::media
