// Registration of outpostctl's command groups. Each register_* adds a
// subcommand whose callback sets `exit_code`; main returns it.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace outpost::ctl {

struct CommonOptions {
  std::string config_file;
  std::string data_dir;
};

void register_assess(CLI::App& app, CommonOptions& common, int& exit_code);

}  // namespace outpost::ctl
