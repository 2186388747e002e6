// Internal to the questionnaire engine: non-throwing JSON readers shared by
// the Questionnaire parser and the QuestionnaireResponse reader/writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kiosk/questionnaire.h"
#include "kiosk/result.h"

namespace outpost::qjson {

// obj[key] when obj is an object and the member is a string; else nullptr.
const std::string* string_at(const nlohmann::json& obj, std::string_view key);

// The value as int64 when it is an integer number that fits.
std::optional<std::int64_t> as_int64(const nlohmann::json& v);

bool finite_number(const nlohmann::json& v);

// YYYY, YYYY-MM or YYYY-MM-DD with a real month and day.
bool valid_date(std::string_view s);

// Reads `<prefix>Coding`, `<prefix>Boolean`, ... (key is the whole member
// name) into an AnswerValue. The error message names the key.
Result<AnswerValue> value_from(std::string_view key, std::string_view prefix, const nlohmann::json& v);

// The `<prefix>X` member name for the alternative `v` holds.
std::string value_key(std::string_view prefix, const AnswerValue& v);
// The member name for an answer to an item of `type` ("" for group/display).
std::string value_key(std::string_view prefix, ItemType type);

// The option matching `c`; a coding without system matches by code alone.
const AnswerOption* resolve_option(const Item& item, const Coding& c);

// The one member of `obj` whose name starts with `prefix` (e.g. "answer" for
// answer[x]): its value, with its name in *key. nullptr when there is none;
// *several is set when there is more than one.
const nlohmann::json* one_prefixed(const nlohmann::json& obj, std::string_view prefix, std::string* key,
                                   bool* several);

// "SOURCE: WHERE: WHAT" (WHERE may be empty), the form of every engine error.
Status located_error(Errc code, const std::string& source, const std::string& where, const std::string& what);

// dump() that never throws on invalid UTF-8.
std::string dump_safe(const nlohmann::json& v);

}  // namespace outpost::qjson
