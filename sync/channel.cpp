#include "sync/channel.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "kiosk/utc_time.h"
#include "sync/signed_envelope.h"

namespace outpost::sync {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

bool id_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

bool valid_id(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), id_char);
}

// BCP 47 enough for our use: "en", "es", "pt-BR", "zh-Hant".
bool valid_lang(std::string_view s) {
  if (s.size() < 2 || s.size() > 15) return false;
  std::size_t i = 0;
  while (i < s.size() && s[i] >= 'a' && s[i] <= 'z') ++i;
  if (i < 2 || i > 3) return false;
  if (i == s.size()) return true;
  if (s[i] != '-' || i + 2 >= s.size()) return false;
  return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(i) + 1, s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
}

bool valid_rfc3339_utc(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SSZ
  static constexpr std::string_view shape = "dddd-dd-ddTdd:dd:ddZ";
  if (s.size() != shape.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (shape[i] == 'd' ? !std::isdigit(static_cast<unsigned char>(s[i])) : s[i] != shape[i]) return false;
  }
  return true;
}

// Reads one JSON object strictly: every key must be one of `allowed`.
class Obj {
 public:
  Obj(const json& j, std::string path) : j_(j), path_(std::move(path)) {}
  std::string at(std::string_view key) const { return path_.empty() ? std::string(key) : path_ + "." + std::string(key); }

  Status check(std::initializer_list<std::string_view> allowed) const {
    if (!j_.is_object()) return bad(path_, "not an object");
    for (const auto& [k, v] : j_.items()) {
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) return bad(at(k), "unknown field");
    }
    return Status::Ok();
  }
  const json* get(std::string_view key) const {
    auto it = j_.find(std::string(key));
    return it == j_.end() ? nullptr : &*it;
  }
  Result<std::string> str(std::string_view key, std::size_t max, bool required = true) const {
    const json* v = get(key);
    if (v == nullptr) {
      if (required) return bad(at(key), "missing");
      return std::string();
    }
    if (!v->is_string()) return bad(at(key), "not a string");
    std::string s = v->get<std::string>();
    if (s.size() > max) return bad(at(key), "longer than " + std::to_string(max) + " bytes");
    return s;
  }
  Result<std::uint64_t> uint(std::string_view key, std::uint64_t max) const {
    const json* v = get(key);
    if (v == nullptr) return bad(at(key), "missing");
    if (!v->is_number_unsigned()) return bad(at(key), "not a whole number >= 0");
    const auto n = v->get<std::uint64_t>();
    if (n > max) return bad(at(key), "over " + std::to_string(max));
    return n;
  }
  static Status bad(const std::string& where, const std::string& what) {
    return Status(Errc::corrupt, where + ": " + what);
  }

 private:
  const json& j_;
  std::string path_;
};

Result<LangText> lang_text(const Obj& parent, std::string_view key, std::size_t max, bool required) {
  const json* v = parent.get(key);
  LangText out;
  if (v == nullptr) {
    if (required) return Obj::bad(parent.at(key), "missing");
    return out;
  }
  if (!v->is_object()) return Obj::bad(parent.at(key), "not an object of language -> text");
  for (const auto& [lang, text] : v->items()) {
    const std::string where = parent.at(key) + "." + lang;
    if (!valid_lang(lang)) return Obj::bad(where, "not a language tag");
    if (!text.is_string()) return Obj::bad(where, "not a string");
    std::string t = text.get<std::string>();
    if (t.empty() || t.size() > max) return Obj::bad(where, "empty or longer than " + std::to_string(max) + " bytes");
    out.emplace(lang, std::move(t));
  }
  return out;
}

Result<ChannelFile> file_of(const json& j, const std::string& where, std::uint64_t max_size) {
  Obj o(j, where);
  if (Status s = o.check({"name", "sha256", "size"}); !s.ok()) return s;
  ChannelFile f;
  auto name = o.str("name", 100);
  if (!name.ok()) return name.status();
  if (!plain_file_name(*name)) return Obj::bad(o.at("name"), "not a plain file name: '" + *name + "'");
  auto sha = o.str("sha256", 64);
  if (!sha.ok()) return sha.status();
  if (!valid_sha256_hex(*sha)) return Obj::bad(o.at("sha256"), "not 64 lowercase hex digits");
  auto size = o.uint("size", max_size);
  if (!size.ok()) return size.status();
  if (*size == 0) return Obj::bad(o.at("size"), "zero");
  f.name = std::move(*name);
  f.sha256 = std::move(*sha);
  f.size = *size;
  return f;
}

