// Saving, then the thank-you once the outbox has made the check-in durable.
#include "ui/screens.h"
#include "ui/strings.h"

namespace outpost::ui {

// While the outbox writes (Session::submit): nothing to press, no answers
// on screen.
View submitting_screen(const ScreenContext& ctx) {
  View v;
  v.elements.push_back(text_element(Role::heading, tr(ctx.lang, Msg::saving_heading)));
  v.elements.push_back(text_element(Role::body, tr(ctx.lang, Msg::saving_body)));
  return v;
}

View submitted_screen(const ScreenContext& ctx) {
  View v;
  v.elements.push_back(text_element(Role::heading, tr(ctx.lang, Msg::thanks_heading)));
  v.elements.push_back(text_element(Role::body, tr(ctx.lang, Msg::thanks_body)));
  add_primary(v, control(Role::choice, tr(ctx.lang, Msg::finish), {Command::finish}));
  return v;
}

}  // namespace outpost::ui
