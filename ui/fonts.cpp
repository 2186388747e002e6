#include "ui/fonts.h"

#include "ui/theme.h"

namespace outpost::ui {

const ImWchar* glyph_ranges() {
  static const ImWchar kRanges[] = {
      0x0020, 0x00FF,  // Basic Latin, Latin-1 Supplement: á é í ó ú ñ ü ¿ ¡ ·
      0x0100, 0x017F,  // Latin Extended-A
      0x2013, 0x2014,  // – —
      0x2018, 0x201E,  // ‘ ’ “ ” „
      0x2022, 0x2022,  // •
      0x2026, 0x2026,  // …
      0,
  };
  return kRanges;
}

Result<Fonts> load_fonts(std::vector<unsigned char>& regular, std::vector<unsigned char>& bold,
                         const std::string& source) {
  ImFontAtlas* atlas = ImGui::GetIO().Fonts;
  const Metrics& m = metrics();
  ImFontConfig cfg;
  cfg.FontDataOwnedByAtlas = false;  // the caller owns the bytes
  cfg.OversampleH = 1;               // large sizes need no oversampling; keeps the atlas small
  cfg.OversampleV = 1;
  cfg.PixelSnapH = true;  // glyphs on whole pixels: crisp, and unscaled blits in the software renderer
  auto add = [&](std::vector<unsigned char>& ttf, float px) {
    return atlas->AddFontFromMemoryTTF(ttf.data(), static_cast<int>(ttf.size()), px, &cfg, glyph_ranges());
  };
  if (regular.empty() || bold.empty()) return Status(Errc::not_found, source + ": font file is empty");
  Fonts f;
  f.body = add(regular, m.body_px);  // first font added is ImGui's default
  f.body_bold = add(bold, m.body_px);
  f.question = add(bold, m.question_px);
  f.heading = add(bold, m.heading_px);
  f.small = add(regular, m.small_px);
  if (f.body == nullptr || f.body_bold == nullptr || f.question == nullptr || f.heading == nullptr ||
      f.small == nullptr || !atlas->Build())
    return Status(Errc::corrupt, source + ": not a usable TrueType font");
  return f;
}

}  // namespace outpost::ui
