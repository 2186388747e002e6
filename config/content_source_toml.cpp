#include "config/content_source_toml.h"

#include <algorithm>
#include <cstdio>
#include <system_error>

#include <toml++/toml.h>

#include "config/toml_errors.h"
#include "kiosk/file_read.h"
#include "kiosk/patient_code.h"
#include "kiosk/utc_time.h"

namespace outpost {
namespace fs = std::filesystem;
namespace {

bool id_like(const std::string& s) {
  return !s.empty() && s.size() <= 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

Result<toml::table> parse_file(const fs::path& file) {
  auto text = read_file_checked(file, 1 << 20, "content metadata file");
  if (!text.ok()) return text.status();
  try {
    return toml::parse(*text, file.string());
  } catch (const toml::parse_error& e) {
    return toml_syntax_error(file.string(), e);
  }
}

Status lang_table(const toml::node& n, const std::string& src, const std::string& key,
                  std::map<std::string, std::string>& out) {
  const auto* t = n.as_table();
  if (t == nullptr) return toml_wrong_type(src, n, key, "a table of language = \"text\"");
  for (auto&& [lang, v] : *t) {
    const auto* s = v.as_string();
    if (s == nullptr || s->get().empty())
      return toml_error(src, &v, key + "." + std::string(lang.str()), "must be a non-empty string");
    out[std::string(lang.str())] = s->get();
  }
  return Status::Ok();
}

// A file named in item.toml: a plain name inside the item's folder, present.
Status item_file(const toml::node& n, const std::string& src, const std::string& key, const fs::path& dir,
                 fs::path& out) {
  const auto* s = n.as_string();
  if (s == nullptr) return toml_wrong_type(src, n, key, "a file name");
  const std::string name = s->get();
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == ".." || name.front() == '.')
    return toml_error(src, &n, key, "'" + name + "' must be a file name in the item's folder");
  out = dir / name;
  std::error_code ec;
  if (!fs::is_regular_file(out, ec)) return toml_error(src, &n, key, out.string() + " is not there");
  return Status::Ok();
}

Result<ContentSourceItem> load_item(const fs::path& dir) {
  ContentSourceItem it;
  it.id = dir.filename().string();
  it.metadata = dir / "item.toml";
  const std::string src = it.metadata.string();
  auto t = parse_file(it.metadata);
  if (!t.ok()) return t.status();
  for (auto&& [k, v] : *t) {
    const std::string key(k.str());
    Status s = Status::Ok();
    if (key == "topic") {
      if (const auto* str = v.as_string()) it.topic = str->get();
      else s = toml_wrong_type(src, v, key, "a string");
    } else if (key == "order") {
      if (const auto* i = v.as_integer()) it.order = i->get();
      else s = toml_wrong_type(src, v, key, "a whole number");
    } else if (key == "video") {
      s = item_file(v, src, key, dir, it.video);
    } else if (key == "thumbnail") {
      s = item_file(v, src, key, dir, it.thumbnail);
    } else if (key == "title" || key == "description") {
      s = lang_table(v, src, key, key == "title" ? it.title : it.description);
    } else if (key == "captions") {
      const auto* caps = v.as_table();
      if (caps == nullptr) {
        s = toml_wrong_type(src, v, key, "a table of language = \"file.vtt\"");
      } else {
        for (auto&& [lang, file] : *caps) {
          if (!s.ok()) break;
          s = item_file(file, src, "captions." + std::string(lang.str()), dir, it.captions[std::string(lang.str())]);
        }
      }
    } else {
      s = toml_error(src, &v, key, "unknown key");
    }
    if (!s.ok()) return s;
  }
  for (const char* required : {"topic", "video", "thumbnail", "title"})
    if (!t->contains(required)) return toml_error(src, nullptr, required, "missing");
  return it;
}

// A TOML offset date-time as YYYY-MM-DDTHH:MM:SSZ (whole seconds).
Status utc_of(const toml::node& n, const std::string& src, const std::string& key, std::string& out) {
  const auto* dt = n.as_date_time();
  if (dt == nullptr || !dt->get().offset)
    return toml_wrong_type(src, n, key, "a date and time with its offset (2026-12-08T17:00:00Z)");
  const toml::date_time& v = dt->get();
  char local[64];
  std::snprintf(local, sizeof local, "%04u-%02u-%02uT%02u:%02u:%02uZ", static_cast<unsigned>(v.date.year),
                static_cast<unsigned>(v.date.month), static_cast<unsigned>(v.date.day),
                static_cast<unsigned>(v.time.hour), static_cast<unsigned>(v.time.minute),
                static_cast<unsigned>(v.time.second));
  const auto ms = parse_utc(local);
  if (!ms) return toml_error(src, &n, key, "not a real date and time");
  out = format_utc(*ms - static_cast<std::int64_t>(v.offset->minutes) * 60'000);
  return Status::Ok();
}

Result<ContentSourceSession> load_session(const toml::table& t, const std::string& src, const std::string& at) {
  ContentSourceSession s;
  for (auto&& [k, v] : t) {
    const std::string key(k.str()), where = at + "." + key;
    Status st = Status::Ok();
    auto text = [&](std::string& out) {
      if (const auto* str = v.as_string()) out = str->get();
      else st = toml_wrong_type(src, v, where, "a string");
    };
    if (key == "id" || key == "kind" || key == "server" || key == "pin") {
      text(key == "id" ? s.id : key == "kind" ? s.kind : key == "server" ? s.server : s.pin);
    } else if (key == "title") {
      st = lang_table(v, src, where, s.title);
    } else if (key == "start" || key == "end") {
      st = utc_of(v, src, where, key == "start" ? s.start : s.end);
    } else if (key == "room") {
      const auto* i = v.as_integer();
      if (i == nullptr) st = toml_wrong_type(src, v, where, "a whole number");
      else if (i->get() < 1) st = toml_error(src, &v, where, "must be 1 or more");
      else s.room = i->get();
    } else if (key == "patients") {
      const auto* arr = v.as_array();
      if (arr == nullptr) {
        st = toml_wrong_type(src, v, where, "an array of patient codes");
      } else {
        for (const auto& e : *arr) {
          const auto* code = e.as_string();
          const PatientCodeCheck c = code ? check_patient_code(code->get()) : PatientCodeCheck{PatientCodeError::empty, {}};
          // The message names the entry, never the code.
          if (c.error != PatientCodeError::ok) {
            st = toml_error(src, &e, where, std::string("an entry is not a patient code: ") +
                                                patient_code_error_message(c.error));
            break;
          }
          s.patients.push_back(c.normalized);
        }
      }
    } else {
      st = toml_error(src, &v, where, "unknown key");
    }
    if (!st.ok()) return st;
  }
  for (const char* required : {"id", "kind", "title", "start", "end", "server", "room"})
    if (!t.contains(required)) return toml_error(src, nullptr, at + "." + required, "missing");
  return s;
}

// DIR/schedule.toml: [[session]] tables.
Status load_schedule(const fs::path& file, ContentSource& c) {
  auto t = parse_file(file);
  if (!t.ok()) return t.status();
  c.schedule_file = file;
  for (auto&& [k, v] : *t) {
    const std::string key(k.str());
    const auto* arr = v.as_array();
    if (key != "session") return toml_error(file.string(), &v, key, "unknown key");
    if (arr == nullptr || !arr->is_array_of_tables())
      return toml_wrong_type(file.string(), v, key, "[[session]] tables");
    for (std::size_t i = 0; i < arr->size(); ++i) {
      auto s = load_session(*(*arr)[i].as_table(), file.string(), "session[" + std::to_string(i) + "]");
      if (!s.ok()) return s.status();
      c.sessions.push_back(std::move(*s));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<ContentSource> load_content_source(const fs::path& dir) {
  ContentSource c;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status(Errc::not_found, dir.string() + ": not a folder");
  const fs::path channel = dir / "channel.toml";
  if (fs::exists(channel, ec)) {
    auto t = parse_file(channel);
    if (!t.ok()) return t.status();
    for (auto&& [k, v] : *t) {
      const std::string key(k.str());
      if (key == "default_language") {
        const auto* s = v.as_string();
        if (s == nullptr) return toml_wrong_type(channel.string(), v, key, "a language tag");
        c.default_language = s->get();
      } else if (key == "title") {
        if (Status s = lang_table(v, channel.string(), key, c.title); !s.ok()) return s;
      } else {
        return toml_error(channel.string(), &v, key, "unknown key");
      }
    }
  }
  std::vector<fs::path> folders;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_directory() || e.is_symlink()) continue;
    const std::string name = e.path().filename().string();
    if (name.front() == '.') continue;
    if (!id_like(name)) return Status(Errc::invalid_config, e.path().string() + ": an item folder name must be 1-64 of a-z 0-9 -");
    folders.push_back(e.path());
  }
  if (ec) return Status(Errc::io_error, dir.string() + ": cannot list: " + ec.message());
  std::sort(folders.begin(), folders.end());
  for (const fs::path& f : folders) {
    auto it = load_item(f);
    if (!it.ok()) return it.status();
    c.items.push_back(std::move(*it));
  }
  if (c.items.empty()) return Status(Errc::invalid_config, dir.string() + ": no item folders (each with an item.toml)");
  if (fs::exists(dir / "schedule.toml", ec))
    if (Status s = load_schedule(dir / "schedule.toml", c); !s.ok()) return s;
  return c;
}

}  // namespace outpost
