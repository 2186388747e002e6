#include "media/janus_http_curl.h"

#include <curl/curl.h>

#include <mutex>

namespace outpost::media {

namespace {

constexpr std::size_t kMaxAnswer = 1 << 20;  // an SDP offer is a few KiB

size_t collect(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (out->size() + size * n > kMaxAnswer) return 0;  // ends the transfer: CURLE_WRITE_ERROR
  out->append(data, size * n);
  return size * n;
}

int check_cancel(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<std::atomic<bool>*>(user)->load() ? 1 : 0;
}

}  // namespace

struct CurlJanusHttp::Easy {
  CURL* curl = nullptr;
  ~Easy() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

CurlJanusHttp::CurlJanusHttp(std::string base, std::chrono::milliseconds request_timeout)
    : base_(std::move(base)), timeout_(request_timeout), easy_(std::make_unique<Easy>()) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  easy_->curl = curl_easy_init();
}

CurlJanusHttp::~CurlJanusHttp() = default;

Result<nlohmann::json> CurlJanusHttp::post(const std::string& path, const nlohmann::json& body) {
  const std::string text = body.dump();
  return perform(path, &text, timeout_);
}

Result<nlohmann::json> CurlJanusHttp::get(const std::string& path, std::chrono::milliseconds timeout) {
  return perform(path, nullptr, timeout + std::chrono::seconds(5));
}

Result<nlohmann::json> CurlJanusHttp::perform(const std::string& path, const std::string* body,
                                              std::chrono::milliseconds timeout) {
  const std::string where = "janus " + base_;
  if (cancelled_) return Status(Errc::network, where + ": cancelled");
  CURL* c = easy_->curl;
  if (c == nullptr) return Status(Errc::internal, "libcurl could not start");
  curl_easy_reset(c);
  std::string answer;
  const std::string url = base_ + path;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, check_cancel);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &cancelled_);
  if (body != nullptr) {
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  }
  const CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  if (rc == CURLE_ABORTED_BY_CALLBACK) return Status(Errc::network, where + ": cancelled");
  if (rc == CURLE_WRITE_ERROR) return Status(Errc::network, where + path + ": answer larger than 1 MiB");
  if (rc != CURLE_OK) return Status(Errc::network, where + path + ": " + curl_easy_strerror(rc));
  if (status != 200) return Status(Errc::network, where + path + ": HTTP " + std::to_string(status));
  auto j = nlohmann::json::parse(answer, nullptr, false);
  if (j.is_discarded()) return Status(Errc::network, where + path + ": the answer is not JSON");
  return j;
}

JanusPoller::JanusPoller(std::string base, std::uint64_t session, EventFn on_event, StopFn on_stop)
    : http_(std::move(base)) {
  thread_ = std::thread([this, session, on_event = std::move(on_event), on_stop = std::move(on_stop)] {
    JanusSession s(http_, session);
    for (;;) {
      auto events = s.poll(std::chrono::seconds(30));
      if (stopping_) return;
      if (!events.ok()) {
        on_stop(events.status());
        return;
      }
      for (JanusEvent& e : *events) on_event(std::move(e));
    }
  });
}

JanusPoller::~JanusPoller() {
  stopping_ = true;
  http_.cancel();
  thread_.join();
}

}  // namespace outpost::media
