#include "ui/pictures_sdl.h"

#include <cmath>
#include <cstring>

namespace outpost::ui {

namespace {

// Whether the planes lie as SDL_ConvertPixels expects IYUV: one block, Y
// then U then V, chroma rows half the luma stride.
bool sdl_iyuv_layout(const VideoFrame& f) {
  const int uv_stride = (f.strides[0] + 1) / 2, uv_rows = (f.height + 1) / 2;
  return f.strides[1] == uv_stride && f.strides[2] == uv_stride &&
         f.planes[1] == f.planes[0] + static_cast<std::ptrdiff_t>(f.strides[0]) * f.height &&
         f.planes[2] == f.planes[1] + static_cast<std::ptrdiff_t>(uv_stride) * uv_rows;
}

}  // namespace

SdlPictures::SdlPictures(SDL_Renderer* renderer, ImageDecoder decode) : renderer_(renderer), decode_(std::move(decode)) {
  // SDL's software renderer keeps an IYUV texture as ARGB8888 and converts
  // the pixels again in every scaled copy into the window (XRGB on X11): 60 %
  // of the UI thread's time at 720p. A texture in the window's own format,
  // filled by one SDL_ConvertPixels, is copied by SDL's plain stretch.
  SDL_RendererInfo info{};
  SDL_Window* window = SDL_RenderGetWindow(renderer);
  if (window != nullptr && SDL_GetRendererInfo(renderer, &info) == 0 && std::strcmp(info.name, "software") == 0) {
    const Uint32 f = SDL_GetWindowPixelFormat(window);
    for (Uint32 i = 0; i < info.num_texture_formats; ++i)
      if (info.texture_formats[i] == f) direct_format_ = f;
  }
}

SdlPictures::~SdlPictures() {
  clear_video();
  for (auto& [file, pic] : images_)
    if (pic.texture != nullptr) SDL_DestroyTexture(pic.texture);
}

void SdlPictures::show_frame(const VideoFrame& f) {
  if (f.width <= 0 || f.height <= 0 || f.planes[0] == nullptr || f.planes[1] == nullptr || f.planes[2] == nullptr)
    return;
  const Uint32 format =
      direct_format_ != 0 && sdl_iyuv_layout(f) ? direct_format_ : static_cast<Uint32>(SDL_PIXELFORMAT_IYUV);
  if (video_ == nullptr || f.width != video_w_ || f.height != video_h_ || format != video_format_) {
    clear_video();
    video_ = SDL_CreateTexture(renderer_, format, SDL_TEXTUREACCESS_STREAMING, f.width, f.height);
    if (video_ == nullptr) return;
    video_format_ = format;
    video_w_ = f.width;
    video_h_ = f.height;
  }
  int ok = -1;
  if (format == SDL_PIXELFORMAT_IYUV) {
    ok = SDL_UpdateYUVTexture(video_, nullptr, f.planes[0], f.strides[0], f.planes[1], f.strides[1], f.planes[2],
                              f.strides[2]);
  } else {
    void* pixels = nullptr;
    int pitch = 0;
    if (SDL_LockTexture(video_, nullptr, &pixels, &pitch) == 0) {
      ok = SDL_ConvertPixels(f.width, f.height, SDL_PIXELFORMAT_IYUV, f.planes[0], f.strides[0], format, pixels,
                             pitch);
      SDL_UnlockTexture(video_);
    }
  }
  if (ok == 0) {
    has_frame_ = true;
    ++uploaded_;
  }
}

void SdlPictures::clear_video() {
  if (video_ != nullptr) SDL_DestroyTexture(video_);
  video_ = nullptr;
  video_format_ = 0;
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
