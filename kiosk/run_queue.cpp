#include "kiosk/run_queue.h"

#include <utility>

namespace outpost {

void RunQueue::post(Work work) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(work));
  }
  if (wake_) wake_();
}

std::size_t RunQueue::drain() {
  std::deque<Work> batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    batch.swap(queue_);
  }
  // Run outside the lock: work may post again without deadlocking.
  for (Work& w : batch) w();
  return batch.size();
}

bool RunQueue::empty() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.empty();
}

}  // namespace outpost
