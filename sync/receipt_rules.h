// Receipt rules: what one verified receipt entry means for an outbox
// (docs/design.md, "Receipts"), decided in one place for every Outbox
// (MemoryOutbox, SqliteOutbox), which then only store the outcome.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kiosk/result.h"
#include "sync/receipt.h"

namespace outpost::sync {

// What the outbox holds of one bundle it made.
struct KnownBundle {
  BundleDigest digest{};
  BundleChain chain{};
};

// Bundle `seq` as stored; nullopt when it is gone (pruned). An error only
// when the store cannot be read.
using BundleLookup = std::function<Result<std::optional<KnownBundle>>(std::uint64_t seq)>;

struct ReceiptPlan {
  struct Range {
    std::uint64_t first = 0, last = 0;  // bundle seqs, inclusive
    bool operator==(const Range&) const = default;
  };
  // False: the entry is another generation's; nothing is applied, not even
  // its issue time.
  bool for_this_outbox = true;
  // Applied in this order: confirm, then reject, then resend.
  std::vector<Range> confirm;            // open (made/accepted) bundles here and their records: confirmed
  std::vector<ReceiptRejection> reject;  // an open bundle of this name: rejected, its records re-queued
  std::uint64_t resend_below = 0;        // accepted bundles below this seq go back to made; 0: none
  std::vector<std::string> problems;     // for staff: the receipt does not match this outbox
};

// Decides what `entry` confirms, rejects and asks to resend, for an outbox
// of `generation` that has made bundles 1..`made`. Reads bundles only through
// `lookup`; returns its error as is.
Result<ReceiptPlan> plan_receipt(const ReceiptOutbox& entry, const Generation& generation, std::uint64_t made,
                                 const BundleLookup& lookup);

}  // namespace outpost::sync
