// Ingest at the clinic with the SQLite store on a temp file
// (sync/clinic_ingest.*, sync/clinic_store_sqlite.*).
#include "sync/clinic_ingest.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "sync/bundle.h"
#include "sync/clinic_store_sqlite.h"
#include "sync/payload.h"
#include "sync/seal.h"
#include "tests/sync/sync_test_util.h"

using namespace outpost;
using namespace outpost::sync;
namespace fs = std::filesystem;

namespace {


struct Clinic {
  testing::TempDir tmp;
  fs::path dir = tmp.path();
  ClinicDir keys;
  SealingKeyPair sealing;
  Dictionaries dicts;
  QuestionnaireLibrary lib;
  std::unique_ptr<SqliteClinicStore> store;
  FakeClock clock;
  SigningKeyPair kiosk = generate_signing_keys();
  Questionnaire phq9;

  Clinic() {
    REQUIRE(crypto_init());
    keys.root = dir / "clinic";
    REQUIRE(clinic_keygen(keys.root).ok());
    sealing.pk = *load_key<SealingPublicKey>(keys.sealing_pk());
    sealing.sk = *load_key<SealingSecretKey>(keys.sealing_sk());
    REQUIRE(register_kiosk(keys, "kiosk-a", kiosk.pk).ok());
    auto d = Dictionaries::load(fs::path(OUTPOST_SOURCE_DIR) / "config/dictionaries");
    REQUIRE_MESSAGE(d.ok(), d.status().to_string());
    dicts = std::move(d.value());
    auto l = QuestionnaireLibrary::load(fs::path(OUTPOST_SOURCE_DIR) / "config/questionnaires");
    REQUIRE_MESSAGE(l.ok(), l.status().to_string());
    lib = std::move(l.value());
    phq9 = testing::load_phq9();
    auto s = SqliteClinicStore::open(dir / "clinic.db");
    REQUIRE(s.ok());
    store = std::move(s.value());
  }

  Record sealed(RecordKind kind, std::string_view plain) {
    Record r;
    r.id = RecordId::generate(clock.wall_ms());
    r.kind = kind;
    r.priority = default_priority(kind);
    auto s = seal_payload(kind, std::span(reinterpret_cast<const std::uint8_t*>(plain.data()), plain.size()), dicts,
                          sealing.pk);
    REQUIRE(s.ok());
    r.dict_id = s->dict_id;
    r.sealed = s->sealed;
    clock.advance(Clock::Duration{5});
    return r;
  }

  // A PHQ-9 check-in from a test response file; returns the record and its score.
  std::pair<Record, double> checkin(const char* response_file) {
    Answers answers = testing::load_answers(phq9, response_file);
    auto a = assess(phq9, answers);
    REQUIRE(a.ok());
    SecretBytes plain = encode_checkin(phq9, answers, ResponseMeta{"en", "", "2026-01-01T00:00:00Z"});
    return {sealed(RecordKind::questionnaire_response, plain.view()), a->score};
  }

  Bytes bundle(std::uint64_t seq, const std::vector<Record>& records, const SigningSecretKey* key = nullptr) {
    BundleHeader h;
    h.kiosk_id = "kiosk-a";
    h.seq = seq;
    h.created_ms = clock.wall_ms();
    auto b = encode_bundle(h, records, key ? *key : kiosk.sk);
    REQUIRE_MESSAGE(b.ok(), b.status().to_string());
    return std::move(b.value());
  }

  Ingester ingester() { return Ingester(keys, sealing, dicts, lib, *store, clock); }
};

std::string name(std::uint64_t seq) {
  BundleHeader h;
  h.kiosk_id = "kiosk-a";
  h.seq = seq;
  return "inbox/kiosk-a/" + bundle_file_name(h);
}

}  // namespace

TEST_CASE("ingest imports once, recognises the same bundle and de-duplicates records by id") {
  Clinic c;
  auto [qr, score] = c.checkin("phq9-en-none.json");
  Record crisis = c.sealed(RecordKind::crisis_alert, R"({"q":"urn:outpost:questionnaire:phq-9|1.0.0","i":["69722-7"],"s":"","t":"2026-01-01T00:00:00Z"})");
  Bytes b1 = c.bundle(1, {qr, crisis});
  Ingester in = c.ingester();
  IngestReport r;
  REQUIRE(in.ingest_bundle(name(1), b1, r).ok());
  CHECK(r.new_records == 2);
  CHECK(r.rejected_bundles == 0);

  REQUIRE(in.ingest_bundle(name(1), b1, r).ok());
  CHECK(r.known_bundles == 1);
  CHECK(r.new_records == 2);

  // The same records again in another bundle (e.g. a restored outbox).
  Bytes b2 = c.bundle(2, {qr});
  REQUIRE(in.ingest_bundle(name(2), b2, r).ok());
  CHECK(r.duplicate_records == 1);
  CHECK(r.new_records == 2);

  auto rows = c.store->records();
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 2);
  const ClinicRecord* q = nullptr;
  const ClinicRecord* alert = nullptr;
  for (const auto& row : *rows) (row.kind == "questionnaire-response" ? q : alert) = &row;
  REQUIRE(q != nullptr);
  REQUIRE(alert != nullptr);
  CHECK(q->id == qr.id.to_string());
  CHECK(q->score == std::optional<double>(score));
  CHECK(q->questionnaire == "urn:outpost:questionnaire:phq-9|1.0.0");
  CHECK(nlohmann::json::parse(q->body)["resourceType"] == "QuestionnaireResponse");
  CHECK(alert->flags == std::vector<std::string>{"critical"});
  CHECK(alert->priority == 0);
}

