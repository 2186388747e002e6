// Welcome: Check in, and the features still to come shown disabled.
#include "ui/screens.h"
#include "ui/strings.h"

namespace outpost::ui {

View welcome_screen(const ScreenContext& ctx) {
  View v;
  add_heading_in_every_language(ctx, v, Msg::welcome_heading);
  v.elements.push_back(text_element(Role::body, tr(ctx.lang, Msg::welcome_body)));
  add_primary(v, control(Role::choice, tr(ctx.lang, Msg::check_in), {Command::start_checkin}, 1));
  for (Msg later : {Msg::videos, Msg::join_group}) {
    Element e = control(Role::choice, tr(ctx.lang, later), {Command::next});
    e.command.reset();  // lands with its own issue
    e.enabled = false;
    e.detail = tr(ctx.lang, Msg::coming_soon);
    v.elements.push_back(std::move(e));
  }
  add_unsaved_crisis_notice(ctx, v);
  return v;
}

}  // namespace outpost::ui
