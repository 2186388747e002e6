// Idle warning over the current screen, with the seconds left before the wipe.
#include "ui/screens.h"
#include "ui/strings.h"

namespace outpost::ui {

void add_idle_warning(const ScreenContext& ctx, View& view) {
  const auto left_ms = ctx.session.idle_remaining().count();
  const int seconds = static_cast<int>((std::max<long long>(left_ms, 0) + 999) / 1000);
  view.countdown_s = seconds;
  view.overlay.push_back(text_element(Role::heading, tr(ctx.lang, Msg::idle_heading)));
  view.overlay.push_back(text_element(Role::body, trf(ctx.lang, Msg::idle_body, std::to_string(seconds))));
  Element stay = control(Role::choice, tr(ctx.lang, Msg::still_here), {Command::still_here});
  stay.primary = true;  // the overlay's only control, focused when it appears
  view.overlay.push_back(std::move(stay));
}

}  // namespace outpost::ui
