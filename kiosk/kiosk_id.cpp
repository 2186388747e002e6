#include "kiosk/kiosk_id.h"

#include <string>

namespace outpost {

Status check_kiosk_id(std::string_view id) {
  if (id.empty() || id.size() > kKioskIdMaxLength) {
    return Status(Errc::invalid_argument, "kiosk id must be 1-64 characters");
  }
  if (id.front() == '.') return Status(Errc::invalid_argument, "kiosk id must not start with '.'");
  for (char c : id) {
    bool good = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                c == '_' || c == '-';
    if (!good) {
      return Status(Errc::invalid_argument, "kiosk id '" + std::string(id) + "': only letters, digits, '.', '_', '-'");
    }
  }
  return Status::Ok();
}

}  // namespace outpost
