#include "kiosk/questionnaire_json.h"

#include <cmath>
#include <limits>

namespace outpost::qjson {

using nlohmann::json;

const std::string* string_at(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

std::optional<std::int64_t> as_int64(const json& v) {
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  return std::nullopt;
}

bool finite_number(const json& v) {
  return v.is_number() && std::isfinite(v.get<double>());
}

bool valid_date(std::string_view s) {
  auto digits = [&](std::size_t pos, std::size_t n) {
    int value = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (i >= s.size() || s[i] < '0' || s[i] > '9') return -1;
      value = value * 10 + (s[i] - '0');
    }
    return value;
  };
  if (s.size() != 4 && s.size() != 7 && s.size() != 10) return false;
  int year = digits(0, 4);
  if (year < 0) return false;
  if (s.size() == 4) return true;
  if (s[4] != '-') return false;
  int month = digits(5, 2);
  if (month < 1 || month > 12) return false;
  if (s.size() == 7) return true;
  if (s[7] != '-') return false;
  int day = digits(8, 2);
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int max_day = month == 2 && !leap ? 28 : kDays[month - 1];
  return day >= 1 && day <= max_day;
}

namespace {
// Suffixes in AnswerValue alternative order.
constexpr std::string_view kSuffixes[] = {"Coding", "Boolean", "Integer", "Decimal", "String", "Date"};
}  // namespace

Result<AnswerValue> value_from(std::string_view key, std::string_view prefix, const json& v) {
  const std::string name(key);
  std::string_view suffix = key.substr(std::min(prefix.size(), key.size()));
  auto bad = [&](const char* what) { return Result<AnswerValue>(Errc::invalid_argument, name + " " + what); };
  if (suffix == "Coding") {
    if (!v.is_object()) return bad("is not a Coding object");
    const std::string* code = string_at(v, "code");
    if (!code || code->empty()) return bad("has no code");
    Coding c;
    c.code = *code;
    if (v.contains("system")) {
      if (!string_at(v, "system")) return bad("system is not a string");
      c.system = *string_at(v, "system");
    }
    if (const std::string* d = string_at(v, "display")) c.display = *d;
    return AnswerValue(std::move(c));
  }
  if (suffix == "Boolean") {
    if (!v.is_boolean()) return bad("is not true or false");
    return AnswerValue(v.get<bool>());
  }
  if (suffix == "Integer") {
    auto n = as_int64(v);
    if (!n) return bad("is not an integer");
    return AnswerValue(*n);
  }
  if (suffix == "Decimal") {
    if (!finite_number(v)) return bad("is not a number");
    return AnswerValue(v.get<double>());
  }
  if (suffix == "String") {
    if (!v.is_string()) return bad("is not a string");
    return AnswerValue(v.get<std::string>());
  }
  if (suffix == "Date") {
    if (!v.is_string() || !valid_date(v.get_ref<const std::string&>()))
      return bad("is not a date (YYYY, YYYY-MM or YYYY-MM-DD)");
    return AnswerValue(Date{v.get<std::string>()});
  }
  return bad("is not a supported answer type");
}

std::string value_key(std::string_view prefix, const AnswerValue& v) {
  return std::string(prefix) + std::string(kSuffixes[v.index()]);
}

std::string value_key(std::string_view prefix, ItemType type) {
  std::size_t index = 0;
  switch (type) {
    case ItemType::choice:
      index = 0;
      break;
    case ItemType::boolean:
      index = 1;
      break;
    case ItemType::integer:
      index = 2;
      break;
    case ItemType::decimal:
      index = 3;
      break;
    case ItemType::string:
    case ItemType::text:
      index = 4;
      break;
    case ItemType::date:
      index = 5;
      break;
    case ItemType::group:
    case ItemType::display:
    case ItemType::quantity:
      return "";
  }
  return std::string(prefix) + std::string(kSuffixes[index]);
}

const AnswerOption* resolve_option(const Item& item, const Coding& c) {
  if (!c.system.empty()) return item.find_option(c);
  const AnswerOption* found = nullptr;
  for (const auto& opt : item.options) {
    if (opt.coding.code != c.code) continue;
    if (found) return nullptr;  // ambiguous without a system
    found = &opt;
  }
  return found;
}

const json* one_prefixed(const json& obj, std::string_view prefix, std::string* key, bool* several) {
  const json* found = nullptr;
  *several = false;
  for (const auto& [k, v] : obj.items()) {
    if (std::string_view(k).substr(0, prefix.size()) != prefix) continue;
    if (found) {
      *several = true;
      return nullptr;
    }
    found = &v;
    *key = k;
  }
  return found;
}

Status located_error(Errc code, const std::string& source, const std::string& where,
                     const std::string& what) {
  std::string msg = source + ": ";
  if (!where.empty()) msg += where + ": ";
  return {code, msg + what};
}

std::string dump_safe(const json& v) {
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace outpost::qjson
