// libFuzzer target for the bundle parser (docs/design.md, "Bundles"): any
// input must parse or be rejected with Errc::corrupt, never crash; what
// parses must re-encode to a bundle that parses to the same records.
#include <cstdint>
#include <cstdlib>

#include "sync/bundle.h"

using namespace outpost::sync;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const SigningKeyPair key = [] {
    crypto_init();
    return generate_signing_keys();
  }();
  auto b = parse_bundle({data, size});
  if (!b.ok()) {
    if (b.status().code() != outpost::Errc::corrupt) std::abort();
    return 0;
  }
  if (verify_bundle(*b, key.pk).ok()) std::abort();  // a random key never verifies
  auto again = encode_bundle(b->header, b->records, key.sk);
  if (!again.ok()) std::abort();
  auto back = parse_and_verify_bundle(*again, key.pk);
  if (!back.ok() || back->records.size() != b->records.size()) std::abort();
  for (std::size_t i = 0; i < b->records.size(); ++i) {
    const Record &x = b->records[i], &y = back->records[i];
    if (x.id != y.id || x.seq != y.seq || x.sealed != y.sealed || x.boot_id != y.boot_id || x.mono_ms != y.mono_ms)
      std::abort();
  }
  return 0;
}
