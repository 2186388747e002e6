#include "kiosk/process_hardening.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace outpost {

Status disable_core_dumps() {
  const rlimit none{0, 0};
  if (::setrlimit(RLIMIT_CORE, &none) != 0) {
    return Status(Errc::internal,
                  std::string("cannot turn core dumps off (RLIMIT_CORE): ") + std::strerror(errno));
  }
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return Status(Errc::internal,
                  std::string("cannot make the process non-dumpable: ") + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace outpost
