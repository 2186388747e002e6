#include "ui/kiosk_ui.h"

#include <algorithm>

#include "kiosk/patient_code.h"
#include "ui/render.h"
#include "ui/screens.h"

namespace outpost::ui {
namespace {

constexpr Clock::Duration kAnimationFrame{33};
// How often the welcome screen looks for a newly installed library.
constexpr Clock::Duration kLibraryCheck{30'000};

// `v` without what a playing video changes inside RenderResult::live.
View still_view(const View& v) {
  View s = v;
  if (s.media) {
    s.media->position_ms = s.media->frames = s.media->dropped = 0;
    s.media->caption.clear();
  }
  for (Element& e : s.elements) {
    if (e.role == Role::video || e.role == Role::seek_bar) {
      e.text.clear();
      e.detail.clear();
    }
  }
  return s;
}

}  // namespace

View build_view(const ScreenContext& ctx) {
  View v;
  switch (ctx.session.screen()) {
    case Screen::welcome:
      v = welcome_screen(ctx);
      break;
    case Screen::language:
      v = language_screen(ctx);
      break;
    case Screen::patient_code:
      v = patient_code_screen(ctx);
      break;
    case Screen::question:
      v = question_screen(ctx);
      break;
    case Screen::review:
      v = review_screen(ctx);
      break;
    case Screen::submitting:
      v = submitting_screen(ctx);
      break;
    case Screen::submitted:
      v = submitted_screen(ctx);
      break;
    case Screen::crisis:
      v = crisis_screen(ctx);
      break;
    case Screen::library:
      v = library_screen(ctx);
      break;
    case Screen::player:
      v = player_screen(ctx);
      break;
  }
  v.screen = ctx.session.screen();
  v.language = ctx.lang;
  if (v.page_key.empty()) v.page_key = screen_name(v.screen);
  if (ctx.session.idle_warning()) add_idle_warning(ctx, v);
  return v;
}

KioskUi::KioskUi(Session& session, const Clock& clock, const CrisisResources& crisis, Fonts fonts,
                 MediaServices media)
    : session_(session), clock_(clock), crisis_(crisis), fonts_(fonts), media_(std::move(media)) {
  refresh();
}

KioskUi::~KioskUi() {
  wipe_typed_code();
}

std::string KioskUi::lang() const {
  if (!session_.language().empty()) return session_.language();
  const auto& langs = session_.config().languages;
  return langs.empty() ? std::string("en") : langs.front();
}

const std::vector<Element>& KioskUi::active() const {
  return view_.overlay.empty() ? view_.elements : view_.overlay;
}

void KioskUi::wipe_typed_code() {
  std::fill(typed_code_.begin(), typed_code_.end(), '\0');
  typed_code_.clear();
}

void KioskUi::refresh() {
  if (session_.screen() != Screen::patient_code) wipe_typed_code();
  // The library changes only on the welcome screen, so that what a patient
  // browses stays put.
  const auto now = clock_.monotonic();
  if (session_.screen() == Screen::welcome && media_.library &&
      (library_checked_.count() < 0 || now - library_checked_ >= kLibraryCheck || view_.screen != Screen::welcome)) {
    library_ = media_.library();
    library_checked_ = now;
  }
  const std::string language = lang();
  media_view_.dragging = seek_drag_;
  const ScreenContext ctx{session_, crisis_, language, typed_code_, library_.get(), &media_view_};
  View next = build_view(ctx);
  const bool moved = next.page_key != view_.page_key || next.overlay.empty() != view_.overlay.empty();
  if (session_.screen() != Screen::crisis) hold_since_.reset();
  next.hold_seconds = view_.hold_seconds;
  if (hold_since_) {
    const auto held = clock_.monotonic() - *hold_since_;
    next.hold_progress = static_cast<float>(held.count() / (next.hold_seconds * 1000.0));
  }
  view_ = std::move(next);
  if (moved) {
    hold_since_.reset();
    focus_ = view_.overlay.empty() ? view_.default_focus : view_.overlay.size() - 1;
  }
  focus_ = std::min(focus_, active().empty() ? 0 : active().size() - 1);
}

void KioskUi::apply(Command c) {
  switch (c.kind) {
    case Command::start_checkin:
      session_.start_checkin();
      break;
    case Command::choose_language:
      (void)session_.choose_language(c.arg);
      break;
    case Command::type_digit:
      if (typed_code_.size() < kPatientCodeDigits) typed_code_ += c.arg;
      session_.touch();
      break;
    case Command::delete_digit:
      if (!typed_code_.empty()) {
        typed_code_.back() = '\0';
        typed_code_.pop_back();
      }
      session_.touch();
      break;
    case Command::submit_code:
      (void)session_.enter_patient_code(typed_code_);
      break;
    case Command::continue_anonymous:
      (void)session_.continue_anonymous();
      break;
    case Command::choose_option:
      if (auto page = session_.current_page()) {
        const Item& item = *page->item;
        if (item.type == ItemType::choice && c.index < item.options.size())
          (void)session_.answer(item.options[c.index].coding);
        else if (item.type == ItemType::boolean)
          (void)session_.answer(c.index == 0);
      }
      break;
    case Command::next:
      (void)session_.next();
      break;
    case Command::back:
      session_.back();
      break;
    case Command::go_to_page:
      session_.go_to_page(c.index);
      break;
    case Command::submit:
      (void)session_.submit();
      break;
    case Command::finish:
      session_.finish();
      break;
    case Command::acknowledge_crisis:
      session_.acknowledge_crisis();
      break;
    case Command::still_here:
      session_.touch();
      break;
    case Command::open_library:
      session_.open_library();
      break;
    case Command::play_item:
      if (library_ && c.index < library_->items.size()) {
        const LibraryItem& it = library_->items[c.index];
        MediaItemRef ref;
        ref.channel = library_->channel;
        ref.channel_version = library_->version;
        ref.item_id = it.id;
        ref.duration_s = static_cast<double>(it.duration_ms) / 1000.0;
        for (const auto& [l, path] : it.captions) ref.caption_languages.push_back(l);
        (void)session_.play(std::move(ref));
      }
      break;
    case Command::play_pause:
    case Command::seek_back:
    case Command::seek_forward:
    case Command::seek_to:
    case Command::next_captions:
      media_command(c);
      break;
  }
  dirty_ = true;
  refresh();
  // After choosing an answer, Enter means "Next".
  if (c.kind == Command::choose_option) focus_ = view_.default_focus;
}

void KioskUi::activate(std::size_t index) {
  const auto& els = active();
  if (index >= els.size() || !els[index].enabled || !els[index].command) return;
  // The focus stays where it was: after typing a digit, Enter still means Continue.
  apply(*els[index].command);
}

void KioskUi::key_down(Key key, int digit) {
  // While the idle warning shows, any key only says "I am still here".
  if (!view_.overlay.empty()) {
    apply({Command::still_here});
    return;
  }
  const auto& els = active();
  const auto controls = focusable(view_);
  switch (key) {
    case Key::digit:
      for (std::size_t i = 0; i < els.size(); ++i)
        if (els[i].shortcut == digit && els[i].enabled && els[i].command) return activate(i);
      session_.touch();
      break;
    case Key::confirm:
      if (focus_ < els.size() && els[focus_].role == Role::hold) {
        if (!hold_since_) hold_since_ = clock_.monotonic();
        hold_by_key_ = true;
        session_.touch();
        dirty_ = true;
        refresh();
        return;
      }
      activate(focus_);
      break;
    case Key::erase:
      if (session_.screen() == Screen::patient_code) return apply({Command::delete_digit});
      [[fallthrough]];
    case Key::back:
      for (std::size_t i = 0; i < els.size(); ++i)
        if (els[i].command && els[i].command->kind == Command::back) return activate(i);
      session_.touch();  // the crisis screen has no Back: nothing to leave by accident
      break;
    case Key::left:
    case Key::right:
      if (session_.screen() == Screen::player)
        return apply({key == Key::left ? Command::seek_back : Command::seek_forward});
      session_.touch();
      break;
    case Key::tab:
    case Key::shift_tab: {
      session_.touch();
      if (controls.empty()) break;
      auto at = std::find(controls.begin(), controls.end(), focus_);
      std::size_t pos = at == controls.end() ? 0 : static_cast<std::size_t>(at - controls.begin());
      pos = key == Key::tab ? (pos + 1) % controls.size() : (pos + controls.size() - 1) % controls.size();
      focus_ = controls[pos];
      scroll_to_focus_ = true;
      dirty_ = true;
      break;
    }
  }
}

void KioskUi::key_up(Key key) {
  if (key == Key::confirm && hold_by_key_) {
    hold_by_key_ = false;
    hold_since_.reset();
    dirty_ = true;
    refresh();
  }
}

void KioskUi::pointer_activity() {
  session_.touch();
}

void KioskUi::update_hold() {
  if (!hold_since_) return;
  if (clock_.monotonic() - *hold_since_ >= Clock::Duration(static_cast<long>(view_.hold_seconds * 1000))) {
    hold_since_.reset();
    hold_by_key_ = false;
    apply({Command::acknowledge_crisis});
  }
}

void KioskUi::frame(float width, float height, Pictures* pictures) {
  if (pending_click_) {
    activate(*pending_click_);
    pending_click_.reset();
  }
  session_.tick();
  update_hold();
  update_media(pictures);
  refresh();
  dirty_ = false;
  const RenderResult r = render(view_, focus_, scroll_to_focus_, fonts_, width, height, pictures);
  scroll_to_focus_ = false;
  View still = still_view(view_);
  // The seek bar as drawn: its step and its time label.
  std::string bar = view_.media ? std::to_string(view_.media->position_ms / kSeekBarStepMs) : "";
  for (const Element& e : view_.elements)
    if (e.role == Role::seek_bar) bar += "|" + e.text;
  const bool same = r.live && r.live == live_ && focus_ == still_focus_ && still == still_;
  repaint_ = !same ? std::nullopt : bar == still_bar_ && r.video ? r.video : r.live;
  still_ = std::move(still);
  still_focus_ = focus_;
  still_bar_ = std::move(bar);
  live_ = r.live;
  if (r.seek_drag != seek_drag_) {
    if (!r.seek_drag && seek_drag_) {
      // Released: seek where the finger left the bar.
      media_command({Command::seek_to, static_cast<std::size_t>(*seek_drag_ * 1000.f)});
    }
    seek_drag_ = r.seek_drag;
    if (seek_drag_) session_.touch();
    dirty_ = true;
  }
  if (r.hold_pressed) {
    if (!hold_since_) {
      hold_since_ = clock_.monotonic();
      session_.touch();
      dirty_ = true;
    }
  } else if (hold_since_ && !hold_by_key_) {
    hold_since_.reset();  // the finger left before the time was up
    dirty_ = true;
  }
  // Applied at the start of the next frame, so view() stays what was drawn.
  if (r.clicked) {
    pending_click_ = r.clicked;
    dirty_ = true;
  }
}

std::optional<Clock::Duration> KioskUi::next_frame_in() const {
  if (hold_since_) return kAnimationFrame;
  if (session_.screen() == Screen::welcome && media_.library) return kLibraryCheck;
  if (session_.idle_warning()) {
    // Redraw when the countdown's whole second changes.
    const auto ms = session_.idle_remaining().count();
    return Clock::Duration(std::max<long long>(ms % 1000, 0) + 1);
  }
  return std::nullopt;
}

}  // namespace outpost::ui
