// The kiosk's own words (buttons, instructions, errors) in each language it
// offers. Compiled in: the UI does no I/O. A language is added in
// strings.cpp: one more text in every row of its table, and a case in tr(). Questionnaire texts come from the questionnaires themselves.
#pragma once

#include <string>
#include <string_view>

#include "kiosk/session.h"

namespace outpost::ui {

enum class Msg {
  welcome_heading,
  welcome_body,
  check_in,
  videos,
  join_group,
  coming_soon,
  language_heading,
  code_heading,
  code_body,
  code_continue,
  code_anonymous,
  delete_digit,
  back,
  next,
  question_progress,  // "Question {1} of {2}"
  review_heading,
  review_body,
  review_skipped,
  review_change,
  submit,
  saving_heading,
  saving_body,
  thanks_heading,
  thanks_body,
  finish,
  crisis_hold,  // label of the press-and-hold button
  crisis_hold_hint,
  idle_heading,
  idle_body,  // "... cleared in {1} seconds"
  still_here,
  yes,
  no,
  unsupported_item,
  crisis_unsaved,  // staff notice: "{1}" alerts not yet stored
  library_heading,
  library_empty,
  topic_coping,
  topic_sleep,
  topic_mood,
  topic_anxiety,
  topic_substance_use,
  topic_crisis,
  back_to_videos,
  play,
  pause,
  play_again,
  seek_back,
  seek_forward,
  captions_off,
  captions_in,  // "Captions: {1}"
  position,     // "{1} of {2}"
  loading_video,
  no_sound,
  video_error_heading,
  video_error_body,
};

// The name of a content topic ("sleep") in `lang`; the topic itself when unknown.
std::string topic_name(std::string_view lang, std::string_view topic);

// The message in `lang`; English when the language or message is missing.
const char* tr(std::string_view lang, Msg id);
// tr() with {1} and {2} replaced.
std::string trf(std::string_view lang, Msg id, std::string_view a, std::string_view b = {});
// What the patient is told for a session error; empty for none.
const char* patient_error_text(std::string_view lang, PatientError e);
// A language's name in itself ("Español"); the code itself when unknown.
std::string language_name(std::string_view code);

}  // namespace outpost::ui
