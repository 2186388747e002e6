#include "sync/transport_curl.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>

namespace outpost::sync {

namespace {

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

bool global_init() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
  return ok;
}

struct Upload {
  std::span<const std::uint8_t> body;
  std::size_t offset = 0;
};

size_t read_body(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* up = static_cast<Upload*>(userdata);
  std::size_t n = std::min(size * nitems, up->body.size() - up->offset);
  std::memcpy(buffer, up->body.data() + up->offset, n);
  up->offset += n;
  return n;
}

// Rewinds the body when libcurl must send it again (a redirect or a
// connection that broke before any answer).
int seek_body(void* userdata, curl_off_t offset, int origin) {
  auto* up = static_cast<Upload*>(userdata);
  if (origin != SEEK_SET || offset < 0 || static_cast<std::size_t>(offset) > up->body.size()) {
    return CURL_SEEKFUNC_FAIL;
  }
  up->offset = static_cast<std::size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t discard(char*, size_t size, size_t nmemb, void*) { return size * nmemb; }

struct Download {
  std::vector<std::uint8_t> body;
  std::size_t max = 0;
  bool too_large = false;
  std::string etag;
};

size_t keep_body(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* d = static_cast<Download*>(userdata);
  const std::size_t n = size * nmemb;
  if (d->body.size() + n > d->max) {
    d->too_large = true;
    return 0;  // aborts the transfer
  }
  d->body.insert(d->body.end(), data, data + n);
  return n;
}

size_t keep_etag(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* d = static_cast<Download*>(userdata);
  std::string_view line(data, size * nmemb);
  constexpr std::string_view kName = "etag:";
  if (line.size() > kName.size()) {
    std::string head(line.substr(0, kName.size()));
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
    if (head == kName) {
      std::string_view v = line.substr(kName.size());
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
      d->etag = std::string(v);
    }
  }
  return size * nmemb;
}

// A ranged GET in flight: the status line and Content-Range are checked
// before the first body byte is handed on.
struct RangeDownload {
  const RangeSink* sink = nullptr;
  std::uint64_t offset = 0, length = 0;
  std::uint64_t received = 0, object_size = 0;
  long status = 0;
  bool headers_checked = false;
  std::string content_range;  // "bytes a-b/size" of the final answer
  std::string refused;        // why the answer was refused; "" when not
  bool stopped = false;       // a 200 at offset 0 reached `length`: stop, not a failure
  bool sink_aborted = false;
};

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
  return v;
}

// Parses "bytes <first>-<last>/<size>" (size may be '*'); false otherwise.
bool parse_content_range(std::string_view v, std::uint64_t& first, std::uint64_t& size) {
  if (!v.starts_with("bytes ")) return false;
  v.remove_prefix(6);
  auto number = [&](std::uint64_t& out) {
    if (v.empty() || v.front() < '0' || v.front() > '9') return false;
    out = 0;
    while (!v.empty() && v.front() >= '0' && v.front() <= '9') {
      out = out * 10 + static_cast<std::uint64_t>(v.front() - '0');
      v.remove_prefix(1);
    }
    return true;
  };
  std::uint64_t last = 0;
  if (v.starts_with("*/")) {  // 416's "bytes */<size>"
    v.remove_prefix(2);
    first = 0;
    return number(size);
  }
  if (!number(first) || !v.starts_with('-')) return false;
  v.remove_prefix(1);
  if (!number(last) || !v.starts_with('/')) return false;
  v.remove_prefix(1);
  size = 0;
  return v == "*" || number(size);
}

size_t range_header(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* d = static_cast<RangeDownload*>(userdata);
  std::string_view line(data, size * nmemb);
  if (line.starts_with("HTTP/")) d->content_range.clear();  // a new answer (after 100 Continue, a redirect)
  constexpr std::string_view kName = "content-range:";
  if (line.size() > kName.size()) {
    std::string head(line.substr(0, kName.size()));
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
    if (head == kName) d->content_range = std::string(trim(line.substr(kName.size())));
  }
  return size * nmemb;
}

size_t range_body(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* d = static_cast<RangeDownload*>(userdata);
  const std::size_t n = size * nmemb;
  if (!d->headers_checked) {
    d->headers_checked = true;
    if (d->status == 206) {
      std::uint64_t first = 0, total = 0;
      if (!parse_content_range(d->content_range, first, total)) {
        d->refused = "206 without a usable Content-Range ('" + d->content_range + "')";
        return 0;
      }
      d->object_size = total;
      if (first != d->offset) {
        d->refused = "Content-Range starts at " + std::to_string(first) + ", not at " + std::to_string(d->offset);
        return 0;
      }
    } else if (d->status == 200) {
      if (d->offset > 0) {
        d->refused = "server ignored Range (200 for bytes from " + std::to_string(d->offset) + ")";
        return 0;
      }
    } else {
      return n;  // an error page: discarded, the status decides
    }
  }
  if (d->status != 200 && d->status != 206) return n;
  const std::uint64_t room = d->length - d->received;
  const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(room, n));
  if (take > 0) {
    if (!(*d->sink)(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data), take))) {
      d->sink_aborted = true;
      d->received += take;
      return 0;
    }
    d->received += take;
  }
  if (take < n) {
    if (d->status == 200) {
      d->stopped = true;  // offset 0, whole object asked for less: the caller decides
    } else {
      d->refused = "server sent more than asked (" + std::to_string(d->length) + " bytes)";
    }
    return 0;
  }
  return n;
}

