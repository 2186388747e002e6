// Where the programs find the data Outpost ships (questionnaires, zstd
// dictionaries, crisis rules): share/outpost beside the program's own
// folder (the installed layout, /usr/bin -> /usr/share/outpost), or in the
// build tree the program was built in (staged at build/share/outpost), else
// the install prefix's share/outpost. No source-tree path is built in: a binary that
// finds neither names the installed folder in its errors.
#pragma once

#include <filesystem>

namespace outpost::app {

std::filesystem::path shipped_config_dir();

}  // namespace outpost::app
