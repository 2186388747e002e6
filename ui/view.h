// View: what one kiosk screen shows, as plain data.
//
// Each screen (ui/screen_*.cpp) builds a View from the Session's state; the
// renderer (ui/render.cpp) draws it with ImGui; key handling (ui/kiosk_ui.cpp)
// works on its controls; the test hook serialises it (ui/view_json.cpp). So
// what tests read is exactly what was drawn. No ImGui or SDL here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kiosk/session.h"

namespace outpost::ui {

// What activating a control asks of the session (or of the UI itself).
struct Command {
  enum Kind {
    start_checkin,
    choose_language,  // arg: language code
    type_digit,       // arg: "0".."9"
    delete_digit,
    submit_code,
    continue_anonymous,
    choose_option,  // index: option index on the current page
    next,
    back,
    go_to_page,  // index: review line
    submit,
    finish,
    acknowledge_crisis,
    still_here,  // dismisses the idle warning
    open_library,
    play_item,  // index: library item
    play_pause,
    seek_back,     // 10 s
    seek_forward,  // 10 s
    seek_to,       // index: position in thousandths of the duration
    next_captions,  // off, then each caption language in turn
  };
  Command(Kind k, std::size_t i = 0, std::string a = {})  // NOLINT(google-explicit-constructor)
      : kind(k), index(i), arg(std::move(a)) {}
  Kind kind;
  std::size_t index;
  std::string arg;
  bool operator==(const Command&) const = default;
};

enum class Role {
  heading,       // large bold title
  body,          // wrapped paragraph
  question,      // the question text
  context,       // smaller line above a question (questionnaire, group)
  progress,      // "Question 3 of 9", drawn with a bar
  error,         // what went wrong, in the patient's language
  code_display,  // the digits typed so far; private (masked in the hook)
  crisis_line,   // "label: number", large
  answer,        // full-width answer button
  choice,        // full-width button on menus (welcome, language)
  keypad,        // one key of the on-screen keypad
  review_line,   // one answered question on the review screen
  nav,           // bottom bar button (Back, Next, Submit, ...)
  hold,          // press-and-hold button (crisis acknowledgement)
  tile,          // library item: thumbnail, title, duration
  video,         // the playing video with its captions
  seek_bar,      // the position, clicked or dragged to seek
  media_button,  // one of the player's row of controls
};
const char* role_name(Role r);
bool is_control(Role r);

struct Element {
  Role role = Role::body;
  std::string text;                // label or text, in the view's language
  std::string detail;              // second line (review answer, phone number)
  std::optional<Command> command;  // set for controls
  bool enabled = true;
  bool selected = false;  // the chosen answer
  bool primary = false;   // the suggested next step
  int shortcut = -1;      // digit key that activates it, -1 none
  std::string image;      // a picture file drawn with it (tile thumbnail)
  bool operator==(const Element&) const = default;
};

// The player's state, as drawn.
struct MediaView {
  std::string state;  // loading, playing, paused, ended, error
  std::int64_t position_ms = 0, duration_ms = 0;
  std::int64_t frames = 0;   // video frames drawn so far
  std::int64_t dropped = 0;  // frames the player dropped
  std::string captions;      // caption language shown; "" when off
  std::string caption;       // the cue on screen now
  bool audio = true;         // false: the kiosk has no sound output
  std::optional<float> dragging;  // seek bar held at this fraction
  bool operator==(const MediaView&) const = default;
};

struct View {
  Screen screen = Screen::welcome;
  std::string language;  // language the texts are in
  std::vector<Element> elements;
  std::size_t default_focus = 0;  // element index focused when the view appears
  std::size_t progress_index = 0, progress_total = 0;
  // Idle warning shown over the screen: its texts and the seconds left.
  std::vector<Element> overlay;
  std::optional<int> countdown_s;
  // Press-and-hold in progress, 0..1.
  float hold_progress = 0;
  double hold_seconds = 2.0;
  // Identity of the page shown (screen + item), to reset focus on change.
  std::string page_key;
  std::optional<MediaView> media;  // on the player screen
  bool operator==(const View&) const = default;
};

// Indices of enabled controls in `view.elements`, in order.
std::vector<std::size_t> focusable(const View& view);

}  // namespace outpost::ui

namespace outpost::ui {

// Builders for screens.
Element text_element(Role role, std::string text);
Element control(Role role, std::string label, Command command, int shortcut = -1);
// Appends the suggested next step (Next, Send, ...), focused when the view appears.
void add_primary(View& view, Element element);

}  // namespace outpost::ui
