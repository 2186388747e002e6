#include "kiosk/submitter.h"

#include <algorithm>
#include <memory>
#include <utility>

namespace outpost {
namespace {

void zero(std::string& s) {
  std::fill(s.begin(), s.end(), '\0');
  s.clear();
}

// The sink's calls, shared by both submitters; they wipe what they were given.
std::vector<Result<std::string>> write_all(SubmitSink& sink, std::vector<SubmitJob>& jobs) {
  std::vector<Result<std::string>> results;
  for (SubmitJob& job : jobs) {
    results.push_back(sink.submit(*job.questionnaire, job.answers, job.assessment, job.meta));
    if (!results.back().ok()) break;
  }
  for (SubmitJob& job : jobs) {
    job.answers.wipe();
    zero(job.meta.subject);
  }
  return results;
}

Result<std::string> write_crisis(SubmitSink& sink, CrisisJob& job) {
  Result<std::string> r = sink.raise_crisis(*job.questionnaire, job.critical_items, job.meta);
  zero(job.meta.subject);
  return r;
}

Result<std::string> write_media_event(SubmitSink& sink, MediaEvent& event) {
  Result<std::string> r = sink.record_media_event(event);
  zero(event.meta.subject);
  return r;
}

}  // namespace

void InlineSubmitter::submit(std::vector<SubmitJob> jobs, SubmitDone done) { done(write_all(sink_, jobs)); }

void InlineSubmitter::raise_crisis(CrisisJob job, CrisisDone done) { done(write_crisis(sink_, job)); }

void InlineSubmitter::retry_crisis_alerts(RetryDone done) { done(sink_.retry_crisis_alerts()); }

void InlineSubmitter::record_media_event(MediaEvent event, MediaDone done) {
  done(write_media_event(sink_, event));
}

ThreadSubmitter::ThreadSubmitter(SubmitSink& sink, RunQueue& queue)
    : sink_(sink), queue_(queue), unsaved_(sink.unsaved_crisis_alerts()), thread_([this] { run(); }) {}

ThreadSubmitter::~ThreadSubmitter() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

std::size_t ThreadSubmitter::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return tasks_.size() + running_;
}

void ThreadSubmitter::give(Task task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void ThreadSubmitter::run() {
  for (;;) {
    Task task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping, and every write is done
      task = std::move(tasks_.front());
      tasks_.pop_front();
      ++running_;
    }
    task();
    std::lock_guard<std::mutex> lock(mutex_);
    --running_;
  }
}

// std::function needs copyable callables; the jobs move in through a
// shared_ptr that only the writer thread touches.
void ThreadSubmitter::submit(std::vector<SubmitJob> jobs, SubmitDone done) {
  auto owned = std::make_shared<std::vector<SubmitJob>>(std::move(jobs));
  give([this, owned, done = std::move(done)]() mutable {
    auto results = std::make_shared<std::vector<Result<std::string>>>(write_all(sink_, *owned));
    owned.reset();
    unsaved_ = sink_.unsaved_crisis_alerts();
    queue_.post([results, done] { done(std::move(*results)); });
  });
}

void ThreadSubmitter::raise_crisis(CrisisJob job, CrisisDone done) {
  auto owned = std::make_shared<CrisisJob>(std::move(job));
  give([this, owned, done = std::move(done)]() mutable {
    auto result = std::make_shared<Result<std::string>>(write_crisis(sink_, *owned));
    unsaved_ = sink_.unsaved_crisis_alerts();
    queue_.post([result, done] { done(std::move(*result)); });
  });
}

void ThreadSubmitter::retry_crisis_alerts(RetryDone done) {
  give([this, done = std::move(done)] {
    const std::size_t left = sink_.retry_crisis_alerts();
    unsaved_ = left;
    queue_.post([left, done] { done(left); });
  });
}

void ThreadSubmitter::record_media_event(MediaEvent event, MediaDone done) {
  auto owned = std::make_shared<MediaEvent>(std::move(event));
  give([this, owned, done = std::move(done)]() mutable {
    auto result = std::make_shared<Result<std::string>>(write_media_event(sink_, *owned));
    owned.reset();
    queue_.post([result, done] { done(std::move(*result)); });
  });
}

}  // namespace outpost
