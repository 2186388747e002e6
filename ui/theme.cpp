#include "ui/theme.h"

#include <cmath>

#include <imgui.h>

namespace outpost::ui {
namespace {

double channel(std::uint8_t v) {
  const double c = v / 255.0;
  return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

ImVec4 vec(Rgb c) {
  return ImVec4(c.r / 255.f, c.g / 255.f, c.b / 255.f, 1.f);
}

}  // namespace

double relative_luminance(Rgb c) {
  return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

double contrast_ratio(Rgb a, Rgb b) {
  double la = relative_luminance(a), lb = relative_luminance(b);
  if (la < lb) std::swap(la, lb);
  return (la + 0.05) / (lb + 0.05);
}

const Palette& palette() {
  static const Palette p;
  return p;
}

const Metrics& metrics() {
  static const Metrics m;
  return m;
}

std::vector<ContrastPair> text_pairs(const Palette& p) {
  return {
      {"text on background", p.text, p.background},
      {"muted text on background", p.muted_text, p.background},
      {"error text on background", p.error_text, p.background},
      {"button text on button", p.button_text, p.button},
      {"button text on hovered button", p.button_text, p.button_hover},
      {"answer text on answer", p.answer_text, p.answer},
      {"selected text on selected answer", p.selected_text, p.selected},
      {"disabled text on disabled button", p.disabled_text, p.disabled},
      {"crisis text on crisis background", p.crisis_text, p.crisis_background},
      {"error text on crisis background", p.crisis_error_text, p.crisis_background},
      {"button text on hold progress", p.button_text, p.hold_fill},
  };
}

void apply_theme() {
  const Palette& p = palette();
  const Metrics& m = metrics();
  ImGuiStyle& s = ImGui::GetStyle();
  s = ImGuiStyle();
  s.WindowPadding = ImVec2(m.margin, m.margin / 2);
  s.WindowBorderSize = 0;
  s.WindowRounding = 0;
  s.FrameRounding = 10;
  s.FrameBorderSize = 0;
  s.FramePadding = ImVec2(28, 16);
  s.ItemSpacing = ImVec2(m.gap, m.gap);
  s.ScrollbarSize = 40;
  s.ScrollbarRounding = 10;
  s.DisabledAlpha = 1.0f;  // disabled controls use their own colours, never faded text
  s.ButtonTextAlign = ImVec2(0.5f, 0.5f);
  ImVec4* c = s.Colors;
  c[ImGuiCol_WindowBg] = vec(p.background);
  c[ImGuiCol_ChildBg] = vec(p.background);
  c[ImGuiCol_PopupBg] = vec(p.background);
  c[ImGuiCol_Text] = vec(p.text);
  c[ImGuiCol_TextDisabled] = vec(p.disabled_text);
  c[ImGuiCol_Button] = vec(p.button);
  c[ImGuiCol_ButtonHovered] = vec(p.button_hover);
  c[ImGuiCol_ButtonActive] = vec(p.button_hover);
  c[ImGuiCol_FrameBg] = vec(p.answer);
  c[ImGuiCol_PlotHistogram] = vec(p.button);
  c[ImGuiCol_ScrollbarBg] = vec(p.answer);
  c[ImGuiCol_ScrollbarGrab] = vec(p.button);
  c[ImGuiCol_ScrollbarGrabHovered] = vec(p.button_hover);
  c[ImGuiCol_ScrollbarGrabActive] = vec(p.button_hover);
  c[ImGuiCol_ModalWindowDimBg] = ImVec4(0, 0, 0, 0.6f);
  c[ImGuiCol_Border] = vec(p.button);
}

}  // namespace outpost::ui
