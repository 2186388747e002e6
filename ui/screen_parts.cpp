// Pieces several screens share.
#include "ui/screens.h"
#include "ui/strings.h"

namespace outpost::ui {

void add_patient_error(const ScreenContext& ctx, View& view) {
  if (const char* err = patient_error_text(ctx.lang, ctx.session.error()); *err != '\0')
    view.elements.push_back(text_element(Role::error, err));
}

void add_unsaved_crisis_notice(const ScreenContext& ctx, View& view) {
  const std::size_t n = ctx.session.unsaved_crisis_alerts();
  if (n == 0) return;
  view.elements.push_back(text_element(Role::error, trf(ctx.lang, Msg::crisis_unsaved, std::to_string(n))));
  // Staff may not read the patient's language: the site's first one too.
  const std::string& site = ctx.session.config().languages.front();
  if (site != ctx.lang)
    view.elements.push_back(text_element(Role::error, trf(site, Msg::crisis_unsaved, std::to_string(n))));
}

void add_heading_in_every_language(const ScreenContext& ctx, View& view, Msg heading) {
  view.elements.push_back(text_element(Role::heading, tr(ctx.lang, heading)));
  for (const std::string& other : ctx.session.config().languages)
    if (other != ctx.lang) view.elements.push_back(text_element(Role::context, tr(other, heading)));
}

}  // namespace outpost::ui
