// Reading a file that came from outside (a config, a key, a questionnaire, a
// bundle): one checked way, so a folder, a FIFO, a device, an empty file or a
// huge one is a clear error instead of an exception, a hang or a silent
// empty read. POSIX only; nothing here throws.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "kiosk/result.h"

namespace outpost {

// The whole of `path`, which MUST be a regular file of 1 to `max_bytes`
// bytes. `what` names the file for the reader ("config file", "key file").
// Errors name the path and say what is wrong:
//   Errc::not_found         it does not exist
//   Errc::invalid_argument  a folder, a FIFO, a device or a socket; empty;
//                           larger than max_bytes (checked before reading)
//   Errc::io_error          permission denied, or the read failed
// Never blocks on a FIFO (opened O_NONBLOCK, then refused).
Result<std::string> read_file_checked(const std::filesystem::path& path, std::size_t max_bytes,
                                      std::string_view what);

// False only when `path` certainly does not exist (ENOENT, ENOTDIR). A path
// that cannot even be looked at (EACCES on a parent) counts as present, so
// that reading it reports why instead of falling back to defaults.
bool path_may_exist(const std::filesystem::path& path);

}  // namespace outpost
