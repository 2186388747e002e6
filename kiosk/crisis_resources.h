// CrisisResources: what the crisis screen tells a patient ([crisis] in the
// site config). Plain data, shared by config/ (which reads it) and ui/ (which
// shows it), so neither depends on the other.
#pragma once

#include <string>
#include <vector>

#include "kiosk/questionnaire.h"  // LocalizedText

namespace outpost {

struct CrisisLine {
  LocalizedText label;  // "National crisis line"
  std::string number;   // "988"
};

struct CrisisResources {
  LocalizedText heading;  // "You are not alone"
  LocalizedText message;  // "Please tell the staff at the desk now."
  std::vector<CrisisLine> lines;
};

}  // namespace outpost
