#include "ui/render.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>

#include <imgui.h>

#include "ui/theme.h"

namespace outpost::ui {
namespace {

ImU32 col(Rgb c, float alpha = 1.f) {
  return IM_COL32(c.r, c.g, c.b, static_cast<int>(alpha * 255));
}

// A filled rounded rectangle built from axis-aligned rectangles plus four
// small corner pieces: SDL's software renderer draws axis-aligned quads as
// fast rectangle fills but rasterises other triangles pixel by pixel, so a
// full-width button drawn as one rounded polygon costs several milliseconds.
void fill_rounded(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 c, float r) {
  // Whole pixels, so the pieces meet without seams.
  a = ImVec2(std::round(a.x), std::round(a.y));
  b = ImVec2(std::round(b.x), std::round(b.y));
  r = std::floor(std::min({r, (b.x - a.x) / 2, (b.y - a.y) / 2}));
  if (r < 1) {
    dl->AddRectFilled(a, b, c);
    return;
  }
  dl->AddRectFilled(ImVec2(a.x + r, a.y), ImVec2(b.x - r, b.y), c);
  dl->AddRectFilled(ImVec2(a.x, a.y + r), ImVec2(a.x + r, b.y - r), c);
  dl->AddRectFilled(ImVec2(b.x - r, a.y + r), ImVec2(b.x, b.y - r), c);
  // No anti-aliased fringe on the corner pieces: it would also fringe their
  // inner edges, which shows as seams against the rectangles.
  const ImDrawListFlags saved = dl->Flags;
  dl->Flags &= ~ImDrawListFlags_AntiAliasedFill;
  dl->AddRectFilled(a, ImVec2(a.x + 2 * r, a.y + 2 * r), c, r, ImDrawFlags_RoundCornersTopLeft);
  dl->AddRectFilled(ImVec2(b.x - 2 * r, a.y), ImVec2(b.x, a.y + 2 * r), c, r,
                    ImDrawFlags_RoundCornersTopRight);
  dl->AddRectFilled(ImVec2(a.x, b.y - 2 * r), ImVec2(a.x + 2 * r, b.y), c, r,
                    ImDrawFlags_RoundCornersBottomLeft);
  dl->AddRectFilled(ImVec2(b.x - 2 * r, b.y - 2 * r), b, c, r, ImDrawFlags_RoundCornersBottomRight);
  dl->Flags = saved;
}

ImVec2 text_size(ImFont* f, const std::string& s, float wrap = 0) {
  return f->CalcTextSizeA(f->FontSize, FLT_MAX, wrap, s.c_str());
}

// Lays elements out top-down and draws them; one per frame.
class Painter {
 public:
  Painter(const View& view, std::size_t focus, bool scroll_to_focus, const Fonts& fonts, float width,
          float height, Pictures* pictures)
      : view_(view),
        focus_(focus),
        scroll_to_focus_(scroll_to_focus),
        fonts_(fonts),
        p_(palette()),
        m_(metrics()),
        w_(width),
        h_(height),
        pictures_(pictures) {
    crisis_ = view.screen == Screen::crisis;
    cw_ = std::min(1600.f, width - 2 * m_.margin);
    x0_ = (width - cw_) / 2;
    dl_ = ImGui::GetWindowDrawList();
  }

  RenderResult run() {
    // The whole screen, not the window's padded inner area (the dimming must reach the edges).
    dl_->PushClipRect(ImVec2(0, 0), ImVec2(w_, h_), false);
    const bool modal = !view_.overlay.empty();
    content(view_.elements, !modal);
    if (modal) overlay();
    dl_->PopClipRect();
    return result_;
  }

 private:
  Rgb fg() const { return crisis_ ? p_.crisis_text : p_.text; }
  Rgb bg() const { return crisis_ ? p_.crisis_background : p_.background; }
  Rgb ring() const { return crisis_ ? Rgb{0xFF, 0xD4, 0x00} : p_.focus; }

  void text(ImFont* f, float x, float wrap, const std::string& s, Rgb c) {
    dl_->AddText(f, f->FontSize, ImVec2(x, y_), col(c), s.c_str(), nullptr, wrap);
    y_ += text_size(f, s, wrap).y;
  }

