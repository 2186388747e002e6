#include "config/site_config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

using namespace outpost;
using namespace std::chrono_literals;

namespace {

// The error message of a config that must fail; also checks the error code.
std::string error_of(std::string_view toml) {
  Result<SiteConfig> r = parse_site_config(toml, "site.toml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Errc::invalid_config);
  return r.status().message();
}

}  // namespace

TEST_CASE("an empty file gives the defaults") {
  Result<SiteConfig> r = parse_site_config("", "site.toml");
  REQUIRE(r.ok());
  const SiteConfig d = default_site_config();
  CHECK(r->kiosk_id == "demo-kiosk");
  CHECK(r->data_dir == "/var/lib/outpost");
  CHECK(r->questionnaire_dir.empty());
  CHECK(r->checkin == std::vector<std::string>{"phq-9.json", "gad-7.json"});
  CHECK(r->session.languages == std::vector<std::string>{"en", "es"});
  CHECK(r->session.allow_anonymous);
  CHECK(r->session.idle_timeout == 90s);
  CHECK(r->session.idle_warning == 20s);
  CHECK(r->session.submitted_linger == 15s);
  CHECK(r->crisis.heading.in("es") == "No está solo");
  REQUIRE(r->crisis.lines.size() == 2);
  CHECK(r->crisis.lines[0].number == "988");
  CHECK(d.crisis.lines[1].label.in("en") == "Emergency");
}

TEST_CASE("every [kiosk] key is read") {
  Result<SiteConfig> r = parse_site_config(R"(
[kiosk]
id = "north-2"
site_name = "North"
data_dir = "/srv/outpost"
languages = ["es"]
allow_anonymous = false
idle_timeout_s = 60
idle_warning_s = 10
thank_you_s = 5
checkin = ["phq-9.json"]
questionnaire_dir = "/etc/outpost/q"
)",
                                           "site.toml");
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK(r->kiosk_id == "north-2");
  CHECK(r->site_name == "North");
  CHECK(r->data_dir == "/srv/outpost");
  CHECK(r->session.languages == std::vector<std::string>{"es"});
  CHECK_FALSE(r->session.allow_anonymous);
  CHECK(r->session.idle_timeout == 60s);
  CHECK(r->session.idle_warning == 10s);
  CHECK(r->session.submitted_linger == 5s);
  CHECK(r->checkin == std::vector<std::string>{"phq-9.json"});
  CHECK(r->questionnaire_dir == "/etc/outpost/q");
  auto paths = checkin_paths(*r, "/fallback");
  REQUIRE(paths.size() == 1);
  CHECK(paths[0] == "/etc/outpost/q/phq-9.json");
}

TEST_CASE("checkin_paths uses the fallback dir and keeps absolute names") {
  SiteConfig c = default_site_config();
  c.checkin = {"phq-9.json", "/opt/mood.json"};
  auto paths = checkin_paths(c, "/usr/share/outpost/questionnaires");
  REQUIRE(paths.size() == 2);
  CHECK(paths[0] == "/usr/share/outpost/questionnaires/phq-9.json");
  CHECK(paths[1] == "/opt/mood.json");
}

TEST_CASE("crisis texts are plain strings or per-language tables") {
  Result<SiteConfig> r = parse_site_config(R"(
[kiosk]
languages = ["es", "en"]
[crisis]
heading = "Help is here"
message = { es = "Avise al personal.", en = "Tell the staff." }
[[crisis.lines]]
label = { es = "Línea local", en = "Local line" }
number = "555 0100"
)",
                                           "site.toml");
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK(r->crisis.heading.base == "Help is here");
  CHECK(r->crisis.heading.in("es") == "Help is here");
  CHECK(r->crisis.message.base == "Avise al personal.");  // the first language is the base
  CHECK(r->crisis.message.in("en") == "Tell the staff.");
  CHECK(r->crisis.message.in("fr") == "Avise al personal.");
  REQUIRE(r->crisis.lines.size() == 1);  // replaces the default lines
  CHECK(r->crisis.lines[0].label.in("en") == "Local line");
  CHECK(r->crisis.lines[0].number == "555 0100");
}