// The test-only switch for plain HTTP (docs/design.md, "Sync protocol"):
// an environment variable, so no shipped config can turn it on.
bool plain_http_allowed() {
  const char* v = std::getenv("OUTPOST_TEST_ALLOW_PLAIN_HTTP");
  return v != nullptr && std::string_view(v) == "1";
}

PutErrc classify_curl(CURLcode rc) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return PutErrc::stalled;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      return PutErrc::untrusted;
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_READ_ERROR:
      return PutErrc::local_error;
    default:
      // Connect failures, resets, cuts mid-request, TLS handshake aborts.
      return PutErrc::network;
  }
}

PutErrc classify_http(long status, PutMode mode) {
  if (status >= 200 && status < 300) return PutErrc::created;
  if ((status == 409 || status == 412) && mode == PutMode::create_only) return PutErrc::already_exists;
  if (status == 401 || status == 403) return PutErrc::unauthorized;
  if (status == 413) return PutErrc::too_large;
  if (status == 408 || status == 429 || status >= 500) return PutErrc::server_error;
  return PutErrc::rejected;
}

Status check_file(const std::string& file, const char* option) {
  if (file.empty()) return Status::Ok();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return Status(Errc::invalid_config, std::string("sync: ") + option + " '" + file + "' is not a readable file");
  }
  return Status::Ok();
}

}  // namespace

struct CurlTransport::Handle {
  std::unique_ptr<CURL, EasyDeleter> easy;
};

CurlTransport::CurlTransport(CurlTransportOptions options) : options_(std::move(options)) {}
CurlTransport::~CurlTransport() = default;

Result<std::unique_ptr<CurlTransport>> CurlTransport::create(CurlTransportOptions options) {
  const std::string& url = options.base_url;
  if (url.starts_with("http://") && !plain_http_allowed()) {
    return Status(Errc::invalid_config, "sync: server '" + url +
                                            "' is plain HTTP; Outpost sends only over https:// (or file:// for a folder)");
  }
  if (!url.starts_with("https://") && !url.starts_with("http://")) {
    return Status(Errc::invalid_config, "sync: server '" + url + "' must start with https:// (or file:// for a folder)");
  }
  if (url.starts_with("http://") && options.bearer_token.size() > 0) {
    return Status(Errc::invalid_config, "sync: a bearer token is only sent over https://, not to '" + url + "'");
  }
  for (auto [file, name] : {std::pair{&options.ca_file, "ca_file"}, {&options.client_cert, "client_cert"},
                            {&options.client_key, "client_key"}}) {
    if (auto s = check_file(*file, name); !s.ok()) return s;
  }
  if (!options.pinned_public_key.empty() && !options.pinned_public_key.starts_with("sha256//")) {
    if (auto s = check_file(options.pinned_public_key, "pinned_public_key"); !s.ok()) return s;
  }
  if (options.client_cert.empty() != options.client_key.empty()) {
    return Status(Errc::invalid_config, "sync: client_cert and client_key must be given together");
  }
  while (options.base_url.ends_with('/')) options.base_url.pop_back();
  if (!global_init()) return Status(Errc::internal, "sync: libcurl failed to initialise");
  std::unique_ptr<CurlTransport> t(new CurlTransport(std::move(options)));
  t->handle_ = std::make_unique<Handle>();
  t->handle_->easy.reset(curl_easy_init());
  if (!t->handle_->easy) return Status(Errc::internal, "sync: libcurl could not make a handle");
  return t;
}

