// A SubmitSink whose calls wait until the test opens its gate: a stand-in
// for an outbox stuck behind a lock or a slow disk. It records the thread
// each call ran on. A call that waits 30 s gives up and counts as
// `timed_out` (the test then fails instead of hanging).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "kiosk/submission.h"

namespace outpost::test {

class BlockingSink final : public SubmitSink {
 public:
  Result<std::string> submit(const Questionnaire& q, const Answers& a, const Assessment& s,
                             const ResponseMeta& m) override {
    wait();
    std::lock_guard<std::mutex> lock(mutex_);
    return inner.submit(q, a, s, m);
  }
  Result<std::string> raise_crisis(const Questionnaire& q, const std::vector<std::string>& items,
                                   const ResponseMeta& m) override {
    wait();
    std::lock_guard<std::mutex> lock(mutex_);
    return inner.raise_crisis(q, items, m);
  }
  std::size_t unsaved_crisis_alerts() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return inner.unsaved_crisis_alerts();
  }
  std::size_t retry_crisis_alerts() override {
    wait();
    std::lock_guard<std::mutex> lock(mutex_);
    return inner.retry_crisis_alerts();
  }

  void open() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    cv_.notify_all();
  }
  // Blocks until a call is waiting at the closed gate (or 30 s passed).
  bool wait_for_caller() {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [this] { return waiting_ > 0; });
  }
  std::vector<std::thread::id> threads() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return threads_;
  }
  bool timed_out() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return timed_out_;
  }

  // Guarded by the sink's mutex while calls may run; read it after they ended.
  MemorySubmitSink inner;

 private:
  void wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    threads_.push_back(std::this_thread::get_id());
    ++waiting_;
    cv_.notify_all();
    if (!cv_.wait_for(lock, std::chrono::seconds(30), [this] { return open_; })) timed_out_ = true;
    --waiting_;
  }

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
  int waiting_ = 0;
  bool timed_out_ = false;
  std::vector<std::thread::id> threads_;
};

}  // namespace outpost::test
