// One question per screen: the question, large answer buttons, progress,
// Back and Next.
#include <variant>

#include "ui/screens.h"
#include "ui/strings.h"

namespace outpost::ui {

std::string answer_label(const Item& item, const AnswerValue& value, const std::string& lang) {
  if (const auto* c = std::get_if<Coding>(&value)) {
    const AnswerOption* o = item.find_option(*c);
    return o != nullptr ? o->display.in(lang) : c->display;
  }
  if (const auto* b = std::get_if<bool>(&value)) return tr(lang, *b ? Msg::yes : Msg::no);
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&value)) return std::to_string(*d);
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  return std::get<Date>(value).iso;
}

View question_screen(const ScreenContext& ctx) {
  View v;
  const Session& s = ctx.session;
  const auto page = s.current_page();
  if (!page) return v;
  const Item& item = *page->item;
  const Session::Progress p = s.progress();
  v.progress_index = p.index;
  v.progress_total = p.total;
  v.page_key = page->questionnaire->url() + "#" + item.link_id;
  Element progress = text_element(Role::progress, trf(ctx.lang, Msg::question_progress,
                                                      std::to_string(p.index), std::to_string(p.total)));
  progress.detail = page->questionnaire->title().in(ctx.lang);
  v.elements.push_back(std::move(progress));
  if (page->group != nullptr && !page->group->text.in(ctx.lang).empty())
    v.elements.push_back(text_element(Role::context, page->group->text.in(ctx.lang)));
  v.elements.push_back(text_element(Role::question, item.text.in(ctx.lang)));

  const AnswerValue* current = s.current_answer();
  const std::string chosen = current != nullptr ? answer_label(item, *current, ctx.lang) : std::string();
  auto add_answer = [&](std::string label, std::size_t index) {
    Element e = control(Role::answer, std::move(label), {Command::choose_option, index},
                        index < 9 ? static_cast<int>(index) + 1 : -1);
    e.selected = current != nullptr && e.text == chosen;
    v.elements.push_back(std::move(e));
  };
  if (item.type == ItemType::choice) {
    for (std::size_t i = 0; i < item.options.size(); ++i) add_answer(item.options[i].display.in(ctx.lang), i);
  } else if (item.type == ItemType::boolean) {
    add_answer(tr(ctx.lang, Msg::yes), 0);
    add_answer(tr(ctx.lang, Msg::no), 1);
  } else if (item.type != ItemType::display) {
    v.elements.push_back(text_element(Role::body, tr(ctx.lang, Msg::unsupported_item)));
  }
  add_patient_error(ctx, v);
  v.elements.push_back(control(Role::nav, tr(ctx.lang, Msg::back), {Command::back}));
  add_primary(v, control(Role::nav, tr(ctx.lang, Msg::next), {Command::next}));
  return v;
}

}  // namespace outpost::ui
