#include "sync/payload.h"

#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "sync/channel.h"

namespace outpost::sync {

using nlohmann::json;

namespace {
constexpr std::size_t kDigestChars = 8;  // 32 bits of the questionnaire digest, hex
std::string questionnaire_ref(const Questionnaire& q) { return q.url() + "|" + q.version(); }

// The items that take an answer, in document order: the positions of "a".
std::vector<const Item*> answerable_items(const Questionnaire& q) {
  std::vector<const Item*> out;
  for (const Item* item : q.flatten())
    if (item->answerable()) out.push_back(item);
  return out;
}

// A choice answer travels as its option's index; -1 never decodes, so an
// answer outside the options (which validate_answers rejects) cannot pass.
std::int64_t option_index(const Item& item, const Coding& c) {
  for (std::size_t i = 0; i < item.options.size(); ++i)
    if (item.options[i].coding == c) return static_cast<std::int64_t>(i);
  return -1;
}

SecretBytes dump_secret(const json& j) {
  std::string text = j.dump();
  SecretBytes out(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  sodium_memzero(text.data(), text.size());
  return out;
}

void put_meta(json& j, const ResponseMeta& meta) {
  if (!meta.language.empty()) j["l"] = meta.language;
  if (!meta.subject.empty()) j["s"] = meta.subject;
  if (!meta.authored.empty()) j["t"] = meta.authored;
}

Status corrupt(const std::string& what) { return Status(Errc::corrupt, "check-in payload: " + what); }

Result<json> parse_payload(std::string_view payload) {
  json j = json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return corrupt("not a JSON object");
  if (!j.contains("q") || !j["q"].is_string()) return corrupt("missing \"q\"");
  return j;
}

std::string optional_string(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<AnswerValue> decode_value(const Item& item, const json& v) {
  auto bad = [&](const char* want) {
    return Status(Errc::invalid_response, "check-in payload: " + item.link_id + ": expected " + want);
  };
  switch (item.type) {
    case ItemType::choice: {
      if (!v.is_number_unsigned() || v.get<std::uint64_t>() >= item.options.size()) return bad("an option index");
      return AnswerValue(item.options[v.get<std::size_t>()].coding);
    }
    case ItemType::boolean:
      if (!v.is_boolean()) return bad("a boolean");
      return AnswerValue(v.get<bool>());
    case ItemType::integer:
      if (!v.is_number_integer()) return bad("an integer");
      return AnswerValue(v.get<std::int64_t>());
    case ItemType::decimal:
      if (!v.is_number()) return bad("a number");
      return AnswerValue(v.get<double>());
    case ItemType::string:
    case ItemType::text:
      if (!v.is_string()) return bad("a string");
      return AnswerValue(v.get<std::string>());
    case ItemType::date:
      if (!v.is_string()) return bad("a date");
      return AnswerValue(Date{v.get<std::string>()});
    case ItemType::group:
    case ItemType::display:
    case ItemType::quantity: break;
  }
  return bad("no answer (group, display or calculated item)");
}
}  // namespace

SecretBytes encode_checkin(const Questionnaire& q, const Answers& answers, const ResponseMeta& meta) {
  json j = json::object();
  j["q"] = questionnaire_ref(q);
  // The first 32 bits of the questionnaire's digest: the clinic re-expands
  // only with exactly the file the kiosk used (docs/design.md, "Records").
  j["d"] = q.digest().substr(0, kDigestChars);
  put_meta(j, meta);
  json a = json::array();
  std::size_t answered = 0;
  for (const Item* item : answerable_items(q)) {
    const AnswerValue* value = answers.get(item->link_id);
    if (!value) {
      a.push_back(nullptr);
      continue;
    }
    answered = a.size() + 1;
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, Coding>) {
            a.push_back(option_index(*item, v));
          } else if constexpr (std::is_same_v<T, Date>) {
            a.push_back(v.iso);
          } else {
            a.push_back(v);
          }
        },
        *value);
  }
  a.erase(a.begin() + static_cast<std::ptrdiff_t>(answered), a.end());  // trailing nulls say nothing
  j["a"] = std::move(a);
  return dump_secret(j);
}

