// Patient codes: clinic-issued identifiers a patient types on the kiosk.
//
// Format (docs/design.md, "Patient codes"): 8 decimal digits followed by one
// Damm check digit, shown as "1234 5678 9". Digits only, so the on-screen
// keypad has ten large keys; the Damm check catches every single-digit error
// and every swap of adjacent digits. Spaces and dashes typed by staff are
// ignored.
#pragma once

#include <string>
#include <string_view>

#include "kiosk/result.h"

namespace outpost {

inline constexpr std::size_t kPatientCodeDigits = 9;  // 8 data + 1 check

enum class PatientCodeError { ok, empty, too_short, too_long, not_a_digit, check_failed };

struct PatientCodeCheck {
  PatientCodeError error = PatientCodeError::ok;
  std::string normalized;  // the 9 digits, when ok
};

// Strips spaces and dashes and checks length, characters and check digit.
PatientCodeCheck check_patient_code(std::string_view typed);

// "1234 5678 9"
std::string format_patient_code(std::string_view normalized);

// The Damm check digit for a string of digits; '\0' when any character is
// not a digit. A full valid code yields '0'.
char damm_check_digit(std::string_view digits);

// Appends the check digit to 8 data digits (for `outpost-clinic` issuing codes).
Result<std::string> make_patient_code(std::string_view eight_digits);

// A sentence for staff, e.g. "patient code: the check digit does not match (mistyped?)".
const char* patient_code_error_message(PatientCodeError e);

}  // namespace outpost
