#include "kiosk/patient_code.h"

namespace outpost {
namespace {

// The standard Damm quasigroup of order 10 (weakly totally anti-symmetric,
// zero diagonal): row = interim digit, column = next input digit.
constexpr char kDamm[10][10] = {
    {0, 3, 1, 7, 5, 9, 8, 6, 4, 2}, {7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
    {4, 2, 0, 6, 8, 7, 1, 3, 5, 9}, {1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
    {6, 1, 2, 3, 0, 4, 5, 9, 7, 8}, {3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
    {5, 8, 6, 9, 7, 2, 0, 1, 3, 4}, {8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
    {9, 4, 3, 8, 6, 1, 7, 2, 0, 5}, {2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

}  // namespace

char damm_check_digit(std::string_view digits) {
  if (!all_digits(digits)) return '\0';
  int interim = 0;
  for (char c : digits) interim = kDamm[interim][c - '0'];
  return static_cast<char>('0' + interim);
}

PatientCodeCheck check_patient_code(std::string_view typed) {
  PatientCodeCheck out;
  for (char c : typed) {
    if (c == ' ' || c == '-') continue;
    if (!is_digit(c)) {
      out.error = PatientCodeError::not_a_digit;
      out.normalized.clear();
      return out;
    }
    out.normalized.push_back(c);
  }
  if (out.normalized.empty()) {
    out.error = PatientCodeError::empty;
  } else if (out.normalized.size() < kPatientCodeDigits) {
    out.error = PatientCodeError::too_short;
  } else if (out.normalized.size() > kPatientCodeDigits) {
    out.error = PatientCodeError::too_long;
  } else if (damm_check_digit(out.normalized) != '0') {
    // A valid code (data digits + check digit) runs the quasigroup back to 0.
    out.error = PatientCodeError::check_failed;
  }
  if (out.error != PatientCodeError::ok) out.normalized.clear();
  return out;
}

std::string format_patient_code(std::string_view normalized) {
  if (normalized.size() != kPatientCodeDigits || !all_digits(normalized)) return std::string(normalized);
  std::string out;
  out.reserve(kPatientCodeDigits + 2);
  out.append(normalized.substr(0, 4)).append(" ").append(normalized.substr(4, 4)).append(" ");
  out.push_back(normalized[8]);
  return out;
}

Result<std::string> make_patient_code(std::string_view eight_digits) {
  if (eight_digits.size() != kPatientCodeDigits - 1 || !all_digits(eight_digits)) {
    return Status(Errc::invalid_argument, "patient code: need exactly 8 digits to add a check digit to, got " +
                                              std::to_string(eight_digits.size()) + " characters");
  }
  std::string code(eight_digits);
  code.push_back(damm_check_digit(eight_digits));
  return code;
}

const char* patient_code_error_message(PatientCodeError e) {
  switch (e) {
    case PatientCodeError::ok:
      return "patient code: ok";
    case PatientCodeError::empty:
      return "patient code: nothing was typed";
    case PatientCodeError::too_short:
      return "patient code: too few digits (a code has 9 digits, e.g. 1234 5678 9)";
    case PatientCodeError::too_long:
      return "patient code: too many digits (a code has 9 digits, e.g. 1234 5678 9)";
    case PatientCodeError::not_a_digit:
      return "patient code: only digits, spaces and dashes are allowed";
    case PatientCodeError::check_failed:
      return "patient code: the check digit does not match (mistyped?)";
  }
  return "patient code: unknown error";
}

}  // namespace outpost
