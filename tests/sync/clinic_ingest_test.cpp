// Ingest at the clinic with the SQLite store on a temp file
// (sync/clinic_ingest.*, sync/clinic_store_sqlite.*).
#include "sync/clinic_ingest.h"

#include <doctest/doctest.h>

#include <functional>

#include <nlohmann/json.hpp>

#include "config/crisis_rules_toml.h"
#include "kiosk/env.h"
#include "sync/bundle.h"
#include "sync/clinic_store_sqlite.h"
#include "sync/payload.h"
#include "sync/seal.h"
#include "tests/sync/sync_test_util.h"

using namespace outpost;
using namespace outpost::sync;
namespace fs = std::filesystem;

namespace {

const Generation kGeneration = {1, 2, 3, 4, 5, 6, 7, 8};

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
    auto l = QuestionnaireLibrary::load(fs::path(OUTPOST_SOURCE_DIR) / "config/questionnaires", CrisisRules::defaults());
    REQUIRE_MESSAGE(l.ok(), l.status().to_string());
    lib = std::move(l.value());
    phq9 = testing::load_phq9();
    auto s = SqliteClinicStore::open(dir / "clinic.db");
    REQUIRE(s.ok());
    store = std::move(s.value());
  }

  Record sealed(RecordKind kind, std::string_view plain, const std::string& kiosk_id = "kiosk-a") {
    Record r;
    r.id = RecordId::generate(clock.wall_ms());
    r.kind = kind;
    r.priority = default_priority(kind);
    auto s = seal_payload(std::span(reinterpret_cast<const std::uint8_t*>(plain.data()), plain.size()),
                          SealBinding{kiosk_id, r.id, r.kind, r.priority, 0}, dicts, sealing.pk);
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

  Bytes bundle(std::uint64_t seq, const std::vector<Record>& records, const SigningSecretKey* key = nullptr,
               const std::string& kiosk_id = "kiosk-a", Generation gen = kGeneration) {
    BundleHeader h;
    h.kiosk_id = kiosk_id;
    h.generation = gen;
    h.seq = seq;
    h.created_ms = clock.wall_ms();
    auto b = encode_bundle(h, records, key ? *key : kiosk.sk);
    REQUIRE_MESSAGE(b.ok(), b.status().to_string());
    return std::move(b.value());
  }

  Ingester ingester() { return Ingester(keys, sealing, dicts, lib, *store, clock); }
};

// Where the drop box files a bundle: its own name under its kiosk's inbox.
std::string name(const Bytes& bundle) {
  auto b = parse_bundle(bundle);
  REQUIRE(b.ok());
  return "inbox/" + b->header.kiosk_id + "/" + bundle_file_name(b->header, bundle);
}

}  // namespace

TEST_CASE("ingest imports once, recognises the same bundle and de-duplicates records by id") {
  Clinic c;
  auto [qr, score] = c.checkin("phq9-en-none.json");
  Record crisis = c.sealed(RecordKind::crisis_alert, R"({"q":"urn:outpost:questionnaire:phq-9|1.0.0","i":["69722-7"],"s":"","t":"2026-01-01T00:00:00Z"})");
  Bytes b1 = c.bundle(1, {qr, crisis});
  Ingester in = c.ingester();
  IngestReport r;
  REQUIRE(in.ingest_bundle(name(b1), b1, r).ok());
  CHECK(r.new_records == 2);
  CHECK(r.rejected_bundles == 0);

  REQUIRE(in.ingest_bundle(name(b1), b1, r).ok());
  CHECK(r.known_bundles == 1);
  CHECK(r.new_records == 2);

  // The same records again in another bundle (e.g. re-sent after a rejection).
  Bytes b2 = c.bundle(2, {qr});
  REQUIRE(in.ingest_bundle(name(b2), b2, r).ok());
  CHECK(r.duplicate_records == 1);
  CHECK(r.new_records == 2);

  // An outbox reset: the same sequence numbers under a new generation are new bundles.
  Record after = c.sealed(RecordKind::audit, R"({"event":"after reset"})");
  Bytes reset1 = c.bundle(1, {after}, nullptr, "kiosk-a", Generation{9, 9, 9, 9, 9, 9, 9, 9});
  REQUIRE(in.ingest_bundle(name(reset1), reset1, r).ok());
  CHECK(r.rejected_bundles == 0);
  CHECK(r.new_records == 3);

  auto rows = c.store->records();
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 3);
  const ClinicRecord* q = nullptr;
  const ClinicRecord* alert = nullptr;
  for (const auto& row : *rows) {
    if (row.kind == "questionnaire-response") q = &row;
    if (row.kind == "crisis-alert") alert = &row;
  }
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
  REQUIRE(in.ingest_bundle(name(forged), forged, r).ok());
  Bytes tampered = good;
  tampered[tampered.size() / 2] ^= 1;
  REQUIRE(in.ingest_bundle(name(good), tampered, r).ok());
  REQUIRE(in.ingest_bundle("inbox/kiosk-a/kiosk-a-0000000007.opb", good, r).ok());
  REQUIRE(in.ingest_bundle("inbox/kiosk-b/" + fs::path(name(good)).filename().string(), good, r).ok());
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
  REQUIRE(in.ingest_bundle(name(good), good, r).ok());
  CHECK(r.new_records == 1);
  Bytes other = c.bundle(1, {c.sealed(RecordKind::audit, R"({"event":"y"})")});
  REQUIRE(in.ingest_bundle(name(other), other, r).ok());
  CHECK(r.rejected_bundles == 6);
  CHECK(r.rejections.back().find("already ingested with different content") != std::string::npos);
  CHECK(c.store->records()->size() == 1);
}