  // An invisible ImGui button over `r`; records clicks and holds for `index`.
  void hit(std::size_t index, const Element& e, ImVec2 pos, ImVec2 size, bool interactive, bool& hovered) {
    hovered = false;
    if (!interactive || !e.enabled || !e.command) return;
    ImGui::SetCursorScreenPos(pos);
    ImGui::PushID(static_cast<int>(index));
    if (ImGui::InvisibleButton("##control", size)) {
      if (e.role != Role::hold) result_.clicked = index;
    }
    hovered = ImGui::IsItemHovered();
    if (e.role == Role::hold && ImGui::IsItemActive()) result_.hold_pressed = true;
    ImGui::PopID();
  }

  // Drawn before the control: a ring-coloured rectangle, then the background
  // inside it, leaving a 2 px gap and a ring of focus_ring px (filled
  // rectangles, which the software renderer draws fast, unlike thick lines).
  void focus_ring(std::size_t index, bool active_set, ImVec2 a, ImVec2 b) {
    if (!active_set || index != focus_) return;
    const float r = m_.focus_ring, gap = 2;
    fill_rounded(dl_, ImVec2(a.x - gap - r, a.y - gap - r), ImVec2(b.x + gap + r, b.y + gap + r), col(ring()),
                 12 + gap + r);
    fill_rounded(dl_, ImVec2(a.x - gap, a.y - gap), ImVec2(b.x + gap, b.y + gap), col(bg()), 12 + gap);
  }

  // A full-width (or given-width) button with a label, optional detail line
  // and digit badge.
  void button(std::size_t index, const Element& e, ImVec2 pos, ImVec2 size, bool interactive,
              bool active_set) {
    bool hovered = false;
    hit(index, e, pos, size, interactive, hovered);
    const ImVec2 end(pos.x + size.x, pos.y + size.y);
    Rgb fill = p_.button, ink = p_.button_text;
    if (!e.enabled) {
      fill = p_.disabled;
      ink = p_.disabled_text;
    } else if (e.role == Role::answer || e.role == Role::review_line) {
      fill = e.selected ? p_.selected : p_.answer;
      ink = e.selected ? p_.selected_text : p_.answer_text;
    } else if (hovered) {
      fill = p_.button_hover;
    }
    focus_ring(index, active_set, pos, end);
    if (e.role == Role::answer || e.role == Role::review_line) {
      fill_rounded(dl_, pos, end, col(p_.button), 12);  // 3 px border
      fill_rounded(dl_, ImVec2(pos.x + 3, pos.y + 3), ImVec2(end.x - 3, end.y - 3), col(fill), 9);
    } else {
      fill_rounded(dl_, pos, end, col(fill), 12);
    }
    if (e.role == Role::hold && view_.hold_progress > 0) {
      const float wfill = size.x * std::clamp(view_.hold_progress, 0.f, 1.f);
      fill_rounded(dl_, pos, ImVec2(pos.x + wfill, end.y), col(p_.hold_fill), 12);
    }
    ImFont* f = e.role == Role::keypad || e.role == Role::nav || e.role == Role::media_button ? fonts_.body_bold
                                                                                                : fonts_.question;
    if (e.role == Role::review_line) f = fonts_.body;
    float tx = pos.x + 32;
    if (e.shortcut >= 0 && e.role == Role::answer) {
      // Digit badge: the key that chooses this answer.
      const ImVec2 c(pos.x + 56, pos.y + size.y / 2);
      dl_->AddCircleFilled(c, 32, col(e.selected ? p_.selected_text : p_.button));
      const std::string d = std::to_string(e.shortcut);
      const ImVec2 ds = text_size(fonts_.body_bold, d);
      dl_->AddText(fonts_.body_bold, fonts_.body_bold->FontSize, ImVec2(c.x - ds.x / 2, c.y - ds.y / 2),
                   col(e.selected ? p_.selected : p_.button_text), d.c_str());
      tx = pos.x + 112;
    }
    if (e.role == Role::review_line) {
      const float wrap = size.x * 0.62f;
      const ImVec2 ts = text_size(f, e.text, wrap);
      dl_->AddText(f, f->FontSize, ImVec2(tx, pos.y + (size.y - ts.y) / 2), col(ink), e.text.c_str(), nullptr,
                   wrap);
      const ImVec2 as = text_size(fonts_.body_bold, e.detail, size.x * 0.3f);
      dl_->AddText(fonts_.body_bold, fonts_.body_bold->FontSize,
                   ImVec2(end.x - 32 - as.x, pos.y + (size.y - as.y) / 2), col(ink), e.detail.c_str(),
                   nullptr, size.x * 0.3f);
    } else if (e.role == Role::answer) {
      const float wrap = end.x - tx - 32;
      const ImVec2 ts = text_size(f, e.text, wrap);
      dl_->AddText(f, f->FontSize, ImVec2(tx, pos.y + (size.y - ts.y) / 2), col(ink), e.text.c_str(), nullptr,
                   wrap);
    } else {
      const ImVec2 ts = text_size(f, e.text);
      float ty = pos.y + (size.y - ts.y) / 2;
      if (!e.detail.empty()) ty -= fonts_.small->FontSize / 2;
      dl_->AddText(f, f->FontSize, ImVec2(pos.x + (size.x - ts.x) / 2, ty), col(ink), e.text.c_str());
      if (!e.detail.empty()) {
        const ImVec2 ds = text_size(fonts_.small, e.detail);
        dl_->AddText(fonts_.small, fonts_.small->FontSize, ImVec2(pos.x + (size.x - ds.x) / 2, ty + ts.y),
                     col(ink), e.detail.c_str());
      }
    }
  }

