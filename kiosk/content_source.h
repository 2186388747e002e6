// ContentSource: a folder of items the clinic publishes as a channel
// (docs/design.md, "Content channels", Publishing). Plain data: config/
// reads it from TOML, sync/ turns it into a signed channel.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace outpost {

struct ContentSourceItem {
  std::string id;  // the item's folder name
  std::string topic;
  std::int64_t order = 0;
  std::map<std::string, std::string> title, description;  // language -> text
  std::filesystem::path video, thumbnail;                   // absolute
  std::map<std::string, std::filesystem::path> captions;    // language -> absolute path
  std::filesystem::path metadata;                           // its item.toml, for messages
};

struct ContentSource {
  std::string default_language = "en";
  std::map<std::string, std::string> title;
  std::vector<ContentSourceItem> items;  // sorted by folder name
};

}  // namespace outpost
