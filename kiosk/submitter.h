// Submitter: how the Session hands its writes to a SubmitSink without
// waiting for them (docs/design.md, "Architecture"). Every call returns at
// once; `done` runs later on the owner thread (the UI thread) with the
// result. InlineSubmitter runs the sink in the call (tests, outpostctl);
// ThreadSubmitter runs it on a writer thread of its own and brings results
// back through the RunQueue, so a frame never waits on the outbox.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kiosk/questionnaire.h"
#include "kiosk/result.h"
#include "kiosk/run_queue.h"
#include "kiosk/submission.h"

namespace outpost {

// One questionnaire's response to make durable. The job owns copies of the
// answers and the patient code; they are wiped once written.
struct SubmitJob {
  const Questionnaire* questionnaire = nullptr;  // outlives the job
  Answers answers;
  Assessment assessment;
  ResponseMeta meta;
};

struct CrisisJob {
  const Questionnaire* questionnaire = nullptr;
  std::vector<std::string> critical_items;
  ResponseMeta meta;
};

class Submitter {
 public:
  // One result per job, in order; the first failure ends the list (the jobs
  // after it are not tried).
  using SubmitDone = std::function<void(std::vector<Result<std::string>>)>;
  using CrisisDone = std::function<void(Result<std::string>)>;
  using RetryDone = std::function<void(std::size_t left)>;
  using MediaDone = std::function<void(Result<std::string>)>;

  virtual ~Submitter() = default;
  // SubmitSink::submit for each job, in order.
  virtual void submit(std::vector<SubmitJob> jobs, SubmitDone done) = 0;
  // SubmitSink::raise_crisis. Runs before any submit queued after it.
  virtual void raise_crisis(CrisisJob job, CrisisDone done) = 0;
  // SubmitSink::retry_crisis_alerts; `left` is what is still unsaved.
  virtual void retry_crisis_alerts(RetryDone done) = 0;
  // SubmitSink::record_media_event.
  virtual void record_media_event(MediaEvent event, MediaDone done) = 0;
  // The sink's count as of its last write; any thread.
  virtual std::size_t unsaved_crisis_alerts() const = 0;
};

// Calls the sink synchronously; `done` runs before the call returns.
class InlineSubmitter final : public Submitter {
 public:
  explicit InlineSubmitter(SubmitSink& sink) : sink_(sink) {}
  void submit(std::vector<SubmitJob> jobs, SubmitDone done) override;
  void raise_crisis(CrisisJob job, CrisisDone done) override;
  void retry_crisis_alerts(RetryDone done) override;
  void record_media_event(MediaEvent event, MediaDone done) override;
  std::size_t unsaved_crisis_alerts() const override { return sink_.unsaved_crisis_alerts(); }

 private:
  SubmitSink& sink_;
};

// Owns one writer thread, the only thread that calls the sink after
// construction. Work runs in the order it was given; `done` is posted to
// `queue`. The destructor finishes every write already given (patient data
// is never dropped at shutdown), then joins; results posted after the
// owner stopped draining are simply never run. `sink` and `queue` must
// outlive it.
class ThreadSubmitter final : public Submitter {
 public:
  ThreadSubmitter(SubmitSink& sink, RunQueue& queue);
  ~ThreadSubmitter() override;
  ThreadSubmitter(const ThreadSubmitter&) = delete;
  ThreadSubmitter& operator=(const ThreadSubmitter&) = delete;

  void submit(std::vector<SubmitJob> jobs, SubmitDone done) override;
  void raise_crisis(CrisisJob job, CrisisDone done) override;
  void retry_crisis_alerts(RetryDone done) override;
  void record_media_event(MediaEvent event, MediaDone done) override;
  std::size_t unsaved_crisis_alerts() const override { return unsaved_.load(); }

  // Writes given and not finished yet; any thread (tests, shutdown notice).
  std::size_t pending() const;

 private:
  using Task = std::function<void()>;
  void give(Task task);
  void run();

  SubmitSink& sink_;
  RunQueue& queue_;
  std::atomic<std::size_t> unsaved_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Task> tasks_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after everything it uses
};

}  // namespace outpost