// Options every request shares: timeouts, protocols and TLS. The server is
// always verified; with only a pinned key (a self-signed drop box) the pin
// is the verification.
void CurlTransport::configure(void* easy, const std::string& url) const {
  CURL* c = static_cast<CURL*>(easy);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, plain_http_allowed() ? "https,http" : "https");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_s);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, options_.timeout_s);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_limit);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, options_.low_speed_time_s);
  const bool pin_only = options_.ca_file.empty() && !options_.pinned_public_key.empty();
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, pin_only ? 0L : 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, pin_only ? 0L : 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (!options_.pinned_public_key.empty()) {
    curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, options_.pinned_public_key.c_str());
  }
  if (!options_.client_cert.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLCERT, options_.client_cert.c_str());
    curl_easy_setopt(c, CURLOPT_SSLKEY, options_.client_key.c_str());
  }
}

FetchResult CurlTransport::fetch(std::string_view path, const std::string& etag, std::size_t max_bytes) {
  CURL* c = handle_->easy.get();
  curl_easy_reset(c);
  const std::string url = options_.base_url + "/" + std::string(path);
  const std::string what = "GET " + url;
  SlistPtr headers;
  std::string cond = "If-None-Match: " + etag;
  if (!etag.empty()) headers.reset(curl_slist_append(nullptr, cond.c_str()));
  if (!options_.bearer_token.empty()) {
    std::string auth = "Authorization: Bearer " + options_.bearer_token;
    if (curl_slist* head = curl_slist_append(headers.get(), auth.c_str())) {
      (void)headers.release();
      headers.reset(head);
    }
  }
  Download d;
  d.max = max_bytes;
  configure(c, url);
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(c, CURLOPT_MAX_RECV_SPEED_LARGE, static_cast<curl_off_t>(options_.max_receive_rate));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &d);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, keep_etag);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &d);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  if (d.too_large) return {FetchErrc::failed, {}, {}, what + ": larger than " + std::to_string(max_bytes) + " bytes"};
  if (rc != CURLE_OK) {
    std::string detail = error[0] ? error : curl_easy_strerror(rc);
    if (classify_curl(rc) == PutErrc::untrusted) detail = "server certificate not trusted: " + detail;
    return {FetchErrc::failed, {}, {}, what + ": " + detail};
  }
  if (status == 304) return {FetchErrc::not_modified, {}, etag, {}};
  if (status == 404) return {FetchErrc::not_found, {}, {}, what + ": HTTP 404"};
  if (status != 200) return {FetchErrc::failed, {}, {}, what + ": HTTP " + std::to_string(status)};
  return {FetchErrc::ok, std::move(d.body), std::move(d.etag), {}};
}

PutStatus CurlTransport::put(std::string_view path, std::span<const std::uint8_t> body, PutMode mode) {
  CURL* c = handle_->easy.get();
  // Reset options but keep the connection cache, so keep-alive survives.
  curl_easy_reset(c);
  const std::string url = options_.base_url + "/" + std::string(path);
  const std::string what = "PUT " + url;
  last_wire_bytes_ = 0;

  // Fewer header bytes per bundle: no Accept, no Expect round trip.
  SlistPtr headers;
  auto add = [&](const std::string& h) {
    // Appending returns the list head (new on the first call), or null on
    // failure with the old list untouched.
    if (curl_slist* head = curl_slist_append(headers.get(), h.c_str())) {
      (void)headers.release();
      headers.reset(head);
    }
  };
  add("Accept:");
  add("Expect:");
  if (mode == PutMode::create_only) add("If-None-Match: *");
  if (!options_.bearer_token.empty()) add("Authorization: Bearer " + options_.bearer_token);

  Upload up{body, 0};
  configure(c, url);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_body);
  curl_easy_setopt(c, CURLOPT_READDATA, &up);
  curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, seek_body);
  curl_easy_setopt(c, CURLOPT_SEEKDATA, &up);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_MAX_SEND_SPEED_LARGE, static_cast<curl_off_t>(options_.max_send_rate));
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);

  const CURLcode rc = curl_easy_perform(c);

  long request_size = 0, header_size = 0, status = 0;
  curl_off_t uploaded = 0, downloaded = 0;
  curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &request_size);
  curl_easy_getinfo(c, CURLINFO_HEADER_SIZE, &header_size);
  curl_easy_getinfo(c, CURLINFO_SIZE_UPLOAD_T, &uploaded);
  curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &downloaded);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  last_wire_bytes_ = static_cast<std::uint64_t>(request_size + header_size + uploaded + downloaded);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);

  if (rc != CURLE_OK) {
    const PutErrc code = classify_curl(rc);
    std::string detail = error[0] ? error : curl_easy_strerror(rc);
    if (code == PutErrc::untrusted) detail = "server certificate not trusted: " + detail;
    return {code, static_cast<int>(status), what + ": " + detail};
  }
  const PutErrc code = classify_http(status, mode);
  std::string message = what + ": HTTP " + std::to_string(status);
  return {code, static_cast<int>(status), std::move(message)};
}