  float answer_height(const Element& e, ImFont* f, float wrap) const {
    return std::max(m_.answer_height, text_size(f, e.text, wrap).y + 36);
  }

  void content(const std::vector<Element>& els, bool interactive) {
    y_ = m_.margin / 2;
    const float nav_top = h_ - m_.margin / 2 - m_.nav_height;
    for (std::size_t i = 0; i < els.size(); ++i) {
      const Element& e = els[i];
      switch (e.role) {
        case Role::heading:
          text(fonts_.heading, x0_, x0_ + cw_, e.text, fg());
          y_ += m_.gap;
          break;
        case Role::context:
          text(fonts_.small, x0_, x0_ + cw_, e.text, crisis_ ? p_.crisis_text : p_.muted_text);
          y_ += m_.gap / 2;
          break;
        case Role::body:
          text(fonts_.body, x0_, x0_ + cw_, e.text, fg());
          y_ += m_.gap;
          break;
        case Role::question:
          y_ += m_.gap / 2;
          text(fonts_.question, x0_, x0_ + cw_, e.text, fg());
          y_ += m_.gap * 1.5f;
          break;
        case Role::error:
          text(fonts_.body_bold, x0_, x0_ + cw_, e.text, crisis_ ? p_.crisis_error_text : p_.error_text);
          y_ += m_.gap;
          break;
        case Role::progress:
          progress(e);
          break;
        case Role::code_display:
          code_display(e);
          break;
        case Role::crisis_line:
          crisis_line(e);
          break;
        case Role::answer:
        case Role::choice:
        case Role::hold: {
          const float hgt =
              e.role == Role::answer ? answer_height(e, fonts_.question, cw_ - 144) : m_.answer_height;
          button(i, e, ImVec2(x0_, y_), ImVec2(cw_, hgt), interactive, interactive);
          y_ += hgt + m_.gap;
          break;
        }
        case Role::keypad:
          i = keypad(els, i, interactive) - 1;
          break;
        case Role::review_line:
          i = review(els, i, nav_top, interactive) - 1;
          break;
        case Role::nav:
          break;  // drawn in the bottom bar
        case Role::tile:
          i = library(els, i, nav_top, interactive) - 1;
          break;
        case Role::video:
          video(els, i, nav_top);
          break;
        case Role::seek_bar:
          seek_bar(i, e, interactive);
          break;
        case Role::media_button:
          i = media_buttons(els, i, interactive) - 1;
          break;
      }
    }
    nav_bar(els, nav_top, interactive);
  }