TEST_CASE("a sealed payload re-signed under a new record id or another kiosk is rejected") {
  Clinic c;
  SigningKeyPair kiosk_b = generate_signing_keys();
  REQUIRE(register_kiosk(c.keys, "kiosk-b", kiosk_b.pk).ok());
  auto [qr, score] = c.checkin("phq9-en-none.json");
  Bytes genuine = c.bundle(1, {qr});
  Ingester in = c.ingester();
  IngestReport r;
  REQUIRE(in.ingest_bundle(name(genuine), genuine, r).ok());
  REQUIRE(r.new_records == 1);

  // Someone with the kiosk's signing key moves the payload to a new id...
  Record moved = qr;
  moved.id = RecordId::generate(c.clock.wall_ms() + 1000);
  Bytes new_id = c.bundle(2, {moved});
  REQUIRE(in.ingest_bundle(name(new_id), new_id, r).ok());
  // ...or files it under another kiosk, signed with that kiosk's key.
  Bytes other_kiosk = c.bundle(1, {qr}, &kiosk_b.sk, "kiosk-b");
  REQUIRE(in.ingest_bundle(name(other_kiosk), other_kiosk, r).ok());
  // ...or changes its kind or priority.
  Record promoted = qr;
  promoted.priority = Priority::crisis;
  Bytes prio = c.bundle(3, {promoted});
  REQUIRE(in.ingest_bundle(name(prio), prio, r).ok());
  CHECK(r.rejected_bundles == 3);
  for (const auto& why : r.rejections) CHECK_MESSAGE(why.find("cannot be opened") != std::string::npos, why);
  CHECK(c.store->records()->size() == 1);

  // Version 1 bundles (crypto_box_seal) have no binding: the clinic catches
  // a moved payload by its bytes, once the original is in.
  Record legacy;
  legacy.id = RecordId::generate(c.clock.wall_ms());
  legacy.kind = RecordKind::audit;
  legacy.priority = Priority::audit;
  const std::string text = R"({"event":"v1"})";
  auto s1 = seal_payload_v1(legacy.kind, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
                            c.dicts, c.sealing.pk);
  REQUIRE(s1.ok());
  legacy.sealed = s1->sealed;
  legacy.dict_id = s1->dict_id;
  BundleHeader h;
  h.version = kBundleVersionV1;
  h.kiosk_id = "kiosk-a";
  h.seq = 10;
  Bytes v1 = encode_bundle(h, std::vector<Record>{legacy}, c.kiosk.sk).value();
  REQUIRE(in.ingest_bundle("inbox/kiosk-a/kiosk-a-0000000010.opb", v1, r).ok());
  CHECK(r.new_records == 2);
  Record copy = legacy;
  copy.id = RecordId::generate(c.clock.wall_ms() + 5);
  h.seq = 11;
  Bytes v1copy = encode_bundle(h, std::vector<Record>{copy}, c.kiosk.sk).value();
  REQUIRE(in.ingest_bundle("inbox/kiosk-a/kiosk-a-0000000011.opb", v1copy, r).ok());
  CHECK(r.rejections.back().find("carries the sealed payload of record " + legacy.id.to_string()) !=
        std::string::npos);
  CHECK(c.store->records()->size() == 2);
}

