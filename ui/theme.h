// The kiosk's high-contrast theme and the sizes that make it legible from
// 60 cm (docs/design.md, "Kiosk UI"). Colours are plain RGB so the contrast
// ratios can be computed and tested without a window.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace outpost::ui {

struct Rgb {
  std::uint8_t r, g, b;
};

// WCAG 2.x relative luminance and contrast ratio (1..21).
double relative_luminance(Rgb c);
double contrast_ratio(Rgb a, Rgb b);

struct Palette {
  Rgb background{0xFF, 0xFF, 0xFF};
  Rgb text{0x1A, 0x1A, 0x1A};
  Rgb muted_text{0x4A, 0x4A, 0x4A};  // context lines, hints
  Rgb button{0x1F, 0x3A, 0x5F};      // dark navy
  Rgb button_hover{0x2C, 0x4F, 0x7C};
  Rgb button_text{0xFF, 0xFF, 0xFF};
  Rgb answer{0xE6, 0xEC, 0xF3};  // unselected answer, light
  Rgb answer_text{0x1A, 0x1A, 0x1A};
  Rgb selected{0x1F, 0x3A, 0x5F};  // chosen answer: navy, white text
  Rgb selected_text{0xFF, 0xFF, 0xFF};
  Rgb disabled{0xE0, 0xE0, 0xE0};
  Rgb disabled_text{0x59, 0x59, 0x59};
  Rgb focus{0xB3, 0x4A, 0x00};  // focus ring, dark orange
  Rgb error_text{0xA3, 0x00, 0x00};
  Rgb crisis_background{0x7A, 0x0A, 0x0A};
  Rgb crisis_text{0xFF, 0xFF, 0xFF};
  Rgb crisis_error_text{0xFF, 0xD4, 0x00};  // staff notices on the crisis screen
  Rgb hold_fill{0x0B, 0x5E, 0x2A};  // press-and-hold progress
};

const Palette& palette();

// Every (foreground, background) pair the theme draws text with, named, for
// tests and the design document.
struct ContrastPair {
  std::string name;
  Rgb fg, bg;
};
std::vector<ContrastPair> text_pairs(const Palette& p);

// Pixel sizes at 1080p (22" 16:9 screen: 487 mm / 1920 = 0.254 mm per pixel).
struct Metrics {
  float body_px = 38;
  float question_px = 50;
  float heading_px = 64;
  float small_px = 32;
  float answer_height = 112;  // >= 96 px = 24 mm
  float nav_height = 104;
  float keypad_key_width = 200;   // digit keys; Delete is two keys wide
  float keypad_key_height = 100;  // >= 96 px
  float margin = 80;
  float gap = 20;
  float focus_ring = 6;
};
const Metrics& metrics();

// Applies the palette to the current ImGui style.
void apply_theme();

}  // namespace outpost::ui
