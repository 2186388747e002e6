// SessionConfig: the check-in's settings ([kiosk] in the site config). Plain
// data, so that config/ fills it without depending on the Session.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace outpost {

struct SessionConfig {
  std::vector<std::string> languages{"en"};  // offered, in order; never empty
  bool allow_anonymous = false;
  std::chrono::milliseconds idle_timeout{90'000};      // no input, then the warning
  std::chrono::milliseconds idle_warning{20'000};      // countdown, then the wipe
  std::chrono::milliseconds submitted_linger{15'000};  // thank-you, then welcome
};

}  // namespace outpost
