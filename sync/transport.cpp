#include "sync/transport.h"

namespace outpost::sync {

const char* put_errc_name(PutErrc code) {
  switch (code) {
    case PutErrc::created: return "created";
    case PutErrc::already_exists: return "already_exists";
    case PutErrc::network: return "network";
    case PutErrc::stalled: return "stalled";
    case PutErrc::untrusted: return "untrusted";
    case PutErrc::unauthorized: return "unauthorized";
    case PutErrc::too_large: return "too_large";
    case PutErrc::server_error: return "server_error";
    case PutErrc::rejected: return "rejected";
    case PutErrc::local_error: return "local_error";
  }
  return "unknown";
}

bool PutStatus::retryable() const {
  switch (code) {
    case PutErrc::network:
    case PutErrc::stalled:
    case PutErrc::too_large:
    case PutErrc::server_error:
      return true;
    default:
      return false;
  }
}

Status PutStatus::to_status() const {
  Errc errc = Errc::ok;
  switch (code) {
    case PutErrc::created:
    case PutErrc::already_exists:
      return Status::Ok();
    case PutErrc::network:
    case PutErrc::stalled:
    case PutErrc::server_error:
      errc = Errc::network;
      break;
    case PutErrc::untrusted:
    case PutErrc::unauthorized:
      errc = Errc::unauthorized;
      break;
    case PutErrc::too_large:
    case PutErrc::rejected:
      errc = Errc::invalid_argument;
      break;
    case PutErrc::local_error:
      errc = Errc::io_error;
      break;
  }
  // "network: stalled: PUT ..."; the outcome's name only where it adds to the code's.
  if (code == PutErrc::network) return Status(errc, message);
  return Status(errc, std::string(put_errc_name(code)) + ": " + message);
}

}  // namespace outpost::sync
