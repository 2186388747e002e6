#include "sync/outbox_sqlite.h"

#include <doctest/doctest.h>

#include "kiosk/patient_code.h"
#include <sodium.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sync/kiosk_outbox.h"
#include "sync/payload.h"
#include "sync/seal.h"
#include "tests/sync/sync_test_util.h"

using namespace outpost;
using namespace outpost::sync;

namespace {

Record record(RecordKind kind, std::int64_t wall_ms, std::size_t sealed_bytes = 100) {
  Record r;
  r.id = RecordId::generate(wall_ms);
  r.kind = kind;
  r.priority = default_priority(kind);
  r.boot_id.fill(7);
  r.mono_ms = 5;
  r.dict_id = 1;
  r.sealed.assign(sealed_bytes, 0xab);
  return r;
}

std::unique_ptr<SqliteOutbox> open_outbox(const std::filesystem::path& file) {
  auto o = SqliteOutbox::open(file);
  REQUIRE_MESSAGE(o.ok(), o.status().to_string());
  return std::move(o).value();
}

const std::int64_t kNow = 1'767'225'600'000;

}  // namespace

TEST_CASE("outbox: queued -> in a bundle -> acknowledged -> pruned, crisis first") {
  testing::init_crypto();
  testing::TempDir dir;
  auto ob = open_outbox(dir.path() / "outbox.db");
  SigningKeyPair kiosk = generate_signing_keys();
  BootId boot{};

  Record a = record(RecordKind::questionnaire_response, kNow);
  Record audit = record(RecordKind::audit, kNow + 1);
  Record crisis = record(RecordKind::crisis_alert, kNow + 2);
  auto s1 = ob->append(a), s2 = ob->append(audit), s3 = ob->append(crisis);
  REQUIRE(s1.ok());
  REQUIRE(s3.ok());
  CHECK(*s1 < *s2);
  CHECK(*s2 < *s3);
  CHECK(ob->append(a).status().code() == Errc::invalid_argument);  // same id twice

  auto st = ob->stats();
  REQUIRE(st.ok());
  CHECK(st->queued == 3);
  CHECK(st->queued_bytes == 300);
  CHECK(st->queued_by_priority[Priority::crisis] == 1);
  CHECK(st->oldest_queued_ms == kNow);
  CHECK_FALSE(st->last_bundle);
  CHECK(ob->state_of(a.id).value() == RecordState::queued);
  CHECK_FALSE(ob->state_of(RecordId::generate(kNow)).value());

  auto b = ob->make_bundle("site-7", kiosk.sk, kNow + 10, boot, 99, kDefaultBundleMaxBytes);
  REQUIRE(b.ok());
  REQUIRE(b->has_value());
  CHECK((*b)->seq == 1);
  auto parsed = parse_and_verify_bundle((*b)->bytes, kiosk.pk);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->records.size() == 3);
  CHECK(parsed->records[0].id == crisis.id);  // priority order
  CHECK(parsed->records[1].id == a.id);
  CHECK(parsed->records[2].id == audit.id);
  CHECK(parsed->records[1].seq == *s1);
  CHECK(ob->state_of(a.id).value() == RecordState::in_bundle);
  CHECK_FALSE(ob->make_bundle("site-7", kiosk.sk, kNow, boot, 0, kDefaultBundleMaxBytes).value());

  auto pending = ob->pending_bundles();
  REQUIRE(pending->size() == 1);
  CHECK(pending->front().bytes == (*b)->bytes);  // stored once, same bytes on retry

  REQUIRE(ob->mark_accepted(1, kNow + 20).ok());
  REQUIRE(ob->mark_accepted(1, kNow + 30).ok());  // idempotent
  CHECK(ob->state_of(a.id).value() == RecordState::accepted);
  CHECK(ob->pending_bundles()->empty());
  CHECK(ob->unconfirmed_bundles()->size() == 1);  // the drop box has it; the clinic has not said so
  st = ob->stats();
  CHECK(st->accepted == 3);
  CHECK(st->confirmed_through == 0);
  REQUIRE(st->last_bundle);
  CHECK(st->last_bundle->state == BundleState::accepted);
  // Accepted is not delivered: nothing is pruned without a receipt.
  CHECK(ob->prune(kNow + 100, 10).value() == 0);

  ReceiptOutbox receipt;
  receipt.generation = ob->generation();
  receipt.through = 1;
  receipt.chain = next_chain(BundleChain{}, bundle_digest((*b)->bytes));
  auto fx = ob->apply_receipt(receipt, kNow + 22, kNow + 22);
  REQUIRE(fx.ok());
  CHECK(fx->confirmed_bundles == 1);
  CHECK(fx->confirmed_records == 3);
  CHECK(fx->problems.empty());
  CHECK(ob->state_of(a.id).value() == RecordState::confirmed);
  CHECK(ob->apply_receipt(receipt, kNow + 23, kNow + 23)->confirmed_bundles == 0);  // idempotent
  st = ob->stats();
  CHECK(st->confirmed == 3);
  CHECK(st->confirmed_through == 1);
  CHECK(st->last_receipt_ms == kNow + 23);

  CHECK(ob->prune(kNow + 25, 10).value() == 0);   // within retention
  CHECK(ob->prune(kNow + 100, 10).value() == 3);
  CHECK_FALSE(ob->state_of(a.id).value());
  CHECK(ob->integrity_check().value() == "ok");

  // The bundle sequence never goes back, even after pruning.
  REQUIRE(ob->append(record(RecordKind::audit, kNow)).ok());
  CHECK((*ob->make_bundle("site-7", kiosk.sk, kNow, boot, 0, kDefaultBundleMaxBytes).value()).seq == 2);
}