  // Tiles, three to a row, scrolled like the review list.
  std::size_t library(const std::vector<Element>& els, std::size_t first, float bottom, bool interactive) {
    const float hgt = bottom - m_.gap - y_;
    ImGui::SetCursorScreenPos(ImVec2(x0_ - m_.focus_ring * 2, y_));
    ImGui::BeginChild("##library", ImVec2(cw_ + m_.focus_ring * 4 + 40, hgt), false);
    ImDrawList* outer = dl_;
    dl_ = ImGui::GetWindowDrawList();
    const float saved_y = y_;
    const float tw = (cw_ - 2 * m_.gap) / 3, th = tw * 9 / 16 + 150;
    float ly = ImGui::GetCursorScreenPos().y + m_.focus_ring + 4;
    int col_no = 0;
    std::size_t i = first;
    for (; i < els.size() && els[i].role == Role::tile; ++i) {
      const Element& e = els[i];
      const ImVec2 pos(x0_ + static_cast<float>(col_no) * (tw + m_.gap), ly);
      ImGui::SetCursorScreenPos(pos);
      if (i == focus_ || ImGui::IsRectVisible(ImVec2(tw, th))) tile(i, e, pos, ImVec2(tw, th), interactive);
      if (i == focus_ && interactive && scroll_to_focus_) ImGui::SetScrollHereY(0.5f);
      if (++col_no == 3) {
        col_no = 0;
        ly += th + m_.gap;
      }
    }
    if (col_no > 0) ly += th + m_.gap;
    ImGui::SetCursorScreenPos(ImVec2(x0_, ly));
    ImGui::Dummy(ImVec2(1, 1));
    ImGui::EndChild();
    dl_ = outer;
    y_ = saved_y + hgt + m_.gap;
    return i;
  }

  void tile(std::size_t index, const Element& e, ImVec2 pos, ImVec2 size, bool interactive) {
    bool hovered = false;
    hit(index, e, pos, size, interactive, hovered);
    const ImVec2 end(pos.x + size.x, pos.y + size.y);
    focus_ring(index, interactive, pos, end);
    fill_rounded(dl_, pos, end, col(hovered ? p_.button_hover : p_.button), 12);
    // The thumbnail, letterboxed into a 16:9 area at the top.
    const ImVec2 ia(pos.x + 8, pos.y + 8), ib(end.x - 8, pos.y + 8 + (size.x - 16) * 9 / 16);
    dl_->AddRectFilled(ia, ib, IM_COL32(0, 0, 0, 255));
    int w = 0, h = 0;
    if (ImTextureID tex = pictures_ != nullptr && !e.image.empty() ? pictures_->image(e.image, w, h) : nullptr) {
      draw_fitted(tex, w, h, ia, ib);
    }
    // Digit badge, title and length.
    float ty = ib.y + 12;
    if (e.shortcut >= 0) {
      const std::string d = std::to_string(e.shortcut);
      const ImVec2 c(ia.x + 36, ia.y + 36);
      dl_->AddCircleFilled(c, 28, col(p_.button));
      const ImVec2 ds = text_size(fonts_.body_bold, d);
      dl_->AddText(fonts_.body_bold, fonts_.body_bold->FontSize, ImVec2(c.x - ds.x / 2, c.y - ds.y / 2),
                   col(p_.button_text), d.c_str());
    }
    const float wrap = size.x - 32;
    dl_->PushClipRect(ImVec2(pos.x, ty), ImVec2(end.x, end.y - fonts_.small->FontSize - 12), true);
    dl_->AddText(fonts_.body_bold, fonts_.body_bold->FontSize, ImVec2(pos.x + 16, ty), col(p_.button_text),
                 e.text.c_str(), nullptr, wrap);
    dl_->PopClipRect();
    dl_->AddText(fonts_.small, fonts_.small->FontSize, ImVec2(pos.x + 16, end.y - fonts_.small->FontSize - 10),
                 col(p_.button_text), e.detail.c_str());
  }

