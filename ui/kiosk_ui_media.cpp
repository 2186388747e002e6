// KioskUi: the player. Opens a Player when the session shows the player
// screen and closes it when the screen goes, each frame takes the newest
// video frame into the window's texture and tells the session where the
// video is (so that playing counts as activity and seconds watched grow).
#include <algorithm>
#include <cmath>

#include "ui/kiosk_ui.h"

namespace outpost::ui {
namespace {

constexpr std::int64_t kSeekStepMs = 10'000;

const char* state_name(PlayerState s) {
  switch (s) {
    case PlayerState::idle: return "loading";
    case PlayerState::playing: return "playing";
    case PlayerState::paused: return "paused";
    case PlayerState::ended: return "ended";
    case PlayerState::error: return "error";
  }
  return "error";
}

}  // namespace

const LibraryItem* KioskUi::watched() const {
  const auto& w = session_.watching();
  if (!w || !library_) return nullptr;
  for (const LibraryItem& it : library_->items)
    if (it.id == w->item_id) return &it;
  return nullptr;
}

void KioskUi::close_media(Pictures* pictures) {
  player_.reset();
  player_item_.clear();
  player_failed_ = false;
  captions_.clear();
  captions_lang_.clear();
  media_view_ = MediaView{};
  seek_drag_.reset();
  if (pictures != nullptr) pictures->clear_video();
}

void KioskUi::load_captions(const LibraryItem& item, const std::string& lang) {
  if (lang == captions_lang_) return;
  captions_.clear();
  captions_lang_ = lang;
  auto file = item.captions.find(lang);
  if (file == item.captions.end() || !media_.load_captions) return;
  // A caption file that does not parse shows no captions; the video plays.
  if (auto parsed = media_.load_captions(file->second); parsed.ok()) captions_ = std::move(parsed).value();
}

void KioskUi::update_media(Pictures* pictures) {
  const LibraryItem* item = session_.screen() == Screen::player ? watched() : nullptr;
  if (item == nullptr || item->id != player_item_) {
    if (player_ || !player_item_.empty()) close_media(pictures);
    if (item == nullptr) {
      if (session_.screen() == Screen::player) media_view_.state = "error";
      return;
    }
    player_item_ = item->id;
    if (media_.make_player) player_ = media_.make_player();
    if (!player_ || !player_->open(item->video).ok() || player_->state() == PlayerState::error) {
      player_failed_ = true;
    } else {
      player_->set_volume(media_.volume);
      const double resume = session_.resume_position(item->id);
      if (resume > 0) player_->seek(std::llround(resume * 1000));
      player_->play();
    }
    dirty_ = true;
  }
  if (player_failed_ || !player_) {
    media_view_.state = "error";
    session_.media_progress(0, false, false);
    return;
  }
  player_->poll();
  if (auto frame = player_->take_frame()) {
    if (pictures != nullptr) pictures->show_frame(*frame);
    ++media_view_.frames;
  }
  const PlayerState st = player_->state();
  // Until the first frame is drawn the patient sees "Starting the video...".
  const bool started = media_view_.frames > 0;
  media_view_.state = !started && (st == PlayerState::paused || st == PlayerState::playing) ? "loading" : state_name(st);
  if (st == PlayerState::error) player_failed_ = true;
  media_view_.position_ms = player_->position_ms();
  media_view_.duration_ms = player_->duration_ms() > 0 ? player_->duration_ms() : item->duration_ms;
  if (st == PlayerState::ended) media_view_.position_ms = media_view_.duration_ms;
  media_view_.dropped = player_->dropped_frames();
  media_view_.audio = player_->audio_available();
  const std::string lang = session_.captions();
  load_captions(*item, lang);
  media_view_.captions = captions_.empty() ? std::string() : lang;
  const Cue* cue = captions_.empty() ? nullptr : cue_at(captions_, media_view_.position_ms);
  media_view_.caption = cue != nullptr ? cue->text : std::string();
  session_.media_progress(static_cast<double>(media_view_.position_ms) / 1000.0, st == PlayerState::playing,
                          st == PlayerState::ended);
}

void KioskUi::media_command(const Command& c) {
  session_.touch();
  if (!player_ || player_failed_) return;
  const std::int64_t dur = std::max<std::int64_t>(media_view_.duration_ms, 0);
  const std::int64_t pos = player_->position_ms();
  switch (c.kind) {
    case Command::play_pause:
      if (player_->state() == PlayerState::playing) {
        player_->pause();
      } else {
        if (player_->state() == PlayerState::ended) player_->seek(0);
        player_->play();
      }
      break;
    case Command::seek_back:
      player_->seek(std::max<std::int64_t>(pos - kSeekStepMs, 0));
      break;
    case Command::seek_forward:
      player_->seek(std::min(pos + kSeekStepMs, dur));
      break;
    case Command::seek_to:
      player_->seek(dur * static_cast<std::int64_t>(std::min<std::size_t>(c.index, 1000)) / 1000);
      break;
    case Command::next_captions: {
      const LibraryItem* item = watched();
      if (item == nullptr) break;
      std::vector<std::string> order{""};
      for (const auto& [lang, file] : item->captions) order.push_back(lang);
      auto at = std::find(order.begin(), order.end(), session_.captions());
      const std::size_t next = at == order.end() ? 0 : (static_cast<std::size_t>(at - order.begin()) + 1) % order.size();
      session_.set_captions(order[next]);
      break;
    }
    default:
      break;
  }
  dirty_ = true;
}

}  // namespace outpost::ui
