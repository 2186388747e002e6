// Welcome: Check in; Videos when a library is installed; the feature still
// to come shown disabled.
#include "ui/screens.h"
#include "ui/strings.h"

namespace outpost::ui {

View welcome_screen(const ScreenContext& ctx) {
  View v;
  add_heading_in_every_language(ctx, v, Msg::welcome_heading);
  v.elements.push_back(text_element(Role::body, tr(ctx.lang, Msg::welcome_body)));
  add_primary(v, control(Role::choice, tr(ctx.lang, Msg::check_in), {Command::start_checkin}, 1));
  if (ctx.library != nullptr && !ctx.library->items.empty())
    v.elements.push_back(control(Role::choice, tr(ctx.lang, Msg::videos), {Command::open_library}, 2));
  Element group = control(Role::choice, tr(ctx.lang, Msg::join_group), {Command::next});
  group.command.reset();  // lands with its own issue
  group.enabled = false;
  group.detail = tr(ctx.lang, Msg::coming_soon);
  v.elements.push_back(std::move(group));
  add_unsaved_crisis_notice(ctx, v);
  return v;
}

}  // namespace outpost::ui