TEST_CASE("ingest rejects unknown, tampered and replayed bundles with reasons and imports nothing") {
  Clinic c;
  Record rec = c.sealed(RecordKind::audit, R"({"event":"x"})");
  Bytes good = c.bundle(1, {rec});
  Ingester in = c.ingester();
  IngestReport r;

  SigningKeyPair stranger = generate_signing_keys();
  Bytes forged = c.bundle(1, {rec}, &stranger.sk);
  REQUIRE(in.ingest_bundle(name(1), forged, r).ok());
  Bytes tampered = good;
  tampered[tampered.size() / 2] ^= 1;
  REQUIRE(in.ingest_bundle(name(1), tampered, r).ok());
  REQUIRE(in.ingest_bundle("inbox/kiosk-a/kiosk-a-0000000007.opb", good, r).ok());
  REQUIRE(in.ingest_bundle("inbox/kiosk-b/kiosk-a-0000000001.opb", good, r).ok());
  const std::string junk = "not a bundle";
  REQUIRE(in.ingest_bundle("inbox/kiosk-a/junk.opb", Bytes(junk.begin(), junk.end()), r).ok());
  CHECK(r.rejected_bundles == 5);
  REQUIRE(r.rejections.size() == 5);
  CHECK(r.rejections[0].find("tampered") != std::string::npos);
  CHECK(r.rejections[1].find("tampered") != std::string::npos);
  CHECK(r.rejections[2].find("replayed") != std::string::npos);
  CHECK(r.rejections[3].find("folder of 'kiosk-b'") != std::string::npos);
  CHECK(r.rejections[4].find("corrupt") != std::string::npos);
  CHECK(c.store->records()->empty());

  // A sequence number reused with other bytes after the genuine one.
  REQUIRE(in.ingest_bundle(name(1), good, r).ok());
  CHECK(r.new_records == 1);
  Bytes other = c.bundle(1, {c.sealed(RecordKind::audit, R"({"event":"y"})")});
  REQUIRE(in.ingest_bundle(name(1), other, r).ok());
  CHECK(r.rejected_bundles == 6);
  CHECK(r.rejections.back().find("already ingested with different content") != std::string::npos);
  CHECK(c.store->records()->size() == 1);
}

TEST_CASE("a bundle of another kiosk id is unknown") {
  Clinic c;
  BundleHeader h;
  h.kiosk_id = "kiosk-x";
  h.seq = 1;
  auto b = encode_bundle(h, std::vector<Record>{c.sealed(RecordKind::audit, "{}")}, c.kiosk.sk);
  REQUIRE(b.ok());
  Ingester in = c.ingester();
  IngestReport r;
  REQUIRE(in.ingest_bundle("inbox/kiosk-x/kiosk-x-0000000001.opb", *b, r).ok());
  REQUIRE(r.rejections.size() == 1);
  CHECK(r.rejections[0].find("unknown kiosk 'kiosk-x'") != std::string::npos);
}

TEST_CASE("heartbeats are verified and kept per kiosk, newest by the kiosk's clock") {
  Clinic c;
  Ingester in = c.ingester();
  IngestReport r;
  Heartbeat hb{"kiosk-a", "0.1.0", 2'000, 4, std::nullopt, 1 << 20, ""};
  REQUIRE(in.ingest_heartbeat("status/kiosk-a.json", encode_heartbeat(hb, c.kiosk.sk), 5'000, r).ok());
  Heartbeat older = hb;
  older.clock_ms = 1'000;
  older.queue_depth = 99;
  REQUIRE(in.ingest_heartbeat("status/kiosk-a.json", encode_heartbeat(older, c.kiosk.sk), 6'000, r).ok());
  SigningKeyPair stranger = generate_signing_keys();
  REQUIRE(in.ingest_heartbeat("status/kiosk-a.json", encode_heartbeat(hb, stranger.sk), 7'000, r).ok());
  CHECK(r.heartbeats == 2);
  REQUIRE(r.rejections.size() == 1);
  CHECK(r.rejections[0].find("signature") != std::string::npos);
  auto fleet = c.store->fleet();
  REQUIRE(fleet.ok());
  REQUIRE(fleet->size() == 1);
  CHECK((*fleet)[0].heartbeat.queue_depth == 4);
  CHECK((*fleet)[0].received_ms == 5'000);
}
