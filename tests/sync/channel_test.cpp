// The channel manifest (sync/channel.h): design.md's example, signatures,
// and every malformed field the issue lists.
#include "sync/channel.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "../kiosk/questionnaire_fixture.h"
#include "content_fixture.h"

using namespace outpost;
using namespace outpost::sync;
using nlohmann::json;

namespace {

// The first ```json block after "## Content channels" in docs/design.md.
std::string design_manifest() {
  const std::string doc = test::read_source_file("docs/design.md");
  auto section = doc.find("## Content channels");
  REQUIRE(section != std::string::npos);
  auto start = doc.find("```json\n", section);
  REQUIRE(start != std::string::npos);
  start += 8;
  return doc.substr(start, doc.find("\n```", start) - start);
}

// design.md's example with one change applied, as text.
std::string edited(const std::function<void(json&)>& edit) {
  json j = json::parse(design_manifest());
  edit(j);
  return j.dump();
}

void refused(const std::string& body, const std::string& field) {
  auto m = parse_manifest_body(body, "test.json");
  REQUIRE_FALSE(m.ok());
  CHECK(m.status().code() == Errc::corrupt);
  CHECK_MESSAGE(m.status().message().find(field) != std::string::npos, m.status().message());
  CHECK(m.status().message().rfind("test.json: ", 0) == 0);
}

}  // namespace

TEST_CASE("the example manifest in design.md parses to what it says") {
  auto m = parse_manifest_body(design_manifest(), "design.md");
  REQUIRE_MESSAGE(m.ok(), m.status().message());
  CHECK(m->channel == "skills");
  CHECK(m->version == 7);
  CHECK(m->default_language == "en");
  REQUIRE(m->items.size() == 1);
  const ChannelItem& it = m->items[0];
  CHECK(it.id == "slow-breathing");
  CHECK(it.topic == "anxiety");
  CHECK(it.duration_ms == 31000);
  CHECK(it.video.size == 2104523);
  CHECK(it.captions.size() == 2);
  CHECK(text_in(it.title, "es", "en") == "Respiración lenta");
  CHECK(text_in(it.title, "fr", "en") == "Slow breathing");
  CHECK(m->files().size() == 4);
  REQUIRE(m->schedule.sessions.size() == 2);
  const GroupSession& g = m->schedule.sessions[0];
  CHECK(g.id == "tuesday-group");
  CHECK(g.kind == "group");
  CHECK(text_in(g.title, "es", "en") == "Grupo de habilidades del martes");
  CHECK(g.start == "2026-12-08T17:00:00Z");
  CHECK(g.server == "https://clinic.example/janus");
  CHECK(g.room == 1234);
  CHECK(g.pin == "4711");
  CHECK(g.patients.empty());
  const GroupSession& p = m->schedule.sessions[1];
  CHECK(p.kind == "private");
  CHECK(p.patients_salt == "000102030405060708090a0b0c0d0e0f");
  REQUIRE(p.patients.size() == 1);
  // The digest in design.md was computed by PyNaCl's argon2id, not by us.
  CHECK(patient_code_digest("123456780", p.patients_salt).value() == p.patients[0]);
  CHECK(patient_code_digest("123456781", p.patients_salt).value() != p.patients[0]);
  // What we write parses back to the same manifest.
  auto again = parse_manifest_body(manifest_body_json(*m), "again");
  REQUIRE(again.ok());
  CHECK(manifest_body_json(*again) == manifest_body_json(*m));
}

TEST_CASE("a manifest opens only with the clinic's signature") {
  REQUIRE(crypto_init());
  test::TestChannel ch;
  ch.add_item("one", "video bytes");
  const Bytes good = ch.signed_bytes();
  auto opened = open_manifest(good, ch.clinic.pk, "m");
  REQUIRE_MESSAGE(opened.ok(), opened.status().message());
  CHECK(opened->items[0].id == "one");

  SUBCASE("another key") {
    auto other = generate_signing_keys();
    auto r = open_manifest(sign_manifest(ch.manifest, other.sk), ch.clinic.pk, "m");
    CHECK(r.status().code() == Errc::unauthorized);
  }
  SUBCASE("a body changed after signing") {
    json env = json::parse(std::string(good.begin(), good.end()));
    std::string body = env["body"];
    body.replace(body.find("\"version\": 1"), 12, "\"version\": 9");
    env["body"] = body;
    const std::string t = env.dump();
    auto r = open_manifest(Bytes(t.begin(), t.end()), ch.clinic.pk, "m");
    CHECK(r.status().code() == Errc::unauthorized);
  }
  SUBCASE("no signature") {
    json env = json::parse(std::string(good.begin(), good.end()));
    env.erase("sig");
    const std::string t = env.dump();
    auto r = open_manifest(Bytes(t.begin(), t.end()), ch.clinic.pk, "m");
    CHECK(r.status().code() == Errc::corrupt);
    CHECK(r.status().message().find("sig") != std::string::npos);
  }
  SUBCASE("a huge manifest") {
    Bytes huge(kMaxManifestBytes + 8192, ' ');
    auto r = open_manifest(huge, ch.clinic.pk, "m");
    CHECK(r.status().code() == Errc::corrupt);
    CHECK(r.status().message().find("larger than") != std::string::npos);
  }
}

