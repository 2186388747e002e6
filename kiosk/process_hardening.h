// Process hardening every Outpost program does first thing in main
// (docs/design.md, "Threat model"): a crash must not leave answers, keys or
// patient codes in a core file, and other processes of the same user must not
// read this one's memory.
#pragma once

#include "kiosk/result.h"

namespace outpost {

// Sets RLIMIT_CORE to {0, 0} (no core file, and it cannot be raised again)
// and PR_SET_DUMPABLE to 0 (no core dump through a core_pattern pipe either,
// no ptrace or /proc/PID/mem by the same user; /proc/PID/ becomes root's).
// Call before any thread starts. An error names what could not be set; the
// caller decides whether to go on.
Status disable_core_dumps();

}  // namespace outpost
