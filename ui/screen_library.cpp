// Library: the installed videos, sorted by topic, each a tile with its
// thumbnail, title, topic and length in the patient's language (else the
// channel's default).
#include <algorithm>
#include <cstdio>

#include "ui/screens.h"
#include "ui/strings.h"

namespace outpost::ui {

std::string clock_text(std::int64_t ms) {
  const std::int64_t s = std::max<std::int64_t>(ms, 0) / 1000;
  const std::int64_t h = s / 3600, m = (s / 60) % 60, sec = s % 60;
  char buf[32];
  if (h > 0)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(h), static_cast<long long>(m),
                  static_cast<long long>(sec));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(m), static_cast<long long>(sec));
  return buf;
}

View library_screen(const ScreenContext& ctx) {
  View v;
  v.elements.push_back(text_element(Role::heading, tr(ctx.lang, Msg::library_heading)));
  const Library* lib = ctx.library;
  if (lib == nullptr || lib->items.empty()) {
    v.elements.push_back(text_element(Role::body, tr(ctx.lang, Msg::library_empty)));
  } else {
    for (std::size_t i = 0; i < lib->items.size(); ++i) {
      const LibraryItem& it = lib->items[i];
      const int key = i < 9 ? static_cast<int>(i) + 1 : -1;
      Element tile = control(Role::tile, library_text(it.title, ctx.lang, lib->default_language),
                             {Command::play_item, i}, key);
      tile.detail = topic_name(ctx.lang, it.topic) + "  \u00b7  " + clock_text(it.duration_ms);
      tile.image = it.thumbnail.string();
      if (i == 0) v.default_focus = v.elements.size();
      v.elements.push_back(std::move(tile));
    }
  }
  v.elements.push_back(control(Role::nav, tr(ctx.lang, Msg::back), {Command::back}));
  if (lib == nullptr || lib->items.empty()) v.default_focus = v.elements.size() - 1;
  return v;
}

}  // namespace outpost::ui
