// Player: the video with its captions, the position bar and large controls;
// or, when the video cannot play, a calm error with the way back.
#include "ui/screens.h"
#include "ui/strings.h"

namespace outpost::ui {

const LibraryItem* watched_item(const ScreenContext& ctx) {
  const auto& w = ctx.session.watching();
  if (!w || ctx.library == nullptr) return nullptr;
  for (const LibraryItem& it : ctx.library->items)
    if (it.id == w->item_id) return &it;
  return nullptr;
}

View player_screen(const ScreenContext& ctx) {
  View v;
  const LibraryItem* item = watched_item(ctx);
  const MediaView m = ctx.media != nullptr ? *ctx.media : MediaView{};
  v.media = m;
  if (item == nullptr || m.state == "error") {
    v.elements.push_back(text_element(Role::heading, tr(ctx.lang, Msg::video_error_heading)));
    v.elements.push_back(text_element(Role::body, tr(ctx.lang, Msg::video_error_body)));
    add_primary(v, control(Role::nav, tr(ctx.lang, Msg::back_to_videos), {Command::back}));
    v.page_key = "player-error";
    return v;
  }
  const std::string& fallback = ctx.library->default_language;
  v.elements.push_back(text_element(Role::context, library_text(item->title, ctx.lang, fallback)));
  // The caption, and a notice under the video (one element, so that the
  // controls keep their places and the focus stays put).
  Element video = text_element(Role::video, m.caption);
  if (m.state == "loading")
    video.detail = tr(ctx.lang, Msg::loading_video);
  else if (!m.audio)
    video.detail = tr(ctx.lang, Msg::no_sound);
  v.elements.push_back(std::move(video));

  Element bar = control(Role::seek_bar, trf(ctx.lang, Msg::position, clock_text(m.position_ms), clock_text(m.duration_ms)),
                        {Command::seek_to});
  v.elements.push_back(std::move(bar));
  v.elements.push_back(control(Role::media_button, tr(ctx.lang, Msg::seek_back), {Command::seek_back}));
  // The player is told to play as it opens: "loading" offers Pause too.
  const Msg play = m.state == "playing" || m.state == "loading" ? Msg::pause
                   : m.state == "ended"                           ? Msg::play_again
                                                                  : Msg::play;
  add_primary(v, control(Role::media_button, tr(ctx.lang, play), {Command::play_pause}));
  v.elements.push_back(control(Role::media_button, tr(ctx.lang, Msg::seek_forward), {Command::seek_forward}));
  if (!item->captions.empty()) {
    const std::string label = m.captions.empty() ? tr(ctx.lang, Msg::captions_off)
                                                 : trf(ctx.lang, Msg::captions_in, language_name(m.captions));
    v.elements.push_back(control(Role::media_button, label, {Command::next_captions}));
  }
  v.elements.push_back(control(Role::nav, tr(ctx.lang, Msg::back_to_videos), {Command::back}));
  v.page_key = "player:" + item->id;
  return v;
}

}  // namespace outpost::ui
