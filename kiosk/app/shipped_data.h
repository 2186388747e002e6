// Where the programs find the data Outpost ships (questionnaires, zstd
// dictionaries): the installed share/outpost when it holds them, else the
// source tree's config/ (a build that was never installed).
#pragma once

#include <filesystem>

namespace outpost {

inline std::filesystem::path shipped_config_dir() {
  const std::filesystem::path installed = OUTPOST_INSTALLED_DATA_DIR;
  std::error_code ec;
  if (std::filesystem::is_directory(installed / "dictionaries", ec)) return installed;
  return OUTPOST_SOURCE_CONFIG_DIR;
}

}  // namespace outpost