Result<std::string> checkin_questionnaire(std::string_view payload) {
  auto j = parse_payload(payload);
  if (!j.ok()) return j.status();
  return (*j)["q"].get<std::string>();
}

Result<Checkin> decode_checkin(const Questionnaire& q, std::string_view payload) {
  auto j = parse_payload(payload);
  if (!j.ok()) return j.status();
  if ((*j)["q"].get<std::string>() != questionnaire_ref(q))
    return corrupt("made with questionnaire " + (*j)["q"].get<std::string>() + ", not " + questionnaire_ref(q));
  if (const std::string d = optional_string(*j, "d"); !d.empty() && d != q.digest().substr(0, kDigestChars)) {
    return Status(Errc::not_found, "made with another file under the name " + questionnaire_ref(q) +
                                       " (questionnaire digest " + d + "..., the clinic's is " +
                                       q.digest().substr(0, kDigestChars) + "...): add the version the kiosk used");
  }
  Checkin c;
  c.meta.language = optional_string(*j, "l");
  c.meta.subject = optional_string(*j, "s");
  c.meta.authored = optional_string(*j, "t");
  auto it = j->find("a");
  if (it == j->end() || !it->is_array()) return corrupt("missing \"a\"");
  std::vector<const Item*> items = answerable_items(q);
  if (it->size() > items.size()) return corrupt("more answers than " + q.url() + " has questions");
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    if (v.is_null()) continue;
    auto value = decode_value(*items[i], v);
    if (!value.ok()) return value.status();
    c.answers.set(items[i]->link_id, std::move(*value));
  }
  return c;
}

Result<json> reconstruct_response(const Questionnaire& q, std::string_view payload) {
  auto c = decode_checkin(q, payload);
  if (!c.ok()) return c.status();
  auto a = assess(q, c->answers);
  if (!a.ok()) return a.status();
  return to_response(q, c->answers, *a, c->meta);
}

SecretBytes encode_crisis(const Questionnaire& q, const std::vector<std::string>& critical_items,
                          const ResponseMeta& meta) {
  json j = json::object();
  j["q"] = questionnaire_ref(q);
  j["i"] = critical_items;
  put_meta(j, meta);
  return dump_secret(j);
}

namespace {

// "YYYY-MM-DDTHH:MM:SSZ", the form format_utc writes for years 0000-9999.
bool utc_seconds(std::string_view t) {
  constexpr std::string_view shape = "dddd-dd-ddTdd:dd:ddZ";
  if (t.size() != shape.size()) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const bool ok = shape[i] == 'd' ? (t[i] >= '0' && t[i] <= '9') : t[i] == shape[i];
    if (!ok) return false;
  }
  return true;
}

double tenths(double seconds) { return std::round(seconds * 10) / 10; }

// What is wrong with `e`, "" when nothing is (check_media_event).
std::string media_event_problem(const MediaEvent& e) {
  if (e.channel.empty()) return "channel is empty";
  if (!valid_channel_name(e.channel)) return "channel is not [a-z0-9-]{1,64}";
  if (e.item_id.empty()) return "item id is empty";
  if (!valid_item_id(e.item_id)) return "item id is not [a-z0-9-]{1,64}";
  auto seconds = [](const std::string& name, double v) -> std::string {
    if (!std::isfinite(v)) return name + " is not a finite number";
    if (v < 0) return name + " is negative";
    if (v > kMaxMediaSeconds) return name + " is more than 24 hours";
    return "";
  };
  if (std::string p = seconds("duration", e.duration_s); !p.empty()) return p;
  if (std::string p = seconds("seconds watched", e.seconds_watched); !p.empty()) return p;
  // A duration of 0 is a video whose length is not known; the 1 s absorbs
  // rounding on very short clips.
  if (e.duration_s > 0 && e.seconds_watched > kMaxPlaysPerVideo * e.duration_s + 1)
    return "seconds watched is more than " + std::to_string(static_cast<int>(kMaxPlaysPerVideo)) +
           " times the duration";
  if (!e.captions.empty() && !valid_language_tag(e.captions)) return "captions is not a language tag";
  if (!e.meta.language.empty() && !valid_language_tag(e.meta.language)) return "language is not a language tag";
  if (!e.meta.authored.empty() && !utc_seconds(e.meta.authored))
    return "authored is not a UTC time (YYYY-MM-DDTHH:MM:SSZ)";
  return "";
}

}  // namespace