  // `tex` (w x h) scaled to fit inside a..b, centred.
  void draw_fitted(ImTextureID tex, int w, int h, ImVec2 a, ImVec2 b) {
    if (w <= 0 || h <= 0) return;
    const float bw = b.x - a.x, bh = b.y - a.y;
    const float scale = std::min(bw / static_cast<float>(w), bh / static_cast<float>(h));
    const float dw = static_cast<float>(w) * scale, dh = static_cast<float>(h) * scale;
    const ImVec2 p0(std::round(a.x + (bw - dw) / 2), std::round(a.y + (bh - dh) / 2));
    dl_->AddImage(tex, p0, ImVec2(p0.x + std::round(dw), p0.y + std::round(dh)));
  }

  // The video fills what the controls below leave, with the caption cue
  // large on a dark box over its lower part.
  void video(const std::vector<Element>& els, std::size_t index, float nav_top) {
    const Element& ve = els[index];
    float below = fonts_.small->FontSize + m_.gap / 2;  // the notice line, kept even when empty
    for (std::size_t j = index + 1; j < els.size(); ++j) {
      if (els[j].role == Role::context) below += fonts_.small->FontSize + m_.gap / 2;
      if (els[j].role == Role::seek_bar) below += 64 + m_.gap;
      if (els[j].role == Role::media_button && els[j - 1].role != Role::media_button)
        below += m_.answer_height + m_.gap;
    }
    const float avail_h = std::max(120.f, nav_top - m_.gap - below - y_);
    const float vw = std::min(cw_, avail_h * 16 / 9), vh = vw * 9 / 16;
    const ImVec2 a(x0_ + (cw_ - vw) / 2, y_), b(a.x + vw, y_ + vh);
    int w = 0, h = 0;
    if (pictures_ != nullptr && pictures_->video_size(w, h)) {
      const float scale = std::min(vw / static_cast<float>(w), vh / static_cast<float>(h));
      const float dw = std::round(static_cast<float>(w) * scale), dh = std::round(static_cast<float>(h) * scale);
      const ImVec2 p0(std::round(a.x + (vw - dw) / 2), std::round(a.y + (vh - dh) / 2)), p1(p0.x + dw, p0.y + dh);
      // Black only where the picture leaves the box (a software renderer
      // pays for every pixel filled).
      const auto bar = [&](ImVec2 c, ImVec2 d) {
        if (d.x > c.x && d.y > c.y) dl_->AddRectFilled(c, d, IM_COL32(0, 0, 0, 255));
      };
      bar(a, ImVec2(b.x, p0.y));
      bar(ImVec2(a.x, p1.y), b);
      bar(ImVec2(a.x, p0.y), ImVec2(p0.x, p1.y));
      bar(ImVec2(p1.x, p0.y), ImVec2(b.x, p1.y));
      pictures_->draw_video(dl_, p0, p1);
    } else {
      dl_->AddRectFilled(a, b, IM_COL32(0, 0, 0, 255));
    }
    const std::string& cue = els[index].text;
    ImVec2 caption_a = a;
    if (!cue.empty()) {
      ImFont* f = fonts_.question;
      const float wrap = vw * 0.85f;
      const ImVec2 ts = text_size(f, cue, wrap);
      const ImVec2 ca(a.x + (vw - ts.x) / 2 - 24, b.y - ts.y - 48), cb(ca.x + ts.x + 48, b.y - 24);
      dl_->AddRectFilled(ca, cb, IM_COL32(0, 0, 0, 215));  // translucent: no corner pieces
      caption_a = ca;  // a tall cue reaches above the video
      // Each line centred.
      float ly = ca.y + 12;
      std::size_t start = 0;
      while (start <= cue.size()) {
        std::size_t nl = cue.find('\n', start);
        if (nl == std::string::npos) nl = cue.size();
        const std::string line = cue.substr(start, nl - start);
        const ImVec2 ls = text_size(f, line, wrap);
        dl_->AddText(f, f->FontSize, ImVec2(a.x + (vw - ls.x) / 2, ly), IM_COL32(255, 255, 255, 255), line.c_str(),
                     nullptr, wrap);
        ly += ls.y;
        start = nl + 1;
      }
    }
    const ImVec2 top(std::min(a.x, caption_a.x), std::min(a.y, caption_a.y));
    grow_live(top, b);
    result_.video = ScreenRect{top.x, top.y, b.x, b.y};
    y_ = b.y + m_.gap / 2;
    if (!ve.detail.empty())
      dl_->AddText(fonts_.small, fonts_.small->FontSize, ImVec2(x0_, y_), col(p_.muted_text), ve.detail.c_str());
    y_ += fonts_.small->FontSize + m_.gap / 2;
  }

