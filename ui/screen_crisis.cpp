// Crisis: the site's crisis resources. Only a deliberate press-and-hold on
// "I have told the staff" leaves it; Back, Escape and taps do nothing.
#include "ui/screens.h"
#include "ui/strings.h"

namespace outpost::ui {

View crisis_screen(const ScreenContext& ctx) {
  View v;
  v.elements.push_back(text_element(Role::heading, ctx.crisis.heading.in(ctx.lang)));
  v.elements.push_back(text_element(Role::question, ctx.crisis.message.in(ctx.lang)));
  for (const CrisisLine& line : ctx.crisis.lines) {
    Element e = text_element(Role::crisis_line, line.label.in(ctx.lang));
    e.detail = line.number;
    v.elements.push_back(std::move(e));
  }
  add_unsaved_crisis_notice(ctx, v);
  add_patient_error(ctx, v);  // the alert could not even be made
  v.elements.push_back(text_element(Role::context, tr(ctx.lang, Msg::crisis_hold_hint)));
  Element hold = control(Role::hold, tr(ctx.lang, Msg::crisis_hold), {Command::acknowledge_crisis});
  v.default_focus = v.elements.size();
  v.elements.push_back(std::move(hold));
  return v;
}

}  // namespace outpost::ui