Status check_media_event(const MediaEvent& e) {
  const std::string problem = media_event_problem(e);
  return problem.empty() ? Status::Ok() : Status(Errc::invalid_argument, "media event: " + problem);
}

SecretBytes encode_media_event(const MediaEvent& e) {
  json j = json::object();
  j["f"] = kMediaEventFormat;
  j["c"] = e.channel;
  j["v"] = e.channel_version;
  j["i"] = e.item_id;
  j["w"] = tenths(e.seconds_watched);
  j["d"] = tenths(e.duration_s);
  j["e"] = e.finished;
  if (!e.captions.empty()) j["cc"] = e.captions;
  put_meta(j, e.meta);
  return dump_secret(j);
}

Result<MediaEvent> decode_media_event(std::string_view payload) {
  auto corrupt_event = [](const std::string& what) {
    return Status(Errc::corrupt, "media-event payload: " + what);
  };
  json j = json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return corrupt_event("not a JSON object");
  auto f = j.find("f");
  if (f == j.end() || !f->is_string()) return corrupt_event("missing the format tag \"f\"");
  if (f->get<std::string>() != kMediaEventFormat)
    return corrupt_event("format tag \"f\" is not " + std::string(kMediaEventFormat));
  static const char* const kKeys[] = {"f", "c", "v", "i", "w", "d", "e", "cc", "l", "s", "t"};
  for (const auto& [key, value] : j.items()) {
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys))
      return corrupt_event("unknown field");  // not named: it came from outside
  }
  auto field = [&](const char* key, bool (json::*is)() const noexcept, const char* want) -> Result<const json*> {
    auto it = j.find(key);
    if (it == j.end()) return corrupt_event(std::string("missing \"") + key + "\"");
    if (!((*it).*is)()) return corrupt_event(std::string("\"") + key + "\" is not " + want);
    return &*it;
  };
  auto text = [&](const char* key, bool required, std::string& out) -> Status {
    if (!required && !j.contains(key)) return Status::Ok();
    auto v = field(key, &json::is_string, "a string");
    if (!v.ok()) return v.status();
    out = (*v)->get<std::string>();
    return Status::Ok();
  };
  MediaEvent e;
  if (Status s = text("c", true, e.channel); !s.ok()) return s;
  if (Status s = text("i", true, e.item_id); !s.ok()) return s;
  if (Status s = text("cc", false, e.captions); !s.ok()) return s;
  if (Status s = text("l", false, e.meta.language); !s.ok()) return s;
  if (Status s = text("s", false, e.meta.subject); !s.ok()) return s;
  if (Status s = text("t", false, e.meta.authored); !s.ok()) return s;
  auto v = field("v", &json::is_number_unsigned, "a whole number");
  if (!v.ok()) return v.status();
  e.channel_version = (*v)->get<std::uint64_t>();
  auto w = field("w", &json::is_number, "a number");
  if (!w.ok()) return w.status();
  e.seconds_watched = (*w)->get<double>();
  auto d = field("d", &json::is_number, "a number");
  if (!d.ok()) return d.status();
  e.duration_s = (*d)->get<double>();
  auto fin = field("e", &json::is_boolean, "true or false");
  if (!fin.ok()) return fin.status();
  e.finished = (*fin)->get<bool>();
  if (std::string p = media_event_problem(e); !p.empty()) return corrupt_event(p);
  return e;
}

}  // namespace outpost::sync