RangeResult CurlTransport::fetch_range(std::string_view path, std::uint64_t offset, std::uint64_t length,
                                       const RangeSink& on_data) {
  CURL* c = handle_->easy.get();
  curl_easy_reset(c);
  const std::string url = options_.base_url + "/" + std::string(path);
  const std::string what = "GET " + url;
  if (length == 0) return {FetchErrc::failed, 0, 0, 0, what + ": empty range asked"};
  SlistPtr headers;
  if (!options_.bearer_token.empty()) {
    std::string auth = "Authorization: Bearer " + options_.bearer_token;
    headers.reset(curl_slist_append(nullptr, auth.c_str()));
  }
  // No CURLOPT_ACCEPT_ENCODING: the answer is identity-coded, so the bytes
  // of a range are the object's own.
  const std::string range = std::to_string(offset) + "-" + std::to_string(offset + length - 1);
  RangeDownload d;
  d.sink = &on_data;
  d.offset = offset;
  d.length = length;
  configure(c, url);
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());
  curl_easy_setopt(c, CURLOPT_MAX_RECV_SPEED_LARGE, static_cast<curl_off_t>(options_.max_receive_rate));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, range_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &d);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  struct StatusProbe {
    CURL* c;
    RangeDownload* d;
  };
  // range_body needs the status; libcurl sets CURLINFO_RESPONSE_CODE once
  // the headers are in, which is before any body byte, so a header callback
  // on the blank line ending the headers reads it.
  static constexpr auto header_cb = [](char* data, size_t size, size_t nmemb, void* userdata) -> size_t {
    auto* p = static_cast<StatusProbe*>(userdata);
    const size_t n = range_header(data, size, nmemb, p->d);
    if (trim(std::string_view(data, size * nmemb)).empty()) {
      long status = 0;
      curl_easy_getinfo(p->c, CURLINFO_RESPONSE_CODE, &status);
      p->d->status = status;
    }
    return n;
  };
  StatusProbe probe{c, &d};
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, +header_cb);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &probe);
  const CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  const int http = static_cast<int>(status);
  if (!d.refused.empty()) return {FetchErrc::failed, http, d.received, d.object_size, what + ": " + d.refused};
  if (d.sink_aborted) return {FetchErrc::failed, http, d.received, d.object_size, what + ": aborted by the receiver"};
  if (d.stopped) return {FetchErrc::ok, http, d.received, d.object_size, {}};
  if (rc != CURLE_OK) {
    std::string detail = error[0] ? error : curl_easy_strerror(rc);
    if (classify_curl(rc) == PutErrc::untrusted) detail = "server certificate not trusted: " + detail;
    return {FetchErrc::failed, http, d.received, d.object_size, what + ": " + detail};
  }
  if (status == 404) return {FetchErrc::not_found, http, 0, 0, what + ": HTTP 404"};
  if (status == 416) {
    std::uint64_t first = 0, total = 0;
    if (parse_content_range(d.content_range, first, total)) d.object_size = total;
    return {FetchErrc::failed, http, 0, d.object_size, what + ": HTTP 416, offset " + std::to_string(offset) +
                                                           " at or past the end"};
  }
  if (status != 200 && status != 206) return {FetchErrc::failed, http, 0, 0, what + ": HTTP " + std::to_string(status)};
  if (status == 200 && offset > 0) {  // an empty 200 body never reached range_body
    return {FetchErrc::failed, http, 0, 0, what + ": server ignored Range (200 for bytes from " +
                                               std::to_string(offset) + ")"};
  }
  if (status == 206 && !d.headers_checked) {
    std::uint64_t first = 0, total = 0;
    if (!parse_content_range(d.content_range, first, total) || first != offset) {
      return {FetchErrc::failed, http, 0, 0, what + ": 206 without a matching Content-Range"};
    }
    d.object_size = total;
  }
  return {FetchErrc::ok, http, d.received, d.object_size, {}};
}

}  // namespace outpost::sync
