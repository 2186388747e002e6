#include "kiosk/result.h"

#include <doctest/doctest.h>

using namespace outpost;

TEST_CASE("Result carries a value or an error with its message") {
  Result<int> good = 7;
  REQUIRE(good.ok());
  CHECK(*good == 7);
  CHECK(good.status().ok());

  Result<int> bad(Errc::storage_full, "no space left on /data");
  CHECK_FALSE(bad.ok());
  CHECK(bad.status().code() == Errc::storage_full);
  CHECK(bad.status().to_string() == "storage_full: no space left on /data");
}
