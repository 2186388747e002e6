#include "kiosk/kiosk_id.h"

#include <string>

#include <doctest/doctest.h>

using namespace outpost;

TEST_CASE("one kiosk id rule: 1-64 of [A-Za-z0-9._-], no leading '.'") {
  CHECK(valid_kiosk_id("clinic-3.kiosk_2"));
  CHECK(valid_kiosk_id("a"));
  CHECK(valid_kiosk_id("trailing."));
  CHECK(valid_kiosk_id(std::string(64, 'z')));
  CHECK_FALSE(valid_kiosk_id(""));
  CHECK_FALSE(valid_kiosk_id(std::string(65, 'z')));
  CHECK_FALSE(valid_kiosk_id(".hidden"));
  CHECK_FALSE(valid_kiosk_id(".."));
  CHECK_FALSE(valid_kiosk_id("a/b"));
  CHECK_FALSE(valid_kiosk_id("sp ace"));
  CHECK(check_kiosk_id(".x").message() == "kiosk id must not start with '.'");
}
