// Library: the installed content channel as the kiosk UI shows it (plain
// data). kiosk/app/content_wiring.cpp builds it from the verified
// manifest.json and the blob paths (docs/design.md, "Content channels").
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace outpost {

using LibraryText = std::map<std::string, std::string>;  // language -> text

struct LibraryItem {
  std::string id;
  std::string topic;  // one of the channel topics: coping, sleep, ...
  LibraryText title, description;
  std::int64_t duration_ms = 0;
  std::filesystem::path video, thumbnail;
  std::map<std::string, std::filesystem::path> captions;  // language -> WebVTT file
};

struct Library {
  std::string channel;
  std::uint64_t version = 0;
  std::string default_language;
  std::vector<LibraryItem> items;  // in the manifest's order: by topic, then order, then id
};

// `text` in `lang`, else in the channel's default language, else any.
inline std::string library_text(const LibraryText& text, const std::string& lang, const std::string& fallback) {
  if (auto it = text.find(lang); it != text.end()) return it->second;
  if (auto it = text.find(fallback); it != text.end()) return it->second;
  return text.empty() ? std::string() : text.begin()->second;
}

}  // namespace outpost