TEST_CASE("errors name the file, line and key") {
  CHECK(error_of("[kiosk]\nidle_timeout_s = \"90\"\n") ==
        "site.toml:2: kiosk.idle_timeout_s: must be a whole number of seconds, got a string");
  CHECK(error_of("[kiosk]\nidle_timout_s = 90\n") == "site.toml:2: kiosk.idle_timout_s: unknown key");
  CHECK(error_of("[kiosk]\nid = \"a\"\n[kiosks]\nid = \"b\"\n") ==
        "site.toml:3: kiosks: unknown table [kiosks]");
  CHECK(error_of("kiosk_id = \"x\"\n") == "site.toml:1: kiosk_id: unknown key");
  // The same rule as the clinic key directory (kiosk/kiosk_id.h): no leading '.'.
  CHECK(error_of("[kiosk]\nid = \".hidden\"\n") ==
        "site.toml:2: kiosk.id: must be 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'");
  CHECK(error_of("[crisis]\nheadline = \"x\"\n") == "site.toml:2: crisis.headline: unknown key");
  CHECK(error_of("kiosk = 3\n") == "site.toml:1: kiosk: must be a table, got an integer");
}

TEST_CASE("TOML syntax errors carry the line") {
  std::string msg = error_of("[kiosk]\nid = \"unterminated\n");
  CHECK(msg.rfind("site.toml:2: ", 0) == 0);
}

TEST_CASE("wrong types are rejected with the key") {
  CHECK(error_of("[kiosk]\nallow_anonymous = \"yes\"\n").find("kiosk.allow_anonymous: must be true or false, got a string") !=
        std::string::npos);
  CHECK(error_of("[kiosk]\nlanguages = \"en\"\n").find("kiosk.languages: must be an array of strings") !=
        std::string::npos);
  CHECK(error_of("[kiosk]\ncheckin = [\"phq-9.json\", 3]\n").find("kiosk.checkin[1]: must be a string, got an integer") !=
        std::string::npos);
  CHECK(error_of("[kiosk]\nthank_you_s = 1.5\n").find("kiosk.thank_you_s: must be a whole number of seconds") !=
        std::string::npos);
  CHECK(error_of("[kiosk]\nsite_name = \"\"\n").find("kiosk.site_name: must not be empty") != std::string::npos);
  CHECK(error_of("[kiosk]\nid = \"a b\"\n").find("kiosk.id: must be 1 to 64 letters") != std::string::npos);
  CHECK(error_of("[crisis]\nheading = 7\n").find("crisis.heading: must be a string or a table") != std::string::npos);
}

TEST_CASE("languages must be a non-empty list of distinct 2-letter codes") {
  CHECK(error_of("[kiosk]\nlanguages = []\n") == "site.toml:2: kiosk.languages: must list at least one entry");
  CHECK(error_of("[kiosk]\nlanguages = [\"en\", \"spa\"]\n").find(
            "kiosk.languages[1]: \"spa\" is not a 2-letter lowercase language code") != std::string::npos);
  CHECK(error_of("[kiosk]\nlanguages = [\"EN\"]\n").find("kiosk.languages[0]") != std::string::npos);
  CHECK(error_of("[kiosk]\nlanguages = [\"en\", \"en\"]\n").find("kiosk.languages[1]: \"en\" is listed twice") !=
        std::string::npos);
}

TEST_CASE("idle times are positive and the warning is shorter than the timeout") {
  CHECK(error_of("[kiosk]\nidle_timeout_s = 0\n").find("kiosk.idle_timeout_s: must be between 1 and 86400 seconds, got 0") !=
        std::string::npos);
  CHECK(error_of("[kiosk]\nidle_timeout_s = 30\nidle_warning_s = 30\n") ==
        "site.toml:3: kiosk.idle_warning_s: must be less than kiosk.idle_timeout_s (30 >= 30)");
  // Only the timeout set, below the default warning of 20 s: points at the timeout.
  CHECK(error_of("[kiosk]\nidle_timeout_s = 15\n") ==
        "site.toml:2: kiosk.idle_warning_s: must be less than kiosk.idle_timeout_s (20 >= 15)");
  CHECK(parse_site_config("[kiosk]\nidle_timeout_s = 21\n", "site.toml").ok());
}

TEST_CASE("checkin must list questionnaires") {
  CHECK(error_of("[kiosk]\ncheckin = []\n") == "site.toml:2: kiosk.checkin: must list at least one entry");
  CHECK(error_of("[kiosk]\ncheckin = [\"\"]\n").find("kiosk.checkin[0]: must not be empty") != std::string::npos);
}

