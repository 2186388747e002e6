// Review: every answered page with its answer; touching one goes back to it.
#include "ui/screens.h"
#include "ui/strings.h"

namespace outpost::ui {

View review_screen(const ScreenContext& ctx) {
  View v;
  v.elements.push_back(text_element(Role::heading, tr(ctx.lang, Msg::review_heading)));
  v.elements.push_back(text_element(Role::body, tr(ctx.lang, Msg::review_body)));
  std::size_t index = 0;
  for (const Session::ReviewLine& line : ctx.session.review()) {
    Element e = control(Role::review_line, line.page.item->text.in(ctx.lang), {Command::go_to_page, index});
    e.detail = line.answer != nullptr ? answer_label(*line.page.item, *line.answer, ctx.lang)
                                      : std::string(tr(ctx.lang, Msg::review_skipped));
    v.elements.push_back(std::move(e));
    ++index;
  }
  add_patient_error(ctx, v);
  v.elements.push_back(control(Role::nav, tr(ctx.lang, Msg::back), {Command::back}));
  add_primary(v, control(Role::nav, tr(ctx.lang, Msg::submit), {Command::submit}));
  return v;
}

}  // namespace outpost::ui
