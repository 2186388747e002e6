#include "ui/view_json.h"

namespace outpost::ui {
namespace {

std::string masked(const std::string& s) {
  std::string out;
  for (char c : s) out += (c >= '0' && c <= '9') ? std::string("\u2022") : std::string(1, c);
  return out;
}

void add_elements(const std::vector<Element>& els, std::size_t focus, bool active, nlohmann::json& texts,
                  nlohmann::json& controls, nlohmann::json& focused) {
  for (std::size_t i = 0; i < els.size(); ++i) {
    const Element& e = els[i];
    if (!is_control(e.role)) {
      texts.push_back(e.role == Role::code_display ? masked(e.text) : e.text);
      if (!e.detail.empty()) texts.push_back(e.detail);
      continue;
    }
    nlohmann::json c{{"role", role_name(e.role)}, {"label", e.text}, {"enabled", e.enabled}};
    if (!e.detail.empty()) c["detail"] = e.detail;
    if (e.selected) c["selected"] = true;
    if (e.shortcut >= 0) c["key"] = e.shortcut;
    if (!e.image.empty()) c["image"] = true;
    if (active && i == focus) {
      c["focused"] = true;
      focused = e.text;
    }
    controls.push_back(std::move(c));
  }
}

}  // namespace

nlohmann::json view_json(const View& view, std::size_t focus) {
  nlohmann::json j{{"screen", screen_name(view.screen)}, {"language", view.language}};
  nlohmann::json texts = nlohmann::json::array(), controls = nlohmann::json::array(), focused = nullptr;
  const bool modal = !view.overlay.empty();
  add_elements(view.elements, focus, !modal, texts, controls, focused);
  j["texts"] = std::move(texts);
  j["controls"] = std::move(controls);
  if (view.progress_total > 0) j["progress"] = {view.progress_index, view.progress_total};
  if (modal) {
    nlohmann::json otexts = nlohmann::json::array(), ocontrols = nlohmann::json::array();
    add_elements(view.overlay, focus, true, otexts, ocontrols, focused);
    j["overlay"] = {{"texts", std::move(otexts)}, {"controls", std::move(ocontrols)}};
  }
  j["focus"] = focused;
  j["countdown"] = view.countdown_s ? nlohmann::json(*view.countdown_s) : nlohmann::json(nullptr);
  if (view.hold_progress > 0) j["hold"] = view.hold_progress;
  if (view.media) {
    const MediaView& m = *view.media;
    j["media"] = {{"state", m.state},       {"position_ms", m.position_ms},
                  {"duration_ms", m.duration_ms}, {"frames", m.frames},
                  {"dropped", m.dropped},   {"audio", m.audio},
                  {"captions", m.captions.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.captions)},
                  {"caption", m.caption.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.caption)}};
  }
  return j;
}

}  // namespace outpost::ui