TEST_CASE("crisis tables are validated") {
  CHECK(error_of("[crisis]\nheading = { es = \"Hola\" }\n") ==
        "site.toml:2: crisis.heading: needs a text for \"en\", the first language in kiosk.languages");
  CHECK(error_of("[crisis]\nheading = { en = \"Hi\", english = \"Hi\" }\n").find(
            "crisis.heading.english: is not a 2-letter lowercase language code") != std::string::npos);
  CHECK(error_of("[crisis]\nlines = []\n") == "site.toml:2: crisis.lines: must list at least one crisis line");
  CHECK(error_of("[[crisis.lines]]\nlabel = \"Line\"\n").find("crisis.lines[0].number: is missing") !=
        std::string::npos);
  CHECK(error_of("[[crisis.lines]]\nnumber = \"988\"\n").find("crisis.lines[0].label: is missing") !=
        std::string::npos);
  CHECK(error_of("[[crisis.lines]]\nlabel = \"L\"\nnumber = \"1\"\n[[crisis.lines]]\nlabel = \"M\"\nnumber = 2\n")
            .find("crisis.lines[1].number: must be a string, got an integer") != std::string::npos);
  CHECK(error_of("[[crisis.lines]]\nlabel = \"L\"\nnumber = \"1\"\nnote = \"x\"\n") ==
        "site.toml:4: crisis.lines[0].note: unknown key");
}

TEST_CASE("config/outpost.example.toml parses and matches the defaults it documents") {
  const std::filesystem::path file = std::filesystem::path(OUTPOST_SOURCE_DIR) / "config/outpost.example.toml";
  Result<SiteConfig> r = load_site_config(file);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  const SiteConfig d = default_site_config();
  CHECK(r->kiosk_id == "riverside-1");
  CHECK(r->session.languages == d.session.languages);
  CHECK(r->session.allow_anonymous == d.session.allow_anonymous);
  CHECK(r->session.idle_timeout == d.session.idle_timeout);
  CHECK(r->session.idle_warning == d.session.idle_warning);
  CHECK(r->session.submitted_linger == d.session.submitted_linger);
  CHECK(r->checkin == d.checkin);
  CHECK(r->crisis.heading.in("es") == d.crisis.heading.in("es"));
  CHECK(r->crisis.message.in("en") == d.crisis.message.in("en"));
  REQUIRE(r->crisis.lines.size() == d.crisis.lines.size());
  for (std::size_t i = 0; i < d.crisis.lines.size(); ++i) {
    CHECK(r->crisis.lines[i].number == d.crisis.lines[i].number);
    CHECK(r->crisis.lines[i].label.in("es") == d.crisis.lines[i].label.in("es"));
  }
}

TEST_CASE("load_site_config reports a missing file and resolves questionnaire_dir") {
  Result<SiteConfig> missing = load_site_config("/nonexistent/outpost.toml");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Errc::not_found);
  CHECK(missing.status().message() == "/nonexistent/outpost.toml: the config file does not exist");

  const std::filesystem::path dir = std::filesystem::path(OUTPOST_BINARY_DIR) / "site_config_test";
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir / "outpost.toml");
    out << "[kiosk]\nquestionnaire_dir = \"q\"\n";
  }
  Result<SiteConfig> r = load_site_config(dir / "outpost.toml");
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK(r->questionnaire_dir == dir / "q");
}

TEST_CASE("load_site_config: a folder, a FIFO, an empty or a huge file is an error, never the defaults") {
  const std::filesystem::path dir = std::filesystem::path(OUTPOST_BINARY_DIR) / "site_config_test_bad";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "folder.toml");
  REQUIRE(::mkfifo((dir / "fifo.toml").c_str(), 0600) == 0);
  { std::ofstream empty(dir / "empty.toml"); }
  { std::ofstream huge(dir / "huge.toml"); }
  REQUIRE(::truncate((dir / "huge.toml").c_str(), off_t{1} << 40) == 0);  // sparse
  const std::pair<const char*, const char*> cases[] = {
      {"folder.toml", "the config file is a folder, not a file"},
      {"fifo.toml", "the config file is a FIFO (named pipe), not a file"},
      {"empty.toml", "the config file is empty"},
      {"huge.toml", "the config file is too large (1099511627776 bytes; at most 1048576)"},
  };
  for (const auto& [name, what] : cases) {
    CAPTURE(name);
    Result<SiteConfig> r = load_site_config(dir / name);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == (dir / name).string() + ": " + what);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("sync.bulk_windows: parsed at load with the line, an empty list is no restriction") {
  Result<SiteConfig> r = parse_site_config("[sync]\nbulk_windows = [\"22:00-06:00\", \"12:00-13:30\"]\n", "site.toml");
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK(r->sync.bulk_windows == std::vector<TimeWindow>{{22 * 60, 6 * 60}, {12 * 60, 13 * 60 + 30}});

  Result<SiteConfig> empty = parse_site_config("[sync]\nbulk_windows = []\n", "site.toml");
  REQUIRE_MESSAGE(empty.ok(), empty.status().message());
  CHECK(empty->sync.bulk_windows.empty());
  CHECK(in_windows(empty->sync.bulk_windows, 3 * 60));

  CHECK(error_of("[sync]\nbulk_windows = [\n  \"22:00-06:00\",\n  \"25:00-06:00\",\n]\n") ==
        "site.toml:4: sync.bulk_windows[1]: \"25:00-06:00\" is not a window like \"22:00-06:00\"");
  CHECK(error_of("[sync]\nbulk_windows = \"22:00-06:00\"\n") ==
        "site.toml:2: sync.bulk_windows: must be an array of windows like \"22:00-06:00\", got a string");
}

