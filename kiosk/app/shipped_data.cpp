#include "kiosk/app/shipped_data.h"

namespace outpost::app {

std::filesystem::path shipped_config_dir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    // bin/ -> share/outpost when installed, and build/tests/ ->
    // build/share/outpost; deeper (build/kiosk/cmd/) only into a build tree,
    // so an installed program never takes another prefix's data.
    fs::path dir = exe.parent_path();
    for (int up = 0; up < 3 && dir.has_relative_path(); ++up) {
      dir = dir.parent_path();
      const fs::path candidate = dir / "share" / "outpost";
      const bool build_tree = fs::exists(dir / "CMakeCache.txt", ec);
      if ((up == 0 || build_tree) && fs::is_directory(candidate / "dictionaries", ec)) return candidate;
    }
  }
  return OUTPOST_INSTALLED_DATA_DIR;
}

}  // namespace outpost::app
