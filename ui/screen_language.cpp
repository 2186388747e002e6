// Language choice: each offered language named in itself.
#include "ui/screens.h"
#include "ui/strings.h"

namespace outpost::ui {

View language_screen(const ScreenContext& ctx) {
  View v;
  add_heading_in_every_language(ctx, v, Msg::language_heading);
  v.default_focus = v.elements.size();
  int digit = 1;
  for (const std::string& code : ctx.session.config().languages) {
    v.elements.push_back(control(Role::choice, language_name(code), {Command::choose_language, 0, code},
                                 digit <= 9 ? digit : -1));
    ++digit;
  }
  v.elements.push_back(control(Role::nav, tr(ctx.lang, Msg::back), {Command::back}));
  return v;
}

}  // namespace outpost::ui
