// Thank-you after a submit the outbox has made durable.
#include "ui/screens.h"
#include "ui/strings.h"

namespace outpost::ui {

View submitted_screen(const ScreenContext& ctx) {
  View v;
  v.elements.push_back(text_element(Role::heading, tr(ctx.lang, Msg::thanks_heading)));
  v.elements.push_back(text_element(Role::body, tr(ctx.lang, Msg::thanks_body)));
  add_primary(v, control(Role::choice, tr(ctx.lang, Msg::finish), {Command::finish}));
  return v;
}

}  // namespace outpost::ui