  void seek_bar(std::size_t index, const Element& e, bool interactive) {
    const MediaView m = view_.media.value_or(MediaView{});
    const float bh = 64;
    const ImVec2 a(x0_, y_), b(x0_ + cw_, y_ + bh);
    const float label_w = text_size(fonts_.body_bold, e.text).x + 40;
    const ImVec2 ta(a.x, a.y + bh / 2 - 12), tb(b.x - label_w, a.y + bh / 2 + 12);
    bool hovered = false;
    if (interactive && e.enabled && e.command) {
      ImGui::SetCursorScreenPos(ImVec2(ta.x, a.y));
      ImGui::PushID(static_cast<int>(index));
      ImGui::InvisibleButton("##seek", ImVec2(tb.x - ta.x, bh));
      hovered = ImGui::IsItemHovered();
      if (ImGui::IsItemActive()) {
        const float f = (ImGui::GetIO().MousePos.x - ta.x) / (tb.x - ta.x);
        result_.seek_drag = std::clamp(f, 0.f, 1.f);
      }
      ImGui::PopID();
    }
    focus_ring(index, interactive, ImVec2(ta.x, a.y + 4), ImVec2(tb.x, b.y - 4));
    const std::int64_t shown_ms = m.position_ms / kSeekBarStepMs * kSeekBarStepMs;
    float frac = m.duration_ms > 0 ? static_cast<float>(shown_ms) / static_cast<float>(m.duration_ms) : 0.f;
    if (m.dragging) frac = *m.dragging;
    frac = std::clamp(frac, 0.f, 1.f);
    fill_rounded(dl_, ta, tb, col(p_.answer), 12);
    fill_rounded(dl_, ta, ImVec2(ta.x + (tb.x - ta.x) * frac, tb.y), col(hovered ? p_.button_hover : p_.button), 12);
    const ImVec2 knob(ta.x + (tb.x - ta.x) * frac, a.y + bh / 2);
    constexpr float knob_r = 22;
    dl_->AddCircleFilled(knob, knob_r, col(p_.button));
    const ImVec2 ts = text_size(fonts_.body_bold, e.text);
    dl_->AddText(fonts_.body_bold, fonts_.body_bold->FontSize, ImVec2(b.x - ts.x, a.y + (bh - ts.y) / 2), col(fg()),
                 e.text.c_str());
    grow_live(ImVec2(a.x - knob_r - 2, a.y), b);  // the knob at 0 reaches left of the bar
    y_ += bh + m_.gap;
  }

  void grow_live(ImVec2 a, ImVec2 b) {
    ScreenRect& r = result_.live ? *result_.live : result_.live.emplace(ScreenRect{a.x, a.y, b.x, b.y});
    r = {std::min(r.x0, a.x), std::min(r.y0, a.y), std::max(r.x1, b.x), std::max(r.y1, b.y)};
  }

  // The player's controls side by side, equal widths.
  std::size_t media_buttons(const std::vector<Element>& els, std::size_t first, bool interactive) {
    std::size_t last = first;
    while (last < els.size() && els[last].role == Role::media_button) ++last;
    const float n = static_cast<float>(last - first);
    const float bw = (cw_ - (n - 1) * m_.gap) / n;
    for (std::size_t i = first; i < last; ++i) {
      const float x = x0_ + static_cast<float>(i - first) * (bw + m_.gap);
      button(i, els[i], ImVec2(x, y_), ImVec2(bw, m_.answer_height), interactive, interactive);
    }
    y_ += m_.answer_height + m_.gap;
    return last;
  }