TEST_CASE("outbox: bundles respect the size cap and survive reopening") {
  testing::init_crypto();
  testing::TempDir dir;
  SigningKeyPair kiosk = generate_signing_keys();
  BootId boot{};
  std::vector<RecordId> ids;
  {
    auto ob = open_outbox(dir.path() / "outbox.db");
    for (int i = 0; i < 50; ++i) {
      Record r = record(RecordKind::questionnaire_response, kNow + i, 200);
      if (i % 2) r.boot_id.fill(static_cast<std::uint8_t>(i));  // many boots
      ids.push_back(r.id);
      REQUIRE(ob->append(r).ok());
    }
  }
  auto ob = open_outbox(dir.path() / "outbox.db");
  CHECK(ob->stats()->queued == 50);
  std::size_t total = 0;
  while (true) {
    auto b = ob->make_bundle("site-7", kiosk.sk, kNow, boot, 0, 2048);
    REQUIRE(b.ok());
    if (!*b) break;
    CHECK((*b)->bytes.size() <= 2048);
    CHECK((*b)->record_count >= 1);
    total += (*b)->record_count;
  }
  CHECK(total == 50);
  // A record larger than the cap still travels, alone.
  REQUIRE(ob->append(record(RecordKind::audit, kNow, 5000)).ok());
  auto big = ob->make_bundle("site-7", kiosk.sk, kNow, boot, 0, 2048);
  REQUIRE(big.ok());
  CHECK((*big)->record_count == 1);
}

