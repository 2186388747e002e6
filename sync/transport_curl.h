// CurlTransport: HTTPS PUT to a WebDAV/S3-style drop box with libcurl
// (docs/design.md, "Sync protocol"), and GET for receipts. PUT
// {base_url}/{path}; create_only sends "If-None-Match: *" and maps 409/412
// to already_exists. HTTPS only (plain http:// only with the test switch
// OUTPOST_TEST_ALLOW_PLAIN_HTTP=1 in the environment, and then without a
// bearer token; such a URL has no TLS and nothing verifies the server). Over
// https:// TLS always verifies the server: against `ca_file`, or the system
// store, and/or a pinned public key. One easy handle is kept so the connection is reused between bundles.
// Owned by one sync loop; not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "sync/transport.h"

namespace outpost::sync {

struct CurlTransportOptions {
  std::string base_url;           // "https://clinic.example:8443" (no trailing path needed)
  std::string ca_file;            // PEM bundle that signs the server; empty: system store
  std::string pinned_public_key;  // "sha256//BASE64" or a DER/PEM public key file; empty: none
  std::string client_cert;        // PEM client certificate for mTLS; empty: none
  std::string client_key;         // its key (mode 0600)
  std::string bearer_token;       // sent as "Authorization: Bearer ..."; empty: none
  long connect_timeout_s = 15;
  long timeout_s = 300;           // a whole request, upload and answer
  long low_speed_limit = 64;      // bytes/s; below it for low_speed_time_s aborts (stalled)
  long low_speed_time_s = 20;
  std::uint64_t max_send_rate = 0;  // bytes/s; 0 = no cap
  std::uint64_t max_receive_rate = 0;  // bytes/s for fetch and fetch_range; 0 = no cap
};

class CurlTransport final : public Transport {
 public:
  // Checks the options (URL scheme, files readable); Errc::invalid_config
  // names the option that is wrong.
  static Result<std::unique_ptr<CurlTransport>> create(CurlTransportOptions options);
  ~CurlTransport() override;

  PutStatus put(std::string_view path, std::span<const std::uint8_t> body, PutMode mode) override;
  FetchResult fetch(std::string_view path, const std::string& etag, std::size_t max_bytes) override;
  RangeResult fetch_range(std::string_view path, std::uint64_t offset, std::uint64_t length,
                          const RangeSink& on_data) override;
  void set_max_send_rate(std::uint64_t bytes_per_second) override { options_.max_send_rate = bytes_per_second; }
  void set_max_receive_rate(std::uint64_t bytes_per_second) override { options_.max_receive_rate = bytes_per_second; }
  std::string describe() const override { return options_.base_url; }

  // Bytes that went over the wire for the last put, HTTP headers included,
  // as libcurl counts them (for the benchmark).
  std::uint64_t last_wire_bytes() const { return last_wire_bytes_; }

 private:
  struct Handle;
  explicit CurlTransport(CurlTransportOptions options);
  void configure(void* easy, const std::string& url) const;
  CurlTransportOptions options_;
  std::unique_ptr<Handle> handle_;
  std::uint64_t last_wire_bytes_ = 0;
};

}  // namespace outpost::sync
