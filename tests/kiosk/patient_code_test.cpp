#include "kiosk/patient_code.h"

#include <string>
#include <vector>

#include <doctest/doctest.h>

using namespace outpost;

namespace {

// Codes built from a few different data digit patterns, check digit appended.
std::vector<std::string> sample_codes() {
  std::vector<std::string> codes;
  for (const char* data : {"12345678", "00000000", "99999999", "57240000", "31415926", "80808080"}) {
    auto code = make_patient_code(data);
    REQUIRE(code.ok());
    codes.push_back(*code);
  }
  return codes;
}

}  // namespace

TEST_CASE("damm_check_digit matches known vectors") {
  CHECK(damm_check_digit("572") == '4');        // the textbook example
  CHECK(damm_check_digit("5724") == '0');       // a valid string runs back to 0
  CHECK(damm_check_digit("") == '0');
  CHECK(damm_check_digit("0") == '0');
  CHECK(damm_check_digit("1") == '3');          // row 0, column 1
  CHECK(damm_check_digit("11294") == '6');
  CHECK(damm_check_digit("12a") == '\0');
}

TEST_CASE("make_patient_code appends the check digit to exactly 8 digits") {
  auto code = make_patient_code("12345678");
  REQUIRE(code.ok());
  CHECK(code->size() == kPatientCodeDigits);
  CHECK(code->substr(0, 8) == "12345678");
  CHECK(code->back() == damm_check_digit("12345678"));
  CHECK(check_patient_code(*code).error == PatientCodeError::ok);

  for (const char* bad : {"", "1234567", "123456789", "1234567x", "1234 567"}) {
    auto r = make_patient_code(bad);
    CHECK_FALSE(r.ok());
    CHECK(r.status().code() == Errc::invalid_argument);
    CHECK(r.status().message().find("8 digits") != std::string::npos);
  }
}

TEST_CASE("check_patient_code normalizes spaces and dashes") {
  const std::string code = *make_patient_code("12345678");
  const std::string shown = format_patient_code(code);
  CHECK(shown == "1234 5678 " + code.substr(8));

  for (const std::string& typed : {code, shown, " " + code + " ", code.substr(0, 4) + "-" + code.substr(4, 4) + "-" +
                                                                   code.substr(8)}) {
    PatientCodeCheck r = check_patient_code(typed);
    CHECK(r.error == PatientCodeError::ok);
    CHECK(r.normalized == code);
  }
}

TEST_CASE("check_patient_code names each error") {
  const std::string code = *make_patient_code("12345678");
  CHECK(check_patient_code("").error == PatientCodeError::empty);
  CHECK(check_patient_code(" - ").error == PatientCodeError::empty);
  CHECK(check_patient_code("1234").error == PatientCodeError::too_short);
  CHECK(check_patient_code(code.substr(0, 8)).error == PatientCodeError::too_short);
  CHECK(check_patient_code(code + "0").error == PatientCodeError::too_long);
  CHECK(check_patient_code("1234x5678").error == PatientCodeError::not_a_digit);
  CHECK(check_patient_code("１２３").error == PatientCodeError::not_a_digit);  // full-width digits
  std::string wrong = code;
  wrong[8] = wrong[8] == '9' ? '0' : static_cast<char>(wrong[8] + 1);
  PatientCodeCheck r = check_patient_code(wrong);
  CHECK(r.error == PatientCodeError::check_failed);
  CHECK(r.normalized.empty());

  CHECK(std::string(patient_code_error_message(PatientCodeError::check_failed)) ==
        "patient code: the check digit does not match (mistyped?)");
  for (auto e : {PatientCodeError::empty, PatientCodeError::too_short, PatientCodeError::too_long,
                 PatientCodeError::not_a_digit}) {
    CHECK(std::string(patient_code_error_message(e)).rfind("patient code: ", 0) == 0);
  }
}

TEST_CASE("every single-digit substitution is rejected") {
  for (const std::string& code : sample_codes()) {
    REQUIRE(check_patient_code(code).error == PatientCodeError::ok);
    for (std::size_t pos = 0; pos < code.size(); ++pos) {
      for (char d = '0'; d <= '9'; ++d) {
        if (d == code[pos]) continue;
        std::string typo = code;
        typo[pos] = d;
        INFO("position " << pos << " digit " << d);
        CHECK(check_patient_code(typo).error == PatientCodeError::check_failed);
      }
    }
  }
}

TEST_CASE("every adjacent transposition of different digits is rejected") {
  int swaps = 0;
  for (const std::string& code : sample_codes()) {
    for (std::size_t pos = 0; pos + 1 < code.size(); ++pos) {
      if (code[pos] == code[pos + 1]) continue;
      std::string swapped = code;
      std::swap(swapped[pos], swapped[pos + 1]);
      INFO("swap at position " << pos);
      CHECK(check_patient_code(swapped).error == PatientCodeError::check_failed);
      ++swaps;
    }
  }
  CHECK(swaps >= 25);  // the sample codes really exercise the property
}

TEST_CASE("format_patient_code groups 4-4-1 and leaves other input alone") {
  CHECK(format_patient_code("123456789") == "1234 5678 9");
  CHECK(format_patient_code("12345") == "12345");
  CHECK(format_patient_code("") == "");
}
