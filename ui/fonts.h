// Noto Sans at the theme's sizes, with the glyphs Spanish and the other
// offered languages need (Latin, Latin-1 Supplement, Latin Extended-A, dashes
// and quotes). The program reads the font files; this only hands the bytes
// to ImGui's atlas.
#pragma once

#include <string>
#include <vector>

#include <imgui.h>

#include "kiosk/result.h"

namespace outpost::ui {

struct Fonts {
  ImFont* body = nullptr;
  ImFont* body_bold = nullptr;
  ImFont* question = nullptr;
  ImFont* heading = nullptr;
  ImFont* small = nullptr;
};

// The glyph ranges loaded, as ImGui wants them (pairs, zero-terminated).
const ImWchar* glyph_ranges();

// Adds the fonts to the current ImGui context's atlas. `regular` and `bold`
// hold TrueType files and must outlive the ImGui context (the atlas keeps
// pointers into them). `source` names them in errors.
Result<Fonts> load_fonts(std::vector<unsigned char>& regular, std::vector<unsigned char>& bold,
                         const std::string& source);

}  // namespace outpost::ui
