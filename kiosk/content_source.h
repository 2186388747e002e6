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

// One video session of schedule.toml; publish checks it as the manifest's
// schedule (docs/design.md, "Content channels") and hashes `patients`.
struct ContentSourceSession {
  std::string id, kind;
  std::map<std::string, std::string> title;
  std::string start, end;  // YYYY-MM-DDTHH:MM:SSZ
  std::string server;
  std::int64_t room = 0;
  std::string pin;
  std::vector<std::string> patients;  // normalized patient codes (private sessions)
};

struct ContentSource {
  std::string default_language = "en";
  std::map<std::string, std::string> title;
  std::vector<ContentSourceItem> items;  // sorted by folder name
  std::vector<ContentSourceSession> sessions;  // schedule.toml, in file order
  std::filesystem::path schedule_file;         // for messages; empty without one
};

}  // namespace outpost
