#include "kiosk/run_queue.h"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

using outpost::RunQueue;

TEST_CASE("run queue: many posting threads, one draining thread, each thread's order kept, all run once") {
  constexpr int kThreads = 6;
  constexpr int kItems = 5000;
  std::atomic<int> wakes{0};
  RunQueue q([&] { wakes.fetch_add(1, std::memory_order_relaxed); });
  // Touched only by the draining (this) thread.
  std::vector<std::vector<int>> seen(kThreads);
  std::atomic<int> done{0};
  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t) {
    posters.emplace_back([&, t] {
      for (int i = 0; i < kItems; ++i) q.post([&seen, t, i] { seen[t].push_back(i); });
      done.fetch_add(1);
    });
  }
  std::size_t ran = 0;
  while (done.load() < kThreads) ran += q.drain();  // drains concurrently with the posters
  for (auto& p : posters) p.join();
  ran += q.drain();
  CHECK(ran == static_cast<std::size_t>(kThreads * kItems));
  CHECK(wakes.load() == kThreads * kItems);
  CHECK(q.empty());
  for (int t = 0; t < kThreads; ++t) {
    REQUIRE(seen[t].size() == static_cast<std::size_t>(kItems));
    bool in_order = true;
    for (int i = 0; i < kItems; ++i) in_order = in_order && seen[t][i] == i;
    CHECK_MESSAGE(in_order, "thread " << t << "'s items ran out of order");
  }
}

TEST_CASE("run queue: work posted during a drain runs on the next drain, not this one") {
  RunQueue q;
  std::vector<int> order;
  q.post([&] {
    order.push_back(1);
    q.post([&] { order.push_back(3); });
  });
  q.post([&] { order.push_back(2); });
  CHECK(q.drain() == 2);
  CHECK(order == std::vector<int>{1, 2});
  CHECK_FALSE(q.empty());
  CHECK(q.drain() == 1);
  CHECK(order == std::vector<int>{1, 2, 3});
  CHECK(q.drain() == 0);
}

TEST_CASE("run queue: another thread posting while a drain runs its work is neither lost nor run twice") {
  RunQueue q;
  std::atomic<bool> in_drain{false};
  std::atomic<bool> posted{false};
  int late = 0;
  q.post([&] {
    in_drain = true;
    while (!posted.load()) std::this_thread::yield();  // the other thread's own signal, not a sleep
  });
  std::thread other([&] {
    while (!in_drain.load()) std::this_thread::yield();
    q.post([&] { ++late; });
    posted = true;
  });
  CHECK(q.drain() == 1);
  other.join();
  CHECK(late == 0);
  CHECK(q.drain() == 1);
  CHECK(late == 1);
  CHECK(q.drain() == 0);
  CHECK(late == 1);
}