TEST_CASE("privacy: after submits no file under the data dir holds the answers in plaintext") {
  testing::init_crypto();
  testing::TempDir dir;
  SealingKeyPair clinic = generate_sealing_keys();
  auto data_dir = dir.path() / "data";
  Questionnaire q = testing::load_phq9();
  Answers answers = testing::load_answers(q, "phq9-en-moderate.json");
  auto assessment = assess(q, answers);
  REQUIRE(assessment.ok());

  // The shipped PHQ-9 has no free-text item; the marker rides in the
  // authored field, the patient code must not appear, nor the compact answers.
  const std::string marker = "MARKER7731";
  const std::string code = make_patient_code("77310042").value();
  ResponseMeta meta{"en", code, marker + "-time"};
  SecretBytes compact = encode_checkin(q, answers, meta);
  std::string answers_text = std::string(compact.view().substr(compact.view().find("\"a\":")));
  std::vector<std::string> ids;
  {
    auto k = KioskOutbox::open({"site-7", data_dir, key_to_base64(clinic.pk), testing::source_dir() / "config/dictionaries"});
    REQUIRE_MESSAGE(k.ok(), k.status().to_string());
    auto sink = (*k)->sink();
    REQUIRE(sink.ok());
    for (int i = 0; i < 20; ++i) {
      auto id = (*sink)->submit(q, answers, *assessment, meta);
      REQUIRE(id.ok());
      ids.push_back(*id);
    }
    // Scan while the connection is open (WAL and shm present) and after close.
    for (int pass = 0; pass < 2; ++pass) {
      std::size_t files = 0;
      for (const auto& e : std::filesystem::recursive_directory_iterator(data_dir)) {
        if (!e.is_regular_file()) continue;
        ++files;
        std::string content = testing::read_file(e.path());
        CHECK_MESSAGE(content.find(marker) == std::string::npos, e.path().string());
        CHECK_MESSAGE(content.find(code) == std::string::npos, e.path().string());
        CHECK_MESSAGE(content.find(answers_text) == std::string::npos, e.path().string());
      }
      CHECK(files >= 1);
      if (pass == 0) k->reset();
    }
  }
  // The clinic can open what the kiosk cannot.
  auto ob = open_outbox(data_dir / "outbox.db");
  SigningKeyPair kiosk = generate_signing_keys();
  auto b = ob->make_bundle("site-7", kiosk.sk, kNow, BootId{}, 0, kDefaultBundleMaxBytes);
  REQUIRE(b.ok());
  auto parsed = parse_and_verify_bundle((*b)->bytes, kiosk.pk);
  REQUIRE(parsed->records.size() == 20);
  auto dicts = Dictionaries::load(testing::source_dir() / "config/dictionaries");
  auto payload = open_record(parsed->records[0], "site-7", SealScheme::bound, clinic, *dicts);
  REQUIRE(payload.ok());
  auto fhir = reconstruct_response(q, payload->view());
  REQUIRE(fhir.ok());
  CHECK(*fhir == to_response(q, answers, *assessment, meta));
  CHECK(parsed->records[0].id.to_string() == ids[0]);
}

TEST_CASE("KioskOutbox: submit is refused without a clinic key and a bad key is named") {
  testing::TempDir dir;
  auto dicts = testing::source_dir() / "config/dictionaries";
  auto k = KioskOutbox::open({"site-7", dir.path() / "d", "", dicts});
  REQUIRE(k.ok());
  auto sink = (*k)->sink();
  REQUIRE_FALSE(sink.ok());
  CHECK(sink.status().message().find("clinic.sealing_public_key") != std::string::npos);
  auto bad = KioskOutbox::open({"site-7", dir.path() / "d", "AAAA", dicts});
  CHECK(bad.status().message().find("clinic.sealing_public_key") != std::string::npos);
}

// Two programs (the kiosk window and syncd, or two submits) opening a new or
// wiped outbox at the same moment: both must succeed, with one schema and one
// generation. Found by tests/bench/torture.sh.
TEST_CASE("two processes opening a fresh outbox at once both succeed") {
  for (int round = 0; round < 20; ++round) {
    testing::TempDir dir;
    const auto file = dir.path() / "outbox.db";
    std::vector<pid_t> children;
    for (int c = 0; c < 3; ++c) {
      pid_t pid = ::fork();
      REQUIRE(pid >= 0);
      if (pid == 0) {
        auto ob = SqliteOutbox::open(file);
        if (!ob.ok()) ::_exit(1);
        Record r;
        r.id = RecordId::generate(kNow);
        r.sealed.assign(60, 0x11);
        ::_exit((*ob)->append(r).ok() ? 0 : 2);
      }
      children.push_back(pid);
    }
    for (pid_t pid : children) {
      int status = 0;
      REQUIRE(::waitpid(pid, &status, 0) == pid);
      CHECK_MESSAGE(WIFEXITED(status), "round " << round);
      CHECK_MESSAGE(WEXITSTATUS(status) == 0, "round " << round);
    }
    auto ob = SqliteOutbox::open(file);
    REQUIRE(ob.ok());
    CHECK((*ob)->stats()->queued == 3);
    CHECK((*ob)->integrity_check().value() == "ok");
  }
}
