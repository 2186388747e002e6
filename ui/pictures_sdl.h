// SdlPictures: Pictures on an SDL renderer. The video is an IYUV streaming
// texture that SDL_UpdateYUVTexture fills straight from the decoder's I420
// planes (with their strides), drawn with SDL_RenderCopy from a draw-list
// callback; thumbnails are RGBA textures made once per file. UI thread only.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include <SDL.h>

#include "ui/pictures.h"

namespace outpost::ui {

using ImageDecoder = std::function<std::optional<DecodedImage>(const std::string& file)>;

class SdlPictures final : public Pictures {
 public:
  SdlPictures(SDL_Renderer* renderer, ImageDecoder decode);
  ~SdlPictures() override;
  SdlPictures(const SdlPictures&) = delete;
  SdlPictures& operator=(const SdlPictures&) = delete;

  void show_frame(const VideoFrame& frame) override;
  void clear_video() override;
  bool video_size(int& width, int& height) override;
  void draw_video(ImDrawList* dl, ImVec2 a, ImVec2 b) override;
  ImTextureID image(const std::string& file, int& width, int& height) override;

  std::int64_t frames_uploaded() const { return uploaded_; }
  // Where the last draw_video put the picture (renderer pixels); empty when
  // there is no frame.
  SDL_Rect video_rect() const { return has_frame_ ? video_dst_ : SDL_Rect{}; }

 private:
  static void draw_callback(const ImDrawList* list, const ImDrawCmd* cmd);

  struct Picture {
    SDL_Texture* texture = nullptr;  // null: could not be decoded
    int width = 0, height = 0;
  };
  SDL_Renderer* renderer_;
  ImageDecoder decode_;
  // The window's pixel format when the renderer is SDL's software one, else
  // 0 (show_frame).
  Uint32 direct_format_ = 0;
  SDL_Texture* video_ = nullptr;
  Uint32 video_format_ = 0;
  int video_w_ = 0, video_h_ = 0;
  bool has_frame_ = false;
  SDL_Rect video_dst_{};
  std::int64_t uploaded_ = 0;
  std::map<std::string, Picture> images_;
};

}  // namespace outpost::ui