bool hex_of(std::string_view s, std::size_t digits) {
  return s.size() == digits &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// http:// or https://, a host, no spaces or controls: Janus's API base.
bool server_url(std::string_view u) {
  const std::string_view scheme = u.substr(0, u.find("://"));
  if (scheme != "http" && scheme != "https") return false;
  const std::string_view rest = u.substr(scheme.size() + 3);
  if (rest.empty() || rest.front() == '/' || rest.front() == ':') return false;
  return std::none_of(u.begin(), u.end(), [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; });
}

Result<GroupSession> session_of(const json& j, const std::string& where) {
  Obj o(j, where);
  if (Status s = o.check({"id", "kind", "title", "start", "end", "server", "room", "pin", "patients"}); !s.ok()) return s;
  GroupSession g;
  auto id = o.str("id", 64);
  if (!id.ok()) return id.status();
  if (!valid_item_id(*id)) return Obj::bad(o.at("id"), "not [a-z0-9-]{1,64}");
  g.id = *id;
  auto kind = o.str("kind", 16);
  if (!kind.ok()) return kind.status();
  if (*kind != "group" && *kind != "private") return Obj::bad(o.at("kind"), "'" + *kind + "' is not group or private");
  g.kind = *kind;
  auto title = lang_text(o, "title", 200, true);
  if (!title.ok()) return title.status();
  g.title = std::move(*title);
  auto start = o.str("start", 32), end = o.str("end", 32);
  if (!start.ok()) return start.status();
  if (!end.ok()) return end.status();
  const auto t0 = parse_utc(*start), t1 = parse_utc(*end);
  if (!t0) return Obj::bad(o.at("start"), "not YYYY-MM-DDTHH:MM:SSZ");
  if (!t1) return Obj::bad(o.at("end"), "not YYYY-MM-DDTHH:MM:SSZ");
  if (*t1 <= *t0) return Obj::bad(o.at("end"), "not after start");
  if (*t1 - *t0 > kMaxGroupSessionMs) return Obj::bad(o.at("end"), "more than 12 hours after start");
  g.start = *start;
  g.end = *end;
  auto server = o.str("server", 512);
  if (!server.ok()) return server.status();
  if (!server_url(*server)) return Obj::bad(o.at("server"), "not an http:// or https:// URL");
  g.server = *server;
  auto room = o.uint("room", 1ull << 53);
  if (!room.ok()) return room.status();
  if (*room == 0) return Obj::bad(o.at("room"), "zero");
  g.room = *room;
  auto pin = o.str("pin", 64, false);
  if (!pin.ok()) return pin.status();
  g.pin = *pin;
  if (const json* p = o.get("patients")) {
    if (g.kind != "private") return Obj::bad(o.at("patients"), "only a private session is limited to patients");
    Obj po(*p, o.at("patients"));
    if (Status s = po.check({"salt", "digests"}); !s.ok()) return s;
    auto salt = po.str("salt", 32);
    if (!salt.ok()) return salt.status();
    if (!hex_of(*salt, 32)) return Obj::bad(po.at("salt"), "not 32 lowercase hex digits");
    g.patients_salt = *salt;
    const json* d = po.get("digests");
    if (d == nullptr || !d->is_array() || d->empty()) return Obj::bad(po.at("digests"), "missing, empty or not an array");
    if (d->size() > kMaxSessionPatients)
      return Obj::bad(po.at("digests"), "more than " + std::to_string(kMaxSessionPatients) + " patients");
    for (const json& x : *d) {
      if (!x.is_string() || !hex_of(x.get<std::string>(), 64))
        return Obj::bad(po.at("digests"), "an entry is not 64 lowercase hex digits");
      g.patients.push_back(x.get<std::string>());
    }
  }
  return g;
}

Result<ChannelItem> item_of(const json& j, const std::string& where) {
  Obj o(j, where);
  if (Status s = o.check({"id", "topic", "order", "title", "description", "duration_ms", "video", "captions",
                          "thumbnail"});
      !s.ok())
    return s;
  ChannelItem it;
  auto id = o.str("id", 64);
  if (!id.ok()) return id.status();
  if (!valid_id(*id)) return Obj::bad(o.at("id"), "not [a-z0-9-]{1,64}");
  it.id = *id;
  auto topic = o.str("topic", 64);
  if (!topic.ok()) return topic.status();
  if (!known_topic(*topic)) return Obj::bad(o.at("topic"), "unknown topic '" + *topic + "'");
  it.topic = *topic;
  if (const json* order = o.get("order")) {
    if (!order->is_number_integer()) return Obj::bad(o.at("order"), "not a whole number");
    it.order = order->get<std::int64_t>();
  }
  auto title = lang_text(o, "title", 200, true);
  if (!title.ok()) return title.status();
  it.title = std::move(*title);
  auto desc = lang_text(o, "description", 2000, false);
  if (!desc.ok()) return desc.status();
  it.description = std::move(*desc);
  auto dur = o.uint("duration_ms", 24ull * 3600 * 1000);
  if (!dur.ok()) return dur.status();
  it.duration_ms = static_cast<std::int64_t>(*dur);
  const json* video = o.get("video");
  if (video == nullptr) return Obj::bad(o.at("video"), "missing");
  auto v = file_of(*video, o.at("video"), kMaxVideoBytes);
  if (!v.ok()) return v.status();
  it.video = std::move(*v);
  const json* thumb = o.get("thumbnail");
  if (thumb == nullptr) return Obj::bad(o.at("thumbnail"), "missing");
  auto t = file_of(*thumb, o.at("thumbnail"), kMaxThumbnailBytes);
  if (!t.ok()) return t.status();
  it.thumbnail = std::move(*t);
  if (const json* caps = o.get("captions")) {
    if (!caps->is_object()) return Obj::bad(o.at("captions"), "not an object of language -> file");
    for (const auto& [lang, cf] : caps->items()) {
      const std::string w = o.at("captions") + "." + lang;
      if (!valid_lang(lang)) return Obj::bad(w, "not a language tag");
      auto c = file_of(cf, w, kMaxCaptionBytes);
      if (!c.ok()) return c.status();
      it.captions.emplace(lang, std::move(*c));
    }
  }
  return it;
}

Status with_source(const Status& s, std::string_view source) {
  return Status(s.code(), std::string(source) + ": " + s.message());
}

ordered_json file_json(const ChannelFile& f) {
  return ordered_json{{"name", f.name}, {"sha256", f.sha256}, {"size", f.size}};
}

}  // namespace

