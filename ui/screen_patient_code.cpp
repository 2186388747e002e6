// Patient code: nine digits on a large on-screen keypad.
#include "kiosk/patient_code.h"
#include "ui/screens.h"
#include "ui/strings.h"

namespace outpost::ui {

View patient_code_screen(const ScreenContext& ctx) {
  View v;
  v.elements.push_back(text_element(Role::heading, tr(ctx.lang, Msg::code_heading)));
  v.elements.push_back(text_element(Role::body, tr(ctx.lang, Msg::code_body)));
  // Grouped as printed on the card ("1234 5678 9"), a dash per digit to come.
  std::string shown;
  for (std::size_t i = 0; i < kPatientCodeDigits; ++i) {
    if (i > 0) shown += (i == 4 || i == 8) ? "   " : " ";
    shown += i < ctx.typed_code.size() ? std::string(1, ctx.typed_code[i]) : std::string("\u2013");
  }
  v.elements.push_back(text_element(Role::code_display, shown));
  add_patient_error(ctx, v);
  for (char d : std::string("1234567890"))
    v.elements.push_back(
        control(Role::keypad, std::string(1, d), {Command::type_digit, 0, std::string(1, d)}, d - '0'));
  v.elements.push_back(control(Role::keypad, tr(ctx.lang, Msg::delete_digit), {Command::delete_digit}));
  v.elements.push_back(control(Role::nav, tr(ctx.lang, Msg::back), {Command::back}));
  if (ctx.session.config().allow_anonymous)
    v.elements.push_back(
        control(Role::nav, tr(ctx.lang, Msg::code_anonymous), {Command::continue_anonymous}));
  add_primary(v, control(Role::nav, tr(ctx.lang, Msg::code_continue), {Command::submit_code}));
  return v;
}

}  // namespace outpost::ui
