// One function per kiosk screen, each in its own file (screen_<name>.cpp):
// it reads the Session and builds the View the renderer draws. Screens never
// change the session; activating a control yields a Command.
#pragma once

#include <string>

#include "kiosk/crisis_resources.h"
#include "kiosk/library.h"
#include "kiosk/session.h"
#include "ui/strings.h"
#include "ui/view.h"

namespace outpost::ui {

struct ScreenContext {
  const Session& session;
  const CrisisResources& crisis;
  const std::string& lang;        // the language texts are shown in
  const std::string& typed_code;  // digits typed on the code screen, UI-held
  const Library* library;         // the installed videos; null when none
  const MediaView* media;         // the player's state on the player screen
};

View welcome_screen(const ScreenContext& ctx);
View language_screen(const ScreenContext& ctx);
View patient_code_screen(const ScreenContext& ctx);
View question_screen(const ScreenContext& ctx);
View review_screen(const ScreenContext& ctx);
View submitting_screen(const ScreenContext& ctx);
View submitted_screen(const ScreenContext& ctx);
View crisis_screen(const ScreenContext& ctx);
View library_screen(const ScreenContext& ctx);
View player_screen(const ScreenContext& ctx);
// The idle warning, drawn over whatever screen is showing.
void add_idle_warning(const ScreenContext& ctx, View& view);

// The view for the session's current screen, with the idle warning if due.
View build_view(const ScreenContext& ctx);

// The session's error for the patient, when there is one.
void add_patient_error(const ScreenContext& ctx, View& view);
// For staff, while crisis alerts are not yet stored (welcome and crisis screens).
void add_unsaved_crisis_notice(const ScreenContext& ctx, View& view);
// A heading in the current language, then smaller in each other offered one,
// so a patient finds theirs before choosing it.
void add_heading_in_every_language(const ScreenContext& ctx, View& view, Msg heading);

// "3:25", "1:02:03".
std::string clock_text(std::int64_t ms);
// The library item the player shows; null when it is not in the library.
const LibraryItem* watched_item(const ScreenContext& ctx);

// The label of an answer value on `item`, in `lang` (for review and the
// selected answer).
std::string answer_label(const Item& item, const AnswerValue& value, const std::string& lang);

}  // namespace outpost::ui