TEST_CASE("malformed manifests are refused naming the field") {
  refused(edited([](json& j) { j["extra"] = 1; }), "extra: unknown field");
  refused(edited([](json& j) { j["format"] = "outpost-channel/2"; }), "format");
  refused(edited([](json& j) { j["version"] = -3; }), "version");
  refused(edited([](json& j) { j["version"] = 0; }), "version: zero");
  refused(edited([](json& j) { j["published"] = "yesterday"; }), "published");
  refused(edited([](json& j) { j["channel"] = "../etc"; }), "channel");
  refused(edited([](json& j) { j["items"][0]["kind"] = "game"; }), "items[0].kind: unknown field");
  refused(edited([](json& j) { j["items"][0]["topic"] = "gambling"; }), "items[0].topic: unknown topic");
  refused(edited([](json& j) { j["items"][0]["video"]["name"] = "../../etc/passwd"; }), "items[0].video.name");
  refused(edited([](json& j) { j["items"][0]["video"]["name"] = "a/b.webm"; }), "items[0].video.name");
  refused(edited([](json& j) { j["items"][0]["video"]["name"] = ".."; }), "items[0].video.name");
  refused(edited([](json& j) { j["items"][0]["captions"]["en"]["name"] = "x\ny.vtt"; }), "captions.en.name");
  refused(edited([](json& j) { j["items"][0]["video"]["sha256"] = "ABC"; }), "items[0].video.sha256");
  refused(edited([](json& j) { j["items"][0]["video"]["size"] = 0; }), "items[0].video.size: zero");
  refused(edited([](json& j) { j["items"][0]["video"]["size"] = "12"; }), "items[0].video.size");
  refused(edited([](json& j) { j["items"][0]["video"]["size"] = 5ull << 30; }), "items[0].video.size: over");
  refused(edited([](json& j) { j["items"][0]["captions"]["en"]["size"] = 2 << 20; }), "captions.en.size: over");
  refused(edited([](json& j) { j["items"][0]["video"]["mime"] = "x"; }), "items[0].video.mime: unknown field");
  refused(edited([](json& j) { j["items"][0].erase("video"); }), "items[0].video: missing");
  refused(edited([](json& j) { j["items"][0]["title"].erase("en"); }), "default language");
  refused(edited([](json& j) { j["items"][0]["title"]["EN!"] = "x"; }), "not a language tag");
  refused(edited([](json& j) { j["items"].push_back(j["items"][0]); }), "appears twice");
  refused(edited([](json& j) {
            j["items"].push_back(j["items"][0]);
            j["items"][1]["id"] = "other";
            j["items"][1]["video"]["size"] = 5;
          }),
          "two different sizes");
  refused(edited([](json& j) { j["schedule"]["v"] = 2; }), "schedule.v: version 2");
  refused(edited([](json& j) { j["schedule"]["sessions"] = json::array({1}); }), "schedule.sessions[0]");
  auto session = [](auto change) {
    return edited([&](json& j) { change(j["schedule"]["sessions"][0]); });
  };
  refused(session([](json& s) { s["video"] = true; }), "schedule.sessions[0].video: unknown field");
  refused(session([](json& s) { s["id"] = "Tuesday!"; }), "schedule.sessions[0].id");
  refused(session([](json& s) { s["kind"] = "webinar"; }), "sessions[0].kind: 'webinar' is not group or private");
  refused(session([](json& s) { s["title"] = {{"es", "Grupo"}}; }), "sessions[0].title: no text in the default language");
  refused(session([](json& s) { s["start"] = "2026-02-30T17:00:00Z"; }), "sessions[0].start: not YYYY-MM-DDTHH:MM:SSZ");
  refused(session([](json& s) { s["end"] = "2026-12-08T16:59:59Z"; }), "sessions[0].end: not after start");
  refused(session([](json& s) { s["end"] = "2026-12-09T05:00:01Z"; }), "sessions[0].end: more than 12 hours");
  refused(session([](json& s) { s["server"] = "ftp://clinic.example/janus"; }), "sessions[0].server");
  refused(session([](json& s) { s["server"] = "https://clinic example/janus"; }), "sessions[0].server");
  refused(session([](json& s) { s["room"] = 0; }), "sessions[0].room: zero");
  refused(session([](json& s) { s["room"] = "1234"; }), "sessions[0].room");
  refused(session([](json& s) { s["pin"] = std::string(65, '1'); }), "sessions[0].pin: longer than 64");
  refused(session([](json& s) { s["patients"] = {{"salt", "00"}, {"digests", {"x"}}}; }),
          "sessions[0].patients: only a private session");
  refused(edited([](json& j) { j["schedule"]["sessions"][1]["patients"]["salt"] = "XYZ"; }),
          "sessions[1].patients.salt: not 32 lowercase hex digits");
  refused(edited([](json& j) { j["schedule"]["sessions"][1]["patients"]["digests"] = json::array({"123456780"}); }),
          "sessions[1].patients.digests: an entry is not 64 lowercase hex digits");
  refused(edited([](json& j) { j["schedule"]["sessions"][1]["id"] = "tuesday-group"; }),
          "sessions[1].id: 'tuesday-group' appears twice");
  refused(edited([](json& j) { j["items"] = json::array(); for (int i = 0; i < 1001; ++i) j["items"].push_back(1); }),
          "more than 1000 items");
  refused("[1,2", "not JSON");
}

TEST_CASE("plain file names") {
  CHECK(plain_file_name("video.webm"));
  CHECK(plain_file_name("Vídeo 1.webm"));
  CHECK_FALSE(plain_file_name(""));
  CHECK_FALSE(plain_file_name("."));
  CHECK_FALSE(plain_file_name(".."));
  CHECK_FALSE(plain_file_name(".hidden"));
  CHECK_FALSE(plain_file_name("a/b"));
  CHECK_FALSE(plain_file_name("a\\b"));
  CHECK_FALSE(plain_file_name(std::string("a\0b", 3)));
  CHECK_FALSE(plain_file_name(std::string(101, 'a')));
}