  void progress(const Element& e) {
    const float top = y_;
    text(fonts_.small, x0_, 0, e.text, p_.muted_text);
    if (!e.detail.empty()) {
      const ImVec2 ds = text_size(fonts_.small, e.detail);
      dl_->AddText(fonts_.small, fonts_.small->FontSize, ImVec2(x0_ + cw_ - ds.x, top), col(p_.muted_text),
                   e.detail.c_str());
    }
    y_ += 6;
    const float frac = view_.progress_total ? float(view_.progress_index) / float(view_.progress_total) : 0.f;
    fill_rounded(dl_, ImVec2(x0_, y_), ImVec2(x0_ + cw_, y_ + 14), col(p_.answer), 7);
    fill_rounded(dl_, ImVec2(x0_, y_), ImVec2(x0_ + cw_ * frac, y_ + 14), col(p_.button), 7);
    y_ += 14 + m_.gap;
  }

  void code_display(const Element& e) {
    const ImVec2 ts = text_size(fonts_.heading, e.text);
    const float bw = std::max(ts.x + 80, 640.f), bh = ts.y + 24;
    const float bx = x0_ + (cw_ - bw) / 2;
    fill_rounded(dl_, ImVec2(bx, y_), ImVec2(bx + bw, y_ + bh), col(p_.answer), 12);
    dl_->AddText(fonts_.heading, fonts_.heading->FontSize, ImVec2(bx + (bw - ts.x) / 2, y_ + 12),
                 col(p_.text), e.text.c_str());
    y_ += bh + m_.gap;
  }

  void crisis_line(const Element& e) {
    const ImVec2 ns = text_size(fonts_.heading, e.detail);
    const float wrap = x0_ + cw_ - ns.x - 60;
    const ImVec2 ls = text_size(fonts_.body_bold, e.text, wrap - x0_);
    const float hgt = std::max(ns.y, ls.y);
    dl_->AddText(fonts_.body_bold, fonts_.body_bold->FontSize, ImVec2(x0_, y_ + (hgt - ls.y) / 2), col(fg()),
                 e.text.c_str(), nullptr, wrap);
    dl_->AddText(fonts_.heading, fonts_.heading->FontSize, ImVec2(x0_ + cw_ - ns.x, y_), col(fg()),
                 e.detail.c_str());
    y_ += hgt + m_.gap;
  }

  // Keys 1-9 in a 3-wide grid, then 0 and the wide Delete key.
  std::size_t keypad(const std::vector<Element>& els, std::size_t first, bool interactive) {
    const float kw = m_.keypad_key_width, kh = m_.keypad_key_height, gap = m_.gap;
    const float gx = x0_ + (cw_ - (3 * kw + 2 * gap)) / 2;
    std::size_t i = first, slot = 0;
    for (; i < els.size() && els[i].role == Role::keypad; ++i, ++slot) {
      const float x = gx + static_cast<float>(slot % 3) * (kw + gap);
      const float y = y_ + static_cast<float>(slot / 3) * (kh + gap);
      const bool wide = slot == 10;
      button(i, els[i], ImVec2(x, y), ImVec2(wide ? 2 * kw + gap : kw, kh), interactive, interactive);
    }
    y_ += static_cast<float>((slot + 2) / 3) * (kh + gap);
    return i;
  }

  std::size_t review(const std::vector<Element>& els, std::size_t first, float bottom, bool interactive) {
    const float hgt = bottom - m_.gap - y_;
    ImGui::SetCursorScreenPos(ImVec2(x0_ - m_.focus_ring * 2, y_));
    ImGui::BeginChild("##review", ImVec2(cw_ + m_.focus_ring * 4 + 40, hgt), false);
    ImDrawList* outer = dl_;
    dl_ = ImGui::GetWindowDrawList();
    const float saved_y = y_;
    std::size_t i = first;
    float ly = ImGui::GetCursorScreenPos().y + m_.focus_ring + 4;
    for (; i < els.size() && els[i].role == Role::review_line; ++i) {
      const float lh = std::max(96.f, text_size(fonts_.body, els[i].text, cw_ * 0.62f).y + 28);
      // Lines scrolled out of sight are not drawn; the focused one always is,
      // so that it can be scrolled to.
      ImGui::SetCursorScreenPos(ImVec2(x0_, ly));
      if (i == focus_ || ImGui::IsRectVisible(ImVec2(cw_, lh)))
        button(i, els[i], ImVec2(x0_, ly), ImVec2(cw_, lh), interactive, interactive);
      if (i == focus_ && interactive && scroll_to_focus_) ImGui::SetScrollHereY(0.5f);
      ly += lh + m_.gap / 2;
    }
    ImGui::SetCursorScreenPos(ImVec2(x0_, ly));
    ImGui::Dummy(ImVec2(1, 1));
    ImGui::EndChild();
    dl_ = outer;
    y_ = saved_y + hgt + m_.gap;
    return i;
  }