TEST_CASE("receipts: signed by the clinic, contiguous range with its chain, later bundles, rejections by name") {
  Clinic c;
  Ingester in = c.ingester();
  IngestReport r;
  std::vector<Bytes> bundles;
  for (std::uint64_t seq = 1; seq <= 4; ++seq) {
    bundles.push_back(c.bundle(seq, {c.sealed(RecordKind::audit, "{\"n\":" + std::to_string(seq) + "}")}));
  }
  // Bundle 3 has not arrived; a junk file sits in kiosk-a's inbox.
  for (std::size_t i : {0u, 1u, 3u}) REQUIRE(in.ingest_bundle(name(bundles[i]), bundles[i], r).ok());
  const std::string junk_name = "kiosk-a-0102030405060708-0000000005-00000000000000000000000000000000.opb";
  const std::string junk = "junk";
  REQUIRE(in.ingest_bundle("inbox/kiosk-a/" + junk_name, Bytes(junk.begin(), junk.end()), r).ok());

  const fs::path out = c.dir / "receipts";
  REQUIRE(in.write_receipts(out, *load_key<SigningSecretKey>(c.keys.signing_sk()), r).ok());
  CHECK(r.receipts == 1);
  Bytes bytes = testing::read_bytes(out / "kiosk-a.json");
  auto wrong = verify_receipt(bytes, c.kiosk.pk);
  CHECK(wrong.status().code() == Errc::unauthorized);
  auto receipt = verify_receipt(bytes, *load_key<SigningPublicKey>(c.keys.signing_pk()));
  REQUIRE_MESSAGE(receipt.ok(), receipt.status().to_string());
  CHECK(receipt->kiosk_id == "kiosk-a");
  const ReceiptOutbox* o = receipt->find(kGeneration);
  REQUIRE(o != nullptr);
  CHECK(o->through == 2);
  // chain(2), computed here from the files' bytes.
  BundleChain chain{};
  for (std::size_t i : {0u, 1u}) chain = next_chain(chain, bundle_digest(bundles[i]));
  CHECK(o->chain == chain);
  REQUIRE(o->also.size() == 1);
  CHECK(o->also[0].seq == 4);
  CHECK(o->also[0].digest == bundle_digest(bundles[3]));
  REQUIRE(o->rejected.size() == 1);
  CHECK(o->rejected[0].name == junk_name);
  CHECK(o->rejected[0].reason.find("corrupt") != std::string::npos);
  // Not readable by others than the drop box? World-readable on purpose: no patient data.
  CHECK((fs::status(out / "kiosk-a.json").permissions() & fs::perms::others_read) != fs::perms::none);
}

