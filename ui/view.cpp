#include "ui/view.h"

namespace outpost::ui {

const char* role_name(Role r) {
  switch (r) {
    case Role::heading:
      return "heading";
    case Role::body:
      return "body";
    case Role::question:
      return "question";
    case Role::context:
      return "context";
    case Role::progress:
      return "progress";
    case Role::error:
      return "error";
    case Role::code_display:
      return "code_display";
    case Role::crisis_line:
      return "crisis_line";
    case Role::answer:
      return "answer";
    case Role::choice:
      return "choice";
    case Role::keypad:
      return "keypad";
    case Role::review_line:
      return "review_line";
    case Role::nav:
      return "nav";
    case Role::hold:
      return "hold";
    case Role::tile:
      return "tile";
    case Role::video:
      return "video";
    case Role::seek_bar:
      return "seek_bar";
    case Role::media_button:
      return "media_button";
  }
  return "?";
}

bool is_control(Role r) {
  switch (r) {
    case Role::answer:
    case Role::choice:
    case Role::keypad:
    case Role::review_line:
    case Role::nav:
    case Role::hold:
    case Role::tile:
    case Role::seek_bar:
    case Role::media_button:
      return true;
    default:
      return false;
  }
}

std::vector<std::size_t> focusable(const View& view) {
  const auto& els = view.overlay.empty() ? view.elements : view.overlay;
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < els.size(); ++i)
    if (is_control(els[i].role) && els[i].enabled && els[i].command) out.push_back(i);
  return out;
}

Element text_element(Role role, std::string text) {
  Element e;
  e.role = role;
  e.text = std::move(text);
  return e;
}

void add_primary(View& view, Element element) {
  element.primary = true;
  view.default_focus = view.elements.size();
  view.elements.push_back(std::move(element));
}

Element control(Role role, std::string label, Command command, int shortcut) {
  Element e;
  e.role = role;
  e.text = std::move(label);
  e.command = std::move(command);
  e.shortcut = shortcut;
  return e;
}

}  // namespace outpost::ui
