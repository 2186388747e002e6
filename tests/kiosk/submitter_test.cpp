// ThreadSubmitter: the kiosk's outbox writer thread.
#include "kiosk/submitter.h"

#include <atomic>
#include <thread>

#include <doctest/doctest.h>

#include "tests/kiosk/blocking_sink.h"

using namespace outpost;

namespace {

Questionnaire tiny() {
  auto q = Questionnaire::parse(R"({"resourceType": "Questionnaire", "url": "urn:test:tiny", "status": "active",
    "item": [{"linkId": "t", "type": "string", "text": "Say something"}]})",
                                "tiny.json");
  REQUIRE(q.ok());
  return std::move(q).value();
}

SubmitJob job(const Questionnaire& q, const std::string& text, const std::string& subject) {
  SubmitJob j;
  j.questionnaire = &q;
  j.answers.set("t", text);
  j.meta = {"en", subject, "2026-12-02T00:00:00Z"};
  return j;
}

// Counts calls and remembers the answers and subjects it was given.
struct RecordingSink final : SubmitSink {
  std::vector<std::string> calls, texts, subjects;
  std::size_t unsaved = 0;
  Result<std::string> submit(const Questionnaire&, const Answers& a, const Assessment&,
                             const ResponseMeta& m) override {
    calls.push_back("submit");
    texts.push_back(std::get<std::string>(*a.get("t")));
    subjects.push_back(m.subject);
    if (texts.back() == "fail") return Status(Errc::storage_full, "full (test)");
    std::string id = "r";
    id += std::to_string(calls.size());
    return id;
  }
  Result<std::string> raise_crisis(const Questionnaire&, const std::vector<std::string>&,
                                   const ResponseMeta&) override {
    calls.push_back("crisis");
    ++unsaved;
    return std::string("c");
  }
  std::size_t unsaved_crisis_alerts() const override { return unsaved; }
  std::size_t retry_crisis_alerts() override {
    calls.push_back("retry");
    unsaved = 0;
    return 0;
  }
};

}  // namespace

TEST_CASE("writes run in the order given, off the calling thread, results come back through the queue") {
  const Questionnaire q = tiny();
  RecordingSink sink;
  RunQueue queue;
  std::vector<std::string> seen;
  std::vector<std::size_t> left_seen;
  {
    ThreadSubmitter writer(sink, queue);
    writer.raise_crisis({&q, {"t"}, {"en", "", ""}}, [&](Result<std::string> r) { seen.push_back(*r); });
    std::vector<SubmitJob> jobs;
    jobs.push_back(job(q, "one", "123456789"));
    jobs.push_back(job(q, "fail", ""));
    jobs.push_back(job(q, "never", ""));
    writer.submit(std::move(jobs), [&](std::vector<Result<std::string>> rs) {
      REQUIRE(rs.size() == 2);  // stopped at the failure
      CHECK(rs[0].ok());
      CHECK(rs[1].status().code() == Errc::storage_full);
      seen.push_back("submitted");
    });
    writer.retry_crisis_alerts([&](std::size_t left) { left_seen.push_back(left); });
    CHECK(seen.empty());  // nothing runs before the owner drains
  }  // the destructor finishes every write given
  CHECK(sink.calls == std::vector<std::string>{"crisis", "submit", "submit", "retry"});
  CHECK(sink.texts == std::vector<std::string>{"one", "fail"});
  CHECK(sink.subjects[0] == "123456789");
  CHECK(queue.drain() == 3);
  CHECK(seen == std::vector<std::string>{"c", "submitted"});
  CHECK(left_seen == std::vector<std::size_t>{0});
}

TEST_CASE("the unsaved-alert count is a snapshot taken on the writer thread after each write") {
  const Questionnaire q = tiny();
  test::BlockingSink sink;
  sink.inner.crisis_storage_full = true;
  RunQueue queue;
  ThreadSubmitter writer(sink, queue);
  CHECK(writer.unsaved_crisis_alerts() == 0);
  writer.raise_crisis({&q, {"t"}, {"en", "", ""}}, [](Result<std::string>) {});
  REQUIRE(sink.wait_for_caller());
  CHECK(writer.pending() == 1);
  CHECK(writer.unsaved_crisis_alerts() == 0);  // a call in the sink is not read across threads
  sink.open();
  while (writer.pending() > 0) std::this_thread::yield();
  CHECK(writer.unsaved_crisis_alerts() == 1);
  CHECK_FALSE(sink.timed_out());
}

TEST_CASE("many threads' results all arrive, each exactly once") {
  const Questionnaire q = tiny();
  RecordingSink sink;
  std::atomic<int> wakes{0};
  RunQueue queue([&] { ++wakes; });
  ThreadSubmitter writer(sink, queue);
  int done = 0;
  for (int i = 0; i < 200; ++i) {
    std::vector<SubmitJob> jobs;
    jobs.push_back(job(q, std::to_string(i), ""));
    writer.submit(std::move(jobs), [&done](std::vector<Result<std::string>> rs) {
      CHECK(rs.size() == 1);
      ++done;
    });
  }
  while (writer.pending() > 0) std::this_thread::yield();
  CHECK(queue.drain() == 200);
  CHECK(done == 200);
  CHECK(wakes.load() == 200);
  REQUIRE(sink.texts.size() == 200);
  for (int i = 0; i < 200; ++i) CHECK(sink.texts[static_cast<std::size_t>(i)] == std::to_string(i));
}