TEST_CASE("ingest_folder and write_receipts run on MemEnv: the drop box's files, mtimes and the receipt's modes") {
  Clinic c;
  MemEnv env(1'767'225'000'000);
  Ingester in(c.keys, c.sealing, c.dicts, c.lib, *c.store, c.clock, env);
  const Bytes b1 = c.bundle(1, {c.sealed(RecordKind::audit, R"({"n":1})")});
  Heartbeat hb;
  hb.kiosk_id = "kiosk-a";
  hb.version = "0.1.0";
  hb.generation = "0102030405060708";
  hb.seq = 1;
  hb.queue_depth = 7;
  const Bytes beat = encode_heartbeat(hb, c.kiosk.sk);
  auto text = [](const Bytes& b) { return std::string(b.begin(), b.end()); };
  REQUIRE(env.create_dirs("/drop/inbox/kiosk-a").ok());
  REQUIRE(env.create_dirs("/drop/status").ok());
  REQUIRE(env.create_dirs("/drop/.partial/inbox").ok());
  REQUIRE(env.write_atomic("/drop/" + name(b1), text(b1)).ok());
  REQUIRE(env.write_atomic("/drop/.partial/inbox/x.opb", "not read").ok());                 // a dot folder
  REQUIRE(env.write_atomic("/drop/inbox/kiosk-a/.tmp-x.opb-12", "half written").ok());       // a temp file
  env.advance_ms(2'000);
  REQUIRE(env.write_atomic("/drop/status/kiosk-a.json", text(beat)).ok());

  IngestReport r;
  REQUIRE(in.ingest_folder("/drop", r).ok());
  CHECK(r.new_records == 1);
  CHECK(r.rejected_bundles == 0);
  CHECK(r.rejections.empty());
  CHECK(r.heartbeats == 1);
  auto fleet = c.store->fleet();
  REQUIRE(fleet.ok());
  REQUIRE(fleet->size() == 1);
  CHECK((*fleet)[0].heartbeat.queue_depth == 7);
  CHECK((*fleet)[0].received_ms == 1'767'225'002'000);  // the file's mtime, not the clinic's clock

  CHECK(in.ingest_folder("/nowhere", r).code() == Errc::not_found);

  REQUIRE(in.write_receipts("/drop/receipts", *load_key<SigningSecretKey>(c.keys.signing_sk()), r).ok());
  CHECK(r.receipts == 1);
  CHECK(env.mode_of("/drop/receipts") == std::optional<mode_t>(0755));
  CHECK(env.mode_of("/drop/receipts/kiosk-a.json") == std::optional<mode_t>(0644));
  auto receipt_text = env.read("/drop/receipts/kiosk-a.json", 1 << 20, "receipt");
  REQUIRE(receipt_text.ok());
  const Bytes receipt_bytes(receipt_text->begin(), receipt_text->end());
  auto receipt = verify_receipt(receipt_bytes, *load_key<SigningPublicKey>(c.keys.signing_pk()));
  REQUIRE_MESSAGE(receipt.ok(), receipt.status().to_string());
  REQUIRE(receipt->find(kGeneration) != nullptr);
  CHECK(receipt->find(kGeneration)->through == 1);
  CHECK_FALSE(fs::exists(c.dir / "drop"));  // nothing went to the disk
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
  REQUIRE(in.ingest_bundle(name(*b), *b, r).ok());
  REQUIRE(r.rejections.size() == 1);
  CHECK(r.rejections[0].find("unknown kiosk 'kiosk-x'") != std::string::npos);
}

TEST_CASE("heartbeats are verified and ordered by generation and sequence, never by the kiosk's clock") {
  Clinic c;
  Ingester in = c.ingester();
  IngestReport r;
  Heartbeat hb;
  hb.kiosk_id = "kiosk-a";
  hb.version = "0.1.0";
  hb.clock_ms = 2'000;
  hb.queue_depth = 4;
  hb.disk_free_bytes = 1 << 20;
  hb.generation = "0102030405060708";
  hb.seq = 10;
  auto depth = [&] {
    auto fleet = c.store->fleet();
    REQUIRE(fleet.ok());
    REQUIRE(fleet->size() == 1);
    return (*fleet)[0].heartbeat.queue_depth;
  };
  REQUIRE(in.ingest_heartbeat("status/kiosk-a.json", encode_heartbeat(hb, c.kiosk.sk), 5'000, r).ok());
  CHECK(depth() == 4);
  // A clock set to 2100: newer by its clock, but an older sequence: ignored...
  Heartbeat future = hb;
  future.clock_ms = 4'102'444'800'000;
  future.seq = 9;
  future.queue_depth = 99;
  REQUIRE(in.ingest_heartbeat("status/kiosk-a.json", encode_heartbeat(future, c.kiosk.sk), 6'000, r).ok());
  CHECK(depth() == 4);
  // ...and one from 2100 with the next sequence is kept, then does not
  // freeze the kiosk: the next one, with a right clock, replaces it.
  future.seq = 11;
  REQUIRE(in.ingest_heartbeat("status/kiosk-a.json", encode_heartbeat(future, c.kiosk.sk), 7'000, r).ok());
  CHECK(depth() == 99);
  Heartbeat fixed = hb;
  fixed.seq = 12;
  fixed.queue_depth = 1;
  REQUIRE(in.ingest_heartbeat("status/kiosk-a.json", encode_heartbeat(fixed, c.kiosk.sk), 8'000, r).ok());
  CHECK(depth() == 1);
  // After an outbox reset the sequence starts again: a later receive time wins.
  Heartbeat reset = hb;
  reset.generation = "0909090909090909";
  reset.seq = 1;
  reset.queue_depth = 2;
  REQUIRE(in.ingest_heartbeat("status/kiosk-a.json", encode_heartbeat(reset, c.kiosk.sk), 9'000, r).ok());
  CHECK(depth() == 2);

  SigningKeyPair stranger = generate_signing_keys();
  REQUIRE(in.ingest_heartbeat("status/kiosk-a.json", encode_heartbeat(hb, stranger.sk), 10'000, r).ok());
  REQUIRE(r.rejections.size() == 1);
  CHECK(r.rejections[0].find("signature") != std::string::npos);
  auto fleet = c.store->fleet();
  CHECK((*fleet)[0].received_ms == 9'000);
}

namespace {

// A questionnaire the clinic's shipped library lacks: GAD-7 under its own
// url and version, written as a Questionnaire file into `dir` (which also
// gets the shipped PHQ-9, so a library loaded from it knows both).
constexpr const char* kLocalUrl = "urn:outpost:test:gad-7-local";
constexpr const char* kLocalKey = "urn:outpost:test:gad-7-local|9.0.0";

Questionnaire write_local_questionnaire(const fs::path& dir) {
  auto doc = nlohmann::json::parse(testing::read_file(testing::source_dir() / "config/questionnaires/gad-7.json"));
  doc["url"] = kLocalUrl;
  doc["version"] = "9.0.0";
  fs::create_directories(dir);
  testing::write_file(dir / "gad-7-local.json", doc.dump());
  const fs::path shipped = testing::source_dir() / "config/questionnaires";
  testing::write_file(dir / "phq-9.json", testing::read_file(shipped / "phq-9.json"));
  auto q = Questionnaire::parse(doc.dump(), "gad-7-local.json");
  REQUIRE_MESSAGE(q.ok(), q.status().to_string());
  return std::move(q).value();
}

QuestionnaireLibrary load_library(const fs::path& dir) {
  auto l = QuestionnaireLibrary::load(dir, CrisisRules::defaults());
  REQUIRE_MESSAGE(l.ok(), l.status().to_string());
  return std::move(l).value();
}

// The answers of a GAD-7 test response (read against the shipped GAD-7,
// whose url the response names; the linkIds are the same in `local`).
Answers gad7_answers() {
  auto q = Questionnaire::parse(testing::read_file(testing::source_dir() / "config/questionnaires/gad-7.json"));
  REQUIRE(q.ok());
  return testing::load_answers(*q, "gad7-en-severe.json");
}

// A check-in of `q` with those answers, for `subject`.
Record local_checkin(Clinic& c, const Questionnaire& q, const std::string& subject = "") {
  Answers answers = gad7_answers();
  SecretBytes plain = encode_checkin(q, answers, ResponseMeta{"en", subject, "2026-01-01T00:00:00Z"});
  return c.sealed(RecordKind::questionnaire_response, plain.view());
}

std::size_t quarantine_size(Clinic& c) {
  auto held = c.store->quarantined();
  REQUIRE(held.ok());
  return held->size();
}

}  // namespace

TEST_CASE("a record whose questionnaire the clinic lacks is quarantined sealed and the rest of its bundle is stored") {
  Clinic c;
  const Questionnaire local = write_local_questionnaire(c.dir / "library");
  auto [good1, score1] = c.checkin("phq9-en-none.json");
  auto [good2, score2] = c.checkin("phq9-en-moderate.json");
  Record stranger = local_checkin(c, local, "123456782");
  Bytes b = c.bundle(1, {good1, stranger, good2});
  const std::int64_t at = c.clock.wall_ms();
  Ingester in = c.ingester();
  IngestReport r;
  REQUIRE(in.ingest_bundle(name(b), b, r).ok());
  CHECK(r.new_records == 2);
  CHECK(r.quarantined_records == 1);
  CHECK(r.duplicate_records == 0);
  CHECK(r.rejected_bundles == 0);
  REQUIRE(r.quarantines.size() == 1);
  CHECK(r.quarantines[0] == name(b) + ": record " + stranger.id.to_string() + ": questionnaire '" + kLocalKey +
                                "' is not in the library");
  CHECK(c.store->records()->size() == 2);

  // Kept exactly as the bundle carried it, sealed; nothing of the payload.
  auto held = c.store->quarantined();
  REQUIRE(held.ok());
  REQUIRE(held->size() == 1);
  const QuarantinedRecord& q = (*held)[0];
  CHECK(q.record.id == stranger.id);
  CHECK(q.record.kind == stranger.kind);
  CHECK(q.record.priority == stranger.priority);
  CHECK(q.record.dict_id == stranger.dict_id);
  CHECK(q.record.boot_id == stranger.boot_id);
  CHECK(q.record.mono_ms == stranger.mono_ms);
  CHECK(q.record.sealed == stranger.sealed);
  CHECK(q.kiosk_id == "kiosk-a");
  CHECK(q.generation == generation_hex(kGeneration));
  CHECK(q.bundle_seq == 1);
  CHECK(q.bundle_version == kBundleVersion);
  CHECK(q.questionnaire == kLocalKey);
  CHECK(q.reason == std::string("questionnaire '") + kLocalKey + "' is not in the library");
  CHECK(q.since_ms == at);
  CHECK(q.reason.find("123456782") == std::string::npos);

  // Delivered: the receipt confirms the bundle, so the kiosk lets it go.
  REQUIRE(in.write_receipts(c.dir / "receipts", *load_key<SigningSecretKey>(c.keys.signing_sk()), r).ok());
  auto receipt = verify_receipt(testing::read_bytes(c.dir / "receipts/kiosk-a.json"),
                                *load_key<SigningPublicKey>(c.keys.signing_pk()));
  REQUIRE(receipt.ok());
  REQUIRE(receipt->find(kGeneration) != nullptr);
  CHECK(receipt->find(kGeneration)->through == 1);
  CHECK(receipt->find(kGeneration)->rejected.empty());

  // The same bundle again (USB, then network): already ingested, nothing added.
  REQUIRE(in.ingest_bundle(name(b), b, r).ok());
  CHECK(r.known_bundles == 1);
  CHECK(r.quarantined_records == 1);
  CHECK(quarantine_size(c) == 1);

  // Retrying with the same library changes nothing.
  RetryReport same;
  REQUIRE(in.retry_quarantined(same).ok());
  CHECK(same.imported == 0);
  CHECK(same.remaining == 1);
  REQUIRE(same.reasons.size() == 1);
  CHECK(same.reasons[0].find("is not in the library") != std::string::npos);
  CHECK(quarantine_size(c) == 1);

  // The clinic adds the questionnaire: the retry imports it, once.
  const QuestionnaireLibrary newer = load_library(c.dir / "library");
  Ingester in2(c.keys, c.sealing, c.dicts, newer, *c.store, c.clock);
  RetryReport fixed;
  REQUIRE(in2.retry_quarantined(fixed).ok());
  CHECK(fixed.imported == 1);
  CHECK(fixed.remaining == 0);
  CHECK(quarantine_size(c) == 0);
  auto rows = c.store->records();
  REQUIRE(rows->size() == 3);
  auto a = assess(local, gad7_answers());
  REQUIRE(a.ok());
  bool found = false;
  for (const auto& row : *rows) {
    if (row.id != stranger.id.to_string()) continue;
    found = true;
    CHECK(row.questionnaire == kLocalKey);
    CHECK(row.score == std::optional<double>(a->score));
    CHECK(row.subject == "123456782");
    CHECK(row.kiosk_id == "kiosk-a");
    CHECK(row.bundle_seq == 1);
    CHECK(nlohmann::json::parse(row.body)["questionnaire"] == kLocalKey);
  }
  CHECK(found);
  RetryReport again;
  REQUIRE(in2.retry_quarantined(again).ok());
  CHECK(again.imported + again.duplicate + again.remaining == 0);
  CHECK(c.store->records()->size() == 3);
}

TEST_CASE("a quarantined record that arrives fine in another bundle is imported once and leaves the quarantine") {
  Clinic c;
  const Questionnaire local = write_local_questionnaire(c.dir / "library");
  Record rec = local_checkin(c, local);
  Ingester old_lib = c.ingester();
  IngestReport r;
  Bytes b1 = c.bundle(1, {rec});
  REQUIRE(old_lib.ingest_bundle(name(b1), b1, r).ok());
  CHECK(r.quarantined_records == 1);

  // In another bundle while the library still lacks it: not quarantined twice.
  Bytes b2 = c.bundle(2, {rec});
  REQUIRE(old_lib.ingest_bundle(name(b2), b2, r).ok());
  CHECK(r.quarantined_records == 1);
  CHECK(r.duplicate_records == 1);
  CHECK(r.quarantines.size() == 1);
  REQUIRE(quarantine_size(c) == 1);
  CHECK(c.store->quarantined()->front().bundle_seq == 1);

  // With the questionnaire added, it arrives once more: imported, out of the quarantine.
  const QuestionnaireLibrary newer = load_library(c.dir / "library");
  Ingester new_lib(c.keys, c.sealing, c.dicts, newer, *c.store, c.clock);
  Bytes b3 = c.bundle(3, {rec});
  REQUIRE(new_lib.ingest_bundle(name(b3), b3, r).ok());
  CHECK(r.new_records == 1);
  CHECK(quarantine_size(c) == 0);
  RetryReport retry;
  REQUIRE(new_lib.retry_quarantined(retry).ok());
  CHECK(retry.imported == 0);

  // Imported, it is a duplicate wherever it turns up, even where it could not be read.
  Bytes b4 = c.bundle(4, {rec});
  REQUIRE(old_lib.ingest_bundle(name(b4), b4, r).ok());
  CHECK(r.new_records == 1);
  CHECK(r.quarantined_records == 1);
  CHECK(r.duplicate_records == 2);
  CHECK(quarantine_size(c) == 0);
  CHECK(c.store->records()->size() == 1);
}

TEST_CASE("a check-in that does not decode against its questionnaire is quarantined with a reason naming both") {
  Clinic c;
  const std::string bad = R"({"q":"urn:outpost:questionnaire:phq-9|1.0.0","s":"123456782","a":["LA6568-5"]})";
  Record rec = c.sealed(RecordKind::questionnaire_response, bad);
  Bytes b = c.bundle(1, {rec, c.checkin("phq9-en-none.json").first});
  Ingester in = c.ingester();
  IngestReport r;
  REQUIRE(in.ingest_bundle(name(b), b, r).ok());
  CHECK(r.new_records == 1);
  CHECK(r.quarantined_records == 1);
  auto held = c.store->quarantined();
  REQUIRE(held->size() == 1);
  CHECK((*held)[0].questionnaire == "urn:outpost:questionnaire:phq-9|1.0.0");
  CHECK((*held)[0].reason ==
        "questionnaire 'urn:outpost:questionnaire:phq-9|1.0.0': check-in payload: 44250-9: expected an option index");
  // The reason names items, never the answer or the patient code.
  CHECK((*held)[0].reason.find("LA6568-5") == std::string::npos);
  CHECK((*held)[0].reason.find("123456782") == std::string::npos);
  RetryReport retry;
  REQUIRE(in.retry_quarantined(retry).ok());
  CHECK(retry.remaining == 1);
}

TEST_CASE("a seal that does not open still rejects the whole bundle, quarantine-worthy records included") {
  Clinic c;
  const Questionnaire local = write_local_questionnaire(c.dir / "library");
  Record moved = c.checkin("phq9-en-none.json").first;
  moved.priority = Priority::crisis;  // the seal is bound to the priority
  Bytes b = c.bundle(1, {c.checkin("phq9-en-moderate.json").first, local_checkin(c, local), moved});
  Ingester in = c.ingester();
  IngestReport r;
  REQUIRE(in.ingest_bundle(name(b), b, r).ok());
  CHECK(r.rejected_bundles == 1);
  REQUIRE(r.rejections.size() == 1);
  CHECK(r.rejections[0].find("record 2 cannot be opened") != std::string::npos);
  CHECK(r.new_records == 0);
  CHECK(r.quarantined_records == 0);
  CHECK(c.store->records()->empty());
  CHECK(quarantine_size(c) == 0);
}

TEST_CASE("quarantine keeps a version 1 record's seal digest and its clock correction through a retry") {
  Clinic c;
  const Questionnaire local = write_local_questionnaire(c.dir / "library");
  Answers answers = gad7_answers();
  SecretBytes plain = encode_checkin(local, answers, ResponseMeta{"en", "", "2026-01-01T00:00:00Z"});
  Record legacy;
  legacy.id = RecordId::generate(c.clock.wall_ms());
  legacy.kind = RecordKind::questionnaire_response;
  legacy.priority = Priority::clinical;
  auto s1 = seal_payload_v1(legacy.kind, plain.span(), c.dicts, c.sealing.pk);
  REQUIRE(s1.ok());
  legacy.sealed = s1->sealed;
  legacy.dict_id = s1->dict_id;
  BundleHeader h;
  h.version = kBundleVersionV1;
  h.kiosk_id = "kiosk-a";
  h.seq = 1;
  h.created_ms = c.clock.wall_ms();
  h.mono_ms = 10'000;
  legacy.mono_ms = 4'000;
  Bytes v1 = encode_bundle(h, std::vector<Record>{legacy}, c.kiosk.sk).value();
  // The drop box got it two hours after the kiosk's clock says it was made.
  const std::int64_t received = c.clock.wall_ms() + 2 * 3'600'000;
  Ingester in = c.ingester();
  IngestReport r;
  REQUIRE(in.ingest_bundle("inbox/kiosk-a/kiosk-a-0000000001.opb", v1, r, received).ok());
  CHECK(r.quarantined_records == 1);

  // The same sealed bytes under another id are still a replay.
  Record copy = legacy;
  copy.id = RecordId::generate(c.clock.wall_ms() + 5);
  h.seq = 2;
  Bytes v1copy = encode_bundle(h, std::vector<Record>{copy}, c.kiosk.sk).value();
  REQUIRE(in.ingest_bundle("inbox/kiosk-a/kiosk-a-0000000002.opb", v1copy, r).ok());
  CHECK(r.rejected_bundles == 1);
  CHECK(r.rejections.back().find("carries the sealed payload of record " + legacy.id.to_string()) !=
        std::string::npos);

  const QuestionnaireLibrary newer = load_library(c.dir / "library");
  Ingester in2(c.keys, c.sealing, c.dicts, newer, *c.store, c.clock);
  RetryReport retry;
  REQUIRE(in2.retry_quarantined(retry).ok());
  CHECK(retry.imported == 1);
  auto rows = c.store->records();
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].corrected_ms == std::optional<std::int64_t>(received - 6'000));
  CHECK((*rows)[0].clock_note.find("time corrected from the bundle's mono clock") != std::string::npos);
}

TEST_CASE("a questionnaire swapped at the clinic under the same url|version is detected, not mis-stored") {
  Clinic c;
  auto [qr, score] = c.checkin("phq9-en-moderate.json");
  Bytes b = c.bundle(1, {qr});
  // The clinic's library holds a PHQ-9 edited in place: same url and
  // version, one option weighted differently.
  testing::TempDir lib_dir;
  auto doc = nlohmann::json::parse(testing::read_file(testing::source_dir() / "config/questionnaires/phq-9.json"));
  bool edited = false;
  std::function<void(nlohmann::json&)> edit = [&](nlohmann::json& items) {
    for (auto& it : items) {
      if (!edited && it.contains("answerOption")) {
        it["answerOption"][1]["extension"][0]["valueDecimal"] = 2;
        edited = true;
      }
      if (it.contains("item")) edit(it["item"]);
    }
  };
  edit(doc["item"]);
  REQUIRE(edited);
  testing::write_file(lib_dir.path() / "phq-9.json", doc.dump());
  auto swapped = QuestionnaireLibrary::load(lib_dir.path(), CrisisRules::defaults());
  REQUIRE_MESSAGE(swapped.ok(), swapped.status().to_string());
  Ingester in(c.keys, c.sealing, c.dicts, *swapped, *c.store, c.clock);
  IngestReport r;
  REQUIRE(in.ingest_bundle(name(b), b, r).ok());
  CHECK(r.new_records == 0);
  CHECK(r.quarantined_records == 1);
  REQUIRE(r.quarantines.size() == 1);
  CHECK_MESSAGE(r.quarantines[0].find("made with another file under the name urn:outpost:questionnaire:phq-9") !=
                    std::string::npos,
                r.quarantines[0]);
  CHECK(c.store->records()->empty());
  // With the file the kiosk used, the same record imports with its score.
  RetryReport again;
  Ingester right = c.ingester();
  REQUIRE(right.retry_quarantined(again).ok());
  auto rows = c.store->records();
  REQUIRE(rows->size() == 1);
  CHECK(rows->front().score == std::optional<double>(score));
}

TEST_CASE("the clinic's library applies the crisis rules as the kiosk does (public PHQ-9 files)") {
  const fs::path shared = testing::source_dir() / "../shared/fhir-questionnaires";
  auto rules = load_crisis_rules(testing::source_dir() / "config/crisis-rules.toml");
  REQUIRE_MESSAGE(rules.ok(), rules.status().to_string());
  testing::TempDir lib_dir;  // a temp copy of the public files, never in the project
  const char* files[] = {"cirg-phq9.json", "lforms-fhir-app-phq9.json", "rkfhir-phq9.json", "sdc-ig-phq9.json"};
  for (const char* f : files) fs::copy_file(shared / f, lib_dir.path() / f);
  auto lib = QuestionnaireLibrary::load(lib_dir.path(), *rules);
  REQUIRE_MESSAGE(lib.ok(), lib.status().to_string());
  CHECK(lib->warnings().empty());
  auto none = QuestionnaireLibrary::load(lib_dir.path(), CrisisRules());
  REQUIRE(none.ok());
  CHECK_FALSE(none->warnings().empty());  // the LOINC-coded item 9s are uncovered
  for (const char* f : files) {
    CAPTURE(f);
    // The kiosk's way: parse, apply the same rules.
    auto kiosk = Questionnaire::parse(testing::read_file(shared / f), f);
    REQUIRE(kiosk.ok());
    (void)rules->apply(*kiosk);
    const Questionnaire* clinic = lib->find(kiosk->key());
    REQUIRE(clinic != nullptr);
    int critical = 0;
    for (const Item* it : kiosk->flatten()) {
      const Item* same = clinic->find(it->link_id);
      REQUIRE(same != nullptr);
      CHECK(same->critical_at_or_above == it->critical_at_or_above);
      if (it->critical_at_or_above) {
        ++critical;
        // PHQ-9 item 9 by its wording, at weight 1.
        CHECK(it->text.base.find("better off dead") != std::string::npos);
        CHECK(*it->critical_at_or_above == 1);
      }
    }
    CHECK(critical == 1);
    CHECK(clinic->digest() == kiosk->digest());
  }
}

TEST_CASE("ingest does not follow folder links: a loop is walked once, a link out of the drop box is not read") {
  Clinic c;
  Ingester in(c.keys, c.sealing, c.dicts, c.lib, *c.store, c.clock);
  const fs::path drop = c.dir / "drop";
  const fs::path outside = c.dir / "outside";
  fs::create_directories(drop / "inbox" / "kiosk-a");
  fs::create_directories(outside);
  const Bytes b1 = c.bundle(1, {c.sealed(RecordKind::audit, R"({"n":1})")});
  const Bytes b2 = c.bundle(2, {c.sealed(RecordKind::audit, R"({"n":2})")});
  auto put = [](const fs::path& p, const Bytes& b) {
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  };
  put(drop / name(b1), b1);
  put(outside / fs::path(name(b2)).filename(), b2);
  fs::create_directory_symlink(drop / "inbox", drop / "inbox" / "kiosk-a" / "loop");
  fs::create_directory_symlink(outside, drop / "inbox" / "kiosk-b");
  IngestReport r;
  REQUIRE(in.ingest_folder(drop, r).ok());
  CHECK(r.new_records == 1);  // b1 only, once
  CHECK(r.known_bundles == 0);
  CHECK(r.rejected_bundles == 0);
  CHECK_MESSAGE(r.rejections.empty(), r.rejections.front());
}

TEST_CASE("a watched video is stored with its subject and time, a garbled one is quarantined naming the field") {
  Clinic c;
  MediaEvent e;
  e.channel = "demo";
  e.channel_version = 3;
  e.item_id = "sleep-routine";
  e.seconds_watched = 12.5;
  e.duration_s = 20;
  e.meta = ResponseMeta{"es", "123456780", "2026-01-01T00:05:00Z"};
  Record good = c.sealed(RecordKind::media_event, encode_media_event(e).view());
  const std::string garbled =
      R"({"f":"outpost-media-event/1","c":"demo","v":3,"i":"sleep-routine","w":"12","d":20,"e":false,"s":"123456780"})";
  Record bad = c.sealed(RecordKind::media_event, garbled);
  Bytes b = c.bundle(1, {good, bad});
  Ingester in = c.ingester();
  IngestReport r;
  REQUIRE(in.ingest_bundle(name(b), b, r).ok());
  CHECK(r.new_records == 1);
  CHECK(r.quarantined_records == 1);
  auto rows = c.store->records();
  REQUIRE(rows->size() == 1);
  const ClinicRecord& row = (*rows)[0];
  CHECK(row.id == good.id.to_string());
  CHECK(row.kind == "media-event");
  CHECK(row.subject == "123456780");
  CHECK(row.authored == "2026-01-01T00:05:00Z");
  CHECK(row.questionnaire.empty());
  CHECK(decode_media_event(row.body)->item_id == "sleep-routine");
  auto held = c.store->quarantined();
  REQUIRE(held->size() == 1);
  CHECK((*held)[0].reason == "media-event payload: \"w\" is not a number");
  CHECK((*held)[0].reason.find("123456780") == std::string::npos);
}
