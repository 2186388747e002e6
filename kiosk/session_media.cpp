// Session: the videos part (library and player). See kiosk/session.h.
#include <algorithm>
#include <cmath>

#include "kiosk/session.h"

namespace outpost {
namespace {

// A position step larger than this between two frames is a seek, not watching.
constexpr double kMaxWatchStep = 2.0;

}  // namespace

void Session::open_library() {
  input();
  if (screen_ != Screen::welcome) return;
  videos_flow_ = true;
  if (config_.languages.size() == 1) {
    language_ = config_.languages.front();
    screen_ = Screen::library;
  } else {
    screen_ = Screen::language;
  }
}

bool Session::play(MediaItemRef item) {
  input();
  if (screen_ != Screen::library || item.item_id.empty()) return false;
  watching_ = std::move(item);
  watched_s_ = 0;
  last_position_s_ = resume_position(watching_->item_id);
  was_playing_ = false;
  finished_ = false;
  screen_ = Screen::player;
  return true;
}

void Session::media_progress(double position_s, bool playing, bool ended) {
  if (screen_ != Screen::player || !watching_ || !std::isfinite(position_s)) return;
  if (playing) input();
  const double step = position_s - last_position_s_;
  if (was_playing_ && step > 0 && step <= kMaxWatchStep) watched_s_ += step;
  last_position_s_ = std::max(0.0, position_s);
  was_playing_ = playing;
  if (ended && !finished_) {
    finished_ = true;
    input();  // the idle timer starts when the video ends
  }
}

void Session::end_watching() {
  if (!watching_) return;
  const double at = finished_ ? 0.0 : last_position_s_;
  auto known = std::find_if(positions_.begin(), positions_.end(),
                            [&](const auto& p) { return p.first == watching_->item_id; });
  if (known != positions_.end())
    known->second = at;
  else
    positions_.emplace_back(watching_->item_id, at);
  if (watched_s_ > 0 || finished_) {
    MediaEvent e;
    e.channel = watching_->channel;
    e.channel_version = watching_->channel_version;
    e.item_id = watching_->item_id;
    e.seconds_watched = watched_s_;
    e.duration_s = watching_->duration_s;
    e.finished = finished_;
    e.captions = captions();
    e.meta = response_meta();
    // A watched record that cannot be stored is not the patient's problem:
    // nothing to show, the video stays watched.
    submitter_->record_media_event(std::move(e), [](Result<std::string>) {});
  }
  watching_.reset();
  watched_s_ = 0;
  was_playing_ = false;
  finished_ = false;
}

void Session::close_player() {
  input();
  if (screen_ != Screen::player) return;
  end_watching();
  screen_ = Screen::library;
}

void Session::set_captions(std::string lang) {
  input();
  captions_choice_ = std::move(lang);
}

std::string Session::captions() const {
  if (!watching_) return {};
  const auto& langs = watching_->caption_languages;
  const auto has = [&](const std::string& l) { return std::find(langs.begin(), langs.end(), l) != langs.end(); };
  if (captions_choice_) {
    if (captions_choice_->empty() || has(*captions_choice_)) return *captions_choice_;
  }
  if (has(language_)) return language_;
  return langs.empty() ? std::string() : langs.front();
}

double Session::resume_position(std::string_view item_id) const {
  for (const auto& [id, pos] : positions_)
    if (id == item_id) return pos;
  return 0;
}

}  // namespace outpost
