// The test hook's view of a frame: what the patient sees, as one JSON object
// (docs/design.md, "Kiosk UI"). Typed code digits are masked; answers appear
// only as the highlighted option label, the review screen's lines and nothing
// else.
#pragma once

#include <cstddef>

#include <nlohmann/json.hpp>

#include "ui/view.h"

namespace outpost::ui {

nlohmann::json view_json(const View& view, std::size_t focus);

}  // namespace outpost::ui