bool known_topic(std::string_view topic) {
  return std::find(std::begin(kChannelTopics), std::end(kChannelTopics), topic) != std::end(kChannelTopics);
}

bool plain_file_name(std::string_view name) {
  if (name.empty() || name.size() > 100 || name.front() == '.') return false;
  return std::none_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return c == '/' || c == '\\' || u < 0x20 || u == 0x7f;
  });
}

bool valid_sha256_hex(std::string_view hex) {
  return hex.size() == 64 &&
         std::all_of(hex.begin(), hex.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool valid_channel_name(std::string_view name) { return valid_id(name); }
bool valid_item_id(std::string_view id) { return valid_id(id); }
bool valid_language_tag(std::string_view tag) { return valid_lang(tag); }

std::vector<ChannelFile> ChannelManifest::files() const {
  std::vector<ChannelFile> out;
  std::set<std::string> seen;
  auto add = [&](const ChannelFile& f) {
    if (seen.insert(f.sha256).second) out.push_back(f);
  };
  for (const ChannelItem& it : items) {
    add(it.video);
    for (const auto& [lang, c] : it.captions) add(c);
    add(it.thumbnail);
  }
  return out;
}

std::uint64_t ChannelManifest::total_bytes() const {
  std::uint64_t n = 0;
  for (const ChannelFile& f : files()) n += f.size;
  return n;
}

const ChannelItem* ChannelManifest::find(std::string_view id) const {
  for (const ChannelItem& it : items)
    if (it.id == id) return &it;
  return nullptr;
}

std::string text_in(const LangText& text, const std::string& lang, const std::string& default_language) {
  if (auto it = text.find(lang); it != text.end()) return it->second;
  if (auto it = text.find(default_language); it != text.end()) return it->second;
  return text.empty() ? std::string() : text.begin()->second;
}

std::string manifest_body_json(const ChannelManifest& m) {
  ordered_json items = ordered_json::array();
  for (const ChannelItem& it : m.items) {
    ordered_json caps = ordered_json::object();
    for (const auto& [lang, c] : it.captions) caps[lang] = file_json(c);
    ordered_json item{{"id", it.id}, {"topic", it.topic}, {"order", it.order}, {"title", it.title}};
    if (!it.description.empty()) item["description"] = it.description;
    item["duration_ms"] = it.duration_ms;
    item["video"] = file_json(it.video);
    item["captions"] = caps;
    item["thumbnail"] = file_json(it.thumbnail);
    items.push_back(std::move(item));
  }
  ordered_json body{{"format", kChannelFormat},
                    {"channel", m.channel},
                    {"version", m.version},
                    {"published", m.published},
                    {"default_language", m.default_language}};
  if (!m.title.empty()) body["title"] = m.title;
  body["items"] = std::move(items);
  ordered_json sessions = ordered_json::array();
  for (const GroupSession& g : m.schedule.sessions) {
    ordered_json s{{"id", g.id}, {"kind", g.kind}, {"title", g.title}, {"start", g.start}, {"end", g.end},
                   {"server", g.server}, {"room", g.room}};
    if (!g.pin.empty()) s["pin"] = g.pin;
    if (!g.patients.empty()) s["patients"] = ordered_json{{"salt", g.patients_salt}, {"digests", g.patients}};
    sessions.push_back(std::move(s));
  }
  body["schedule"] = ordered_json{{"v", m.schedule.v}, {"sessions", std::move(sessions)}};
  return body.dump(1);
}

Result<ChannelManifest> parse_manifest_body(std::string_view body, std::string_view source) {
  if (body.size() > kMaxManifestBytes)
    return Status(Errc::corrupt, std::string(source) + ": manifest larger than " + std::to_string(kMaxManifestBytes) +
                                     " bytes");
  json j = json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded()) return Status(Errc::corrupt, std::string(source) + ": manifest is not JSON");
  Obj o(j, "");
  auto fail = [&](const Status& s) { return with_source(s, source); };
  if (Status s = o.check({"format", "channel", "version", "published", "default_language", "title", "items",
                          "schedule"});
      !s.ok())
    return fail(s);
  auto format = o.str("format", 64);
  if (!format.ok()) return fail(format.status());
  if (*format != kChannelFormat)
    return fail(Obj::bad("format", "'" + *format + "' is not " + std::string(kChannelFormat)));
  ChannelManifest m;
  auto channel = o.str("channel", 64);
  if (!channel.ok()) return fail(channel.status());
  if (!valid_channel_name(*channel)) return fail(Obj::bad("channel", "not [a-z0-9-]{1,64}"));
  m.channel = *channel;
  auto version = o.uint("version", 1ull << 53);
  if (!version.ok()) return fail(version.status());
  if (*version == 0) return fail(Obj::bad("version", "zero"));
  m.version = *version;
  auto published = o.str("published", 32);
  if (!published.ok()) return fail(published.status());
  if (!valid_rfc3339_utc(*published)) return fail(Obj::bad("published", "not YYYY-MM-DDTHH:MM:SSZ"));
  m.published = *published;
  auto lang = o.str("default_language", 15);
  if (!lang.ok()) return fail(lang.status());
  if (!valid_lang(*lang)) return fail(Obj::bad("default_language", "not a language tag"));
  m.default_language = *lang;
  auto title = lang_text(o, "title", 200, false);
  if (!title.ok()) return fail(title.status());
  m.title = std::move(*title);

  const json* items = o.get("items");
  if (items == nullptr || !items->is_array()) return fail(Obj::bad("items", "missing or not an array"));
  if (items->size() > kMaxChannelItems)
    return fail(Obj::bad("items", "more than " + std::to_string(kMaxChannelItems) + " items"));
  std::set<std::string> ids;
  std::map<std::string, std::uint64_t> sizes;  // the same blob must have the same size everywhere
  for (std::size_t i = 0; i < items->size(); ++i) {
    const std::string where = "items[" + std::to_string(i) + "]";
    auto it = item_of((*items)[i], where);
    if (!it.ok()) return fail(it.status());
    if (!ids.insert(it->id).second) return fail(Obj::bad(where + ".id", "'" + it->id + "' appears twice"));
    if (it->title.count(m.default_language) == 0)
      return fail(Obj::bad(where + ".title", "no text in the default language '" + m.default_language + "'"));
    std::vector<const ChannelFile*> fs{&it->video, &it->thumbnail};
    for (const auto& [l, c] : it->captions) fs.push_back(&c);
    for (const ChannelFile* f : fs) {
      auto [pos, fresh] = sizes.emplace(f->sha256, f->size);
      if (!fresh && pos->second != f->size)
        return fail(Obj::bad(where, "file " + f->sha256 + " has two different sizes"));
    }
    m.items.push_back(std::move(*it));
  }

  const json* sched = o.get("schedule");
  if (sched != nullptr) {
    Obj so(*sched, "schedule");
    if (Status s = so.check({"v", "sessions"}); !s.ok()) return fail(s);
    auto v = so.uint("v", 1000);
    if (!v.ok()) return fail(v.status());
    if (*v != 1) return fail(Obj::bad("schedule.v", "version " + std::to_string(*v) + " is not known (1 is)"));
    const json* sessions = so.get("sessions");
    if (sessions == nullptr || !sessions->is_array()) return fail(Obj::bad("schedule.sessions", "missing or not an array"));
    if (sessions->size() > kMaxGroupSessions)
      return fail(Obj::bad("schedule.sessions", "more than " + std::to_string(kMaxGroupSessions) + " sessions"));
    std::set<std::string> session_ids;
    for (std::size_t i = 0; i < sessions->size(); ++i) {
      const std::string where = "schedule.sessions[" + std::to_string(i) + "]";
      auto g = session_of((*sessions)[i], where);
      if (!g.ok()) return fail(g.status());
      if (!session_ids.insert(g->id).second) return fail(Obj::bad(where + ".id", "'" + g->id + "' appears twice"));
      if (g->title.count(m.default_language) == 0)
        return fail(Obj::bad(where + ".title", "no text in the default language '" + m.default_language + "'"));
      m.schedule.sessions.push_back(std::move(*g));
    }
    std::stable_sort(m.schedule.sessions.begin(), m.schedule.sessions.end(),
                     [](const GroupSession& a, const GroupSession& b) { return std::tie(a.start, a.id) < std::tie(b.start, b.id); });
    m.schedule.v = 1;
  }
  return m;
}

Bytes sign_manifest(const ChannelManifest& m, const SigningSecretKey& clinic_key) {
  return seal_envelope(manifest_body_json(m), clinic_key);
}

Result<ChannelManifest> open_manifest(std::span<const std::uint8_t> bytes, const SigningPublicKey& clinic_key,
                                      std::string_view source) {
  if (bytes.size() > kMaxManifestBytes + 4096)
    return Status(Errc::corrupt, std::string(source) + ": larger than " + std::to_string(kMaxManifestBytes) + " bytes");
  auto body = open_envelope(bytes, clinic_key, source);
  if (!body.ok()) return body.status();
  return parse_manifest_body(*body, source);
}

}  // namespace outpost::sync

namespace outpost::sync {

Result<std::string> patient_code_digest(std::string_view code, std::string_view salt_hex) {
  unsigned char salt[crypto_pwhash_SALTBYTES];
  if (salt_hex.size() != 2 * sizeof salt ||
      sodium_hex2bin(salt, sizeof salt, salt_hex.data(), salt_hex.size(), nullptr, nullptr, nullptr) != 0)
    return Status(Errc::invalid_argument, "patient code salt: not 32 hex digits");
  unsigned char out[32];
  if (crypto_pwhash(out, sizeof out, code.data(), code.size(), salt, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                    crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return Status(Errc::internal, "argon2id failed (out of memory?)");
  char hex[2 * sizeof out + 1];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  sodium_memzero(out, sizeof out);
  return std::string(hex);
}

}  // namespace outpost::sync
