// The kiosk id rule, shared by the site config (kiosk.id) and the clinic's
// key directory (kiosks/<kiosk-id>.pk), so both accept the same ids.
//
// A kiosk id is 1-64 characters of [A-Za-z0-9._-] and does not start with
// '.': it names a file and a drop-box folder, which must not be hidden or
// be "." or "..".
#pragma once

#include <string_view>

#include "kiosk/result.h"

namespace outpost {

inline constexpr std::size_t kKioskIdMaxLength = 64;

// Ok, or Errc::invalid_argument with a message that says which part of the
// rule `id` breaks.
[[nodiscard]] Status check_kiosk_id(std::string_view id);

[[nodiscard]] inline bool valid_kiosk_id(std::string_view id) { return check_kiosk_id(id).ok(); }

}  // namespace outpost
