#include "kiosk/result.h"

namespace outpost {

const char* errc_name(Errc code) {
  switch (code) {
    case Errc::ok: return "ok";
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::invalid_questionnaire: return "invalid_questionnaire";
    case Errc::invalid_response: return "invalid_response";
    case Errc::invalid_config: return "invalid_config";
    case Errc::not_found: return "not_found";
    case Errc::io_error: return "io_error";
    case Errc::storage_full: return "storage_full";
    case Errc::corrupt: return "corrupt";
    case Errc::unauthorized: return "unauthorized";
    case Errc::network: return "network";
    case Errc::busy: return "busy";
    case Errc::already_exists: return "already_exists";
    case Errc::internal: return "internal";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  return std::string(errc_name(code_)) + ": " + message_;
}

}  // namespace outpost
