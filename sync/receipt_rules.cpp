#include "sync/receipt_rules.h"

#include <algorithm>

namespace outpost::sync {

Result<ReceiptPlan> plan_receipt(const ReceiptOutbox& entry, const Generation& generation, std::uint64_t made,
                                 const BundleLookup& lookup) {
  ReceiptPlan plan;
  if (entry.generation != generation) {
    plan.problems.push_back("receipt is for outbox generation " + generation_hex(entry.generation) +
                            ", not this one (" + generation_hex(generation) + ")");
    plan.for_this_outbox = false;
    return plan;
  }
  std::uint64_t known = 0;  // the highest bundle the clinic says it has
  if (entry.through > made) {
    plan.problems.push_back("receipt confirms bundles up to " + std::to_string(entry.through) +
                            " but this outbox has made only " + std::to_string(made) + "; ignored");
  } else if (entry.through > 0) {
    auto found = lookup(entry.through);
    if (!found.ok()) return found.status();
    if (*found && (*found)->chain != entry.chain) {
      plan.problems.push_back("receipt's bundles 1-" + std::to_string(entry.through) +
                              " are not the bundles this kiosk made; nothing confirmed from it");
    } else if (*found) {
      plan.confirm.push_back({1, entry.through});
      known = entry.through;
    }
  }
  for (const ReceiptAlso& a : entry.also) {
    if (a.seq > made) continue;
    auto found = lookup(a.seq);
    if (!found.ok()) return found.status();
    if (!*found) continue;
    if ((*found)->digest != a.digest) {
      plan.problems.push_back("receipt names bundle " + std::to_string(a.seq) +
                              " with other content; ignored");
      continue;
    }
    plan.confirm.push_back({a.seq, a.seq});
    known = std::max(known, a.seq);
  }
  plan.reject = entry.rejected;
  // Accepted by the drop box, below what the clinic has, yet not ingested:
  // the drop box lost it. Upload it again.
  plan.resend_below = known;
  return plan;
}

}  // namespace outpost::sync
