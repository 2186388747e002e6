// Outbox benchmark (docs/design.md, "Outbox"): bundle bytes per PHQ-9 record,
// submit-to-durable latency, and enqueue/dequeue times with N queued records.
//   outbox_bench [N=1000000] [DIR=fresh temp dir]
// Prints figures; exits non-zero only when something fails.
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>

#include <nlohmann/json.hpp>

#include "sync/bundle.h"
#include "sync/outbox_sqlite.h"
#include "sync/payload.h"
#include "sync/seal.h"
#include "sync/submit_outbox.h"
#include "tests/bench/checkin_samples.h"

namespace fs = std::filesystem;
using namespace outpost;
using Clk = std::chrono::steady_clock;

namespace {

double ms_since(Clk::time_point t0) { return std::chrono::duration<double, std::milli>(Clk::now() - t0).count(); }

template <typename T>
T check(Result<T> r, const char* what) {
  if (!r.ok()) {
    std::cerr << what << ": " << r.status().to_string() << "\n";
    std::exit(1);
  }
  return std::move(r).value();
}
void check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::cerr << what << ": " << s.to_string() << "\n";
    std::exit(1);
  }
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n_queued = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  fs::path dir = argc > 2 ? fs::path(argv[2]) : fs::temp_directory_path() / ("outbox_bench." + std::to_string(getpid()));
  fs::create_directories(dir);
  if (!sync::crypto_init()) return 1;

  auto q = check(bench::load_questionnaire_file(OUTPOST_SOURCE_DIR "/config/questionnaires/phq-9.json"), "phq-9");
  auto dicts = check(sync::Dictionaries::load(OUTPOST_SOURCE_DIR "/config/dictionaries"), "dictionaries");
  sync::SealingKeyPair clinic = sync::generate_sealing_keys();
  sync::SigningKeyPair kiosk = sync::generate_signing_keys();
  SystemClock clock;
  sync::ProcBootIdSource boot;
  sync::BootId boot_id = check(boot.boot_id(), "boot id");
  std::mt19937_64 rng(7);

  // 1. Bundle of 100 PHQ-9 check-ins, and submit latency.
  {
    auto outbox = check(sync::SqliteOutbox::open(dir / "small.db"), "open");
    sync::OutboxSubmitSink sink(*outbox, dicts, clinic.pk, "bench-kiosk", clock, boot);
    std::vector<double> latency;
    std::size_t full_fhir_sealed = 0;
    for (int i = 0; i < 300; ++i) {
      Answers a = bench::random_answers(q, rng);
      ResponseMeta m = bench::random_meta(q, rng);
      auto assessment = check(assess(q, a), "assess");
      if (i < 100) {
        // For comparison: the full FHIR resource, zstd without a dictionary.
        std::string fhir = to_response(q, a, assessment, m).dump();
        auto s = check(sync::seal_payload({reinterpret_cast<const std::uint8_t*>(fhir.data()), fhir.size()},
                                          {"bench-kiosk", sync::RecordId::generate(0), sync::RecordKind::audit,
                                           sync::Priority::audit, 0},
                                          dicts, clinic.pk),
                       "seal");
        full_fhir_sealed += s.sealed.size();
      }
      auto t0 = Clk::now();
      check(sink.submit(q, a, assessment, m), "submit");
      latency.push_back(ms_since(t0));
      if (i == 99) {
        auto b = check(outbox->make_bundle("bench-kiosk", kiosk.sk, clock.wall_ms(), boot_id, 0, 65536), "bundle");
        auto parsed = check(sync::parse_and_verify_bundle(b->bytes, kiosk.pk), "parse");
        std::size_t sealed = 0;
        for (const auto& r : parsed.records) sealed += r.sealed.size();
        std::printf("bundle of %zu PHQ-9 records: %zu bytes, %.1f B/record (sealed payload %.1f B/record incl. 48 B seal)\n",
                    parsed.records.size(), b->bytes.size(), static_cast<double>(b->bytes.size()) / 100.0,
                    static_cast<double>(sealed) / 100.0);
        std::printf("  for comparison, full FHIR QuestionnaireResponse sealed without dictionary: %.1f B/record\n",
                    static_cast<double>(full_fhir_sealed) / 100.0);
      }
    }
    std::printf("submit-to-durable latency over %zu submits: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", latency.size(),
                percentile(latency, 0.50), percentile(latency, 0.99), percentile(latency, 1.0));
  }

  // 2. Enqueue and dequeue with n_queued records already queued.
  {
    auto outbox = check(sync::SqliteOutbox::open(dir / "big.db"), "open");
    sync::OutboxSubmitSink sink(*outbox, dicts, clinic.pk, "bench-kiosk", clock, boot);
    std::string payload = "{\"q\":\"bench\"}";
    auto sealed = check(sync::seal_payload({reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()},
                                           {"bench-kiosk", sync::RecordId::generate(0),
                                            sync::RecordKind::questionnaire_response, sync::Priority::clinical, 0},
                                           dicts, clinic.pk),
                        "seal");
    auto t0 = Clk::now();
    std::vector<sync::Record> batch;
    for (std::size_t i = 0; i < n_queued; ++i) {
      sync::Record r;
      r.id = sync::RecordId::generate(clock.wall_ms());
      r.kind = sync::RecordKind::questionnaire_response;
      r.priority = (i % 1000 == 0) ? sync::Priority::crisis : sync::Priority::clinical;
      r.boot_id = boot_id;
      r.mono_ms = i;
      r.dict_id = sealed.dict_id;
      r.sealed = sealed.sealed;
      batch.push_back(std::move(r));
      if (batch.size() == 20000 || i + 1 == n_queued) {
        check(outbox->append_batch(batch), "append_batch");
        batch.clear();
      }
    }
    std::printf("filled %zu queued records in %.1f s\n", n_queued, ms_since(t0) / 1000.0);

    std::vector<double> enq;
    for (int i = 0; i < 100; ++i) {
      Answers a = bench::random_answers(q, rng);
      auto assessment = check(assess(q, a), "assess");
      auto t = Clk::now();
      check(sink.submit(q, a, assessment, bench::random_meta(q, rng)), "submit");
      enq.push_back(ms_since(t));
    }
    std::printf("enqueue (submit, fsync) at %zu queued: p50 %.2f ms, p99 %.2f ms\n", n_queued, percentile(enq, 0.5),
                percentile(enq, 0.99));

    std::vector<double> deq, ack;
    std::size_t taken = 0;
    for (int i = 0; i < 20; ++i) {
      auto t = Clk::now();
      auto b = check(outbox->make_bundle("bench-kiosk", kiosk.sk, clock.wall_ms(), boot_id, 0, 65536), "bundle");
      deq.push_back(ms_since(t));
      taken += b->record_count;
      t = Clk::now();
      check(outbox->mark_accepted(b->seq, clock.wall_ms()), "ack");
      ack.push_back(ms_since(t));
    }
    std::printf("dequeue (make 64 KiB bundle, %zu records each) at %zu queued: p50 %.2f ms, p99 %.2f ms; "
                "acknowledge p50 %.2f ms\n",
                taken / 20, n_queued, percentile(deq, 0.5), percentile(deq, 0.99), percentile(ack, 0.5));
    auto t = Clk::now();
    auto st = check(outbox->stats(), "stats");
    std::printf("status (stats) at %llu queued: %.1f ms\n", static_cast<unsigned long long>(st.queued), ms_since(t));
  }
  if (argc <= 2) fs::remove_all(dir);
  return 0;
}
