// Status and Result: errors as values at module boundaries.
//
// Every function that can fail on input from outside (a file, a network peer,
// a patient) returns a Status or a Result<T>. The message is written for the
// person who will read it (staff, clinic admin) and names the file, field or
// item that is wrong. Nothing here throws.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace outpost {

enum class Errc {
  ok = 0,
  invalid_argument,       // caller passed something unusable
  invalid_questionnaire,  // a Questionnaire failed validation
  invalid_response,       // answers do not fit the Questionnaire
  invalid_config,         // site config or key files are wrong
  not_found,              // a file, record or item does not exist
  io_error,               // the OS refused a read or write
  storage_full,           // no space left on the data volume
  corrupt,                // data failed an integrity check (hash, signature, format)
  unauthorized,           // a key or signature is not trusted
  network,                // the remote side could not be reached
  busy,                   // try again later
  already_exists,         // a create-only write found the file there
  internal,               // a bug in Outpost; report it
};

const char* errc_name(Errc code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Errc code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == Errc::ok; }
  Errc code() const { return code_; }
  const std::string& message() const { return message_; }

  // "storage_full: no space left on /var/lib/outpost (outbox.db)"
  std::string to_string() const;

 private:
  Errc code_ = Errc::ok;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "a Result built from a Status must carry an error");
  }
  Result(Errc code, std::string message) : v_(Status(code, std::move(message))) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  // Precondition: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // Status::Ok() when ok().
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace outpost