TEST_CASE("load_site_config resolves a pinned public key file against the config's folder, not a sha256// pin") {
  const std::filesystem::path dir = std::filesystem::path(OUTPOST_BINARY_DIR) / "site_config_pin_test";
  std::filesystem::create_directories(dir);
  auto load = [&](std::string_view pin) {
    {
      std::ofstream out(dir / "outpost.toml");
      out << "[clinic]\npinned_public_key = \"" << pin << "\"\n";
    }
    Result<SiteConfig> r = load_site_config(dir / "outpost.toml");
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    return r->clinic.pinned_public_key;
  };
  CHECK(load("certs/server.pub.der") == (dir / "certs/server.pub.der").string());
  CHECK(load("/etc/outpost/server.pub.der") == "/etc/outpost/server.pub.der");
  CHECK(load("sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=") ==
        "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
}

TEST_CASE("the config enroll writes reads back exactly, whatever the strings hold") {
  for (const std::string& server :
       {std::string("https://clinic.example:8443/drop"), std::string("file:///media/usb stick/\"drop\"\\x"),
        std::string("https://c.example/a'''b\"\"\"c#[clinic]\nserver = \"evil\""),
        std::string("https://clínica.example/ünïcode\t")}) {
    SiteConfig c;
    c.kiosk_id = "kiosk-7.b_c";
    c.clinic.server = server;
    c.clinic.sealing_public_key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    c.clinic.signing_public_key = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
    c.clinic.kiosk_key_file = "kiosk.sk";
    c.clinic.kiosk_public_key = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=";
    const std::string text = enrollment_config_toml(c);
    auto back = parse_site_config(text, "enrolled.toml");
    REQUIRE_MESSAGE(back.ok(), back.status().to_string());
    CHECK(back->kiosk_id == c.kiosk_id);
    CHECK(back->clinic.server == server);
    CHECK(back->clinic.sealing_public_key == c.clinic.sealing_public_key);
    CHECK(back->clinic.signing_public_key == c.clinic.signing_public_key);
    CHECK(back->clinic.kiosk_key_file == "kiosk.sk");
    CHECK(back->clinic.kiosk_public_key == c.clinic.kiosk_public_key);
  }
}

TEST_CASE("[content]: the channel, the disk reserve and the chunk size, each checked") {
  Result<SiteConfig> r = parse_site_config("[content]\nchannel = \"skills\"\nreserve_mb = 100\nchunk_kb = 64\n", "site.toml");
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK(r->content.channel == "skills");
  CHECK(r->content.reserve_bytes == 100ull << 20);
  CHECK(r->content.chunk_bytes == 64u << 10);
  CHECK(default_site_config().content.channel.empty());
  CHECK(error_of("[content]\nchannel = \"../x\"\n") == "site.toml:2: content.channel: must be 1-64 of a-z 0-9 -, got '../x'");
  CHECK(error_of("[content]\nreserve_mb = -1\n") == "site.toml:2: content.reserve_mb: must be between 0 and 1048576, got -1");
  CHECK(error_of("[content]\nchunk_kb = 1\n") == "site.toml:2: content.chunk_kb: must be between 16 and 16384, got 1");
  CHECK(error_of("[content]\nchanel = \"x\"\n") == "site.toml:2: content.chanel: unknown key");
}