  void nav_bar(const std::vector<Element>& els, float top, bool interactive) {
    float left = x0_, right = x0_ + cw_;
    for (std::size_t i = 0; i < els.size(); ++i) {
      const Element& e = els[i];
      if (e.role != Role::nav) continue;
      const float bw = std::max(300.f, text_size(fonts_.body_bold, e.text).x + 96);
      const bool is_back = e.command && e.command->kind == Command::back;
      if (is_back) {
        button(i, e, ImVec2(left, top), ImVec2(bw, m_.nav_height), interactive, interactive);
        left += bw + m_.gap;
      }
    }
    for (std::size_t i = els.size(); i-- > 0;) {
      const Element& e = els[i];
      if (e.role != Role::nav || (e.command && e.command->kind == Command::back)) continue;
      const float bw = std::max(300.f, text_size(fonts_.body_bold, e.text).x + 96);
      right -= bw;
      button(i, e, ImVec2(right, top), ImVec2(bw, m_.nav_height), interactive, interactive);
      right -= m_.gap;
    }
  }

  void overlay() {
    dl_->AddRectFilled(ImVec2(0, 0), ImVec2(w_, h_), IM_COL32(0, 0, 0, 150));
    const float pw = std::min(1200.f, w_ - 2 * m_.margin), ph = 450;
    const float px = (w_ - pw) / 2, py = (h_ - ph) / 2;
    fill_rounded(dl_, ImVec2(px, py), ImVec2(px + pw, py + ph), col(p_.background), 16);
    dl_->AddRect(ImVec2(px, py), ImVec2(px + pw, py + ph), col(p_.button), 16, 0, 4);
    const float saved_x0 = x0_, saved_cw = cw_;
    const bool saved_crisis = crisis_;
    crisis_ = false;
    x0_ = px + 60;
    cw_ = pw - 120;
    y_ = py + 50;
    for (std::size_t i = 0; i < view_.overlay.size(); ++i) {
      const Element& e = view_.overlay[i];
      if (e.role == Role::heading) {
        text(fonts_.heading, x0_, x0_ + cw_, e.text, p_.text);
        y_ += m_.gap;
      } else if (e.role == Role::body) {
        text(fonts_.body, x0_, x0_ + cw_, e.text, p_.text);
        y_ += m_.gap * 2;
      } else {
        button(i, e, ImVec2(x0_, y_), ImVec2(cw_, m_.answer_height), true, true);
        y_ += m_.answer_height + m_.gap;
      }
    }
    x0_ = saved_x0;
    cw_ = saved_cw;
    crisis_ = saved_crisis;
  }

 private:
  const View& view_;
  std::size_t focus_;
  bool scroll_to_focus_;
  const Fonts& fonts_;
  const Palette& p_;
  const Metrics& m_;
  float w_, h_, cw_ = 0, x0_ = 0, y_ = 0;
  bool crisis_ = false;
  ImDrawList* dl_ = nullptr;
  Pictures* pictures_;
  RenderResult result_;
};

}  // namespace

RenderResult render(const View& view, std::size_t focus, bool scroll_to_focus, const Fonts& fonts,
                    float width, float height, Pictures* pictures) {
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(width, height));
  // No window background: the caller clears to background_colour(), which
  // costs far less than a full-screen polygon in a software renderer.
  ImGui::Begin("##kiosk", nullptr,
               ImGuiWindowFlags_NoBackground | ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus |
                   ImGuiWindowFlags_NoScrollWithMouse | ImGuiWindowFlags_NoNav);
  Painter painter(view, focus, scroll_to_focus, fonts, width, height, pictures);
  RenderResult r = painter.run();
  ImGui::End();
  return r;
}

Rgb background_colour(const View& view) {
  return view.screen == Screen::crisis ? palette().crisis_background : palette().background;
}

}  // namespace outpost::ui
