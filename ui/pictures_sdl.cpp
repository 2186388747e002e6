#include "ui/pictures_sdl.h"

#include <cmath>

namespace outpost::ui {

SdlPictures::~SdlPictures() {
  clear_video();
  for (auto& [file, pic] : images_)
    if (pic.texture != nullptr) SDL_DestroyTexture(pic.texture);
}

void SdlPictures::show_frame(const VideoFrame& f) {
  if (f.width <= 0 || f.height <= 0 || f.planes[0] == nullptr || f.planes[1] == nullptr || f.planes[2] == nullptr)
    return;
  if (video_ == nullptr || f.width != video_w_ || f.height != video_h_) {
    clear_video();
    video_ = SDL_CreateTexture(renderer_, SDL_PIXELFORMAT_IYUV, SDL_TEXTUREACCESS_STREAMING, f.width, f.height);
    if (video_ == nullptr) return;
    video_w_ = f.width;
    video_h_ = f.height;
  }
  if (SDL_UpdateYUVTexture(video_, nullptr, f.planes[0], f.strides[0], f.planes[1], f.strides[1], f.planes[2],
                           f.strides[2]) == 0) {
    has_frame_ = true;
    ++uploaded_;
  }
}

void SdlPictures::clear_video() {
  if (video_ != nullptr) SDL_DestroyTexture(video_);
  video_ = nullptr;
  video_w_ = video_h_ = 0;
  has_frame_ = false;
}

bool SdlPictures::video_size(int& width, int& height) {
  if (!has_frame_) return false;
  width = video_w_;
  height = video_h_;
  return true;
}

void SdlPictures::draw_callback(const ImDrawList*, const ImDrawCmd* cmd) {
  auto* self = static_cast<SdlPictures*>(cmd->UserCallbackData);
  if (self->video_ == nullptr) return;
  SDL_RenderSetClipRect(self->renderer_, nullptr);
  SDL_RenderCopy(self->renderer_, self->video_, nullptr, &self->video_dst_);
}

void SdlPictures::draw_video(ImDrawList* dl, ImVec2 a, ImVec2 b) {
  if (!has_frame_) return;
  video_dst_ = SDL_Rect{static_cast<int>(std::lround(a.x)), static_cast<int>(std::lround(a.y)),
                        static_cast<int>(std::lround(b.x - a.x)), static_cast<int>(std::lround(b.y - a.y))};
  dl->AddCallback(&SdlPictures::draw_callback, this);
}

ImTextureID SdlPictures::image(const std::string& file, int& width, int& height) {
  auto it = images_.find(file);
  if (it == images_.end()) {
    Picture pic;
    if (decode_) {
      if (std::optional<DecodedImage> img = decode_(file);
          img && img->width > 0 && img->height > 0 &&
          img->rgba.size() == static_cast<std::size_t>(img->width) * static_cast<std::size_t>(img->height) * 4) {
        pic.texture = SDL_CreateTexture(renderer_, SDL_PIXELFORMAT_ABGR8888, SDL_TEXTUREACCESS_STATIC, img->width,
                                        img->height);
        if (pic.texture != nullptr) {
          SDL_UpdateTexture(pic.texture, nullptr, img->rgba.data(), img->width * 4);
          pic.width = img->width;
          pic.height = img->height;
        }
      }
    }
    it = images_.emplace(file, pic).first;
  }
  width = it->second.width;
  height = it->second.height;
  return it->second.texture;
}

}  // namespace outpost::ui
