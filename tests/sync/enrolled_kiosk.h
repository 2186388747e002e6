// A clinic and one enrolled kiosk made by the real outpost-clinic, for the
// integration tests that run outpostctl. Needs OUTPOST_CLINIC and OUTPOSTCTL.
#pragma once

#include "tests/sync/run_program.h"
#include "tests/sync/sync_test_util.h"

namespace outpost::testing {

struct EnrolledKiosk {
  TempDir dir;
  std::filesystem::path kiosk_config, data_dir;

  explicit EnrolledKiosk(const std::string& kiosk_id, std::filesystem::path data = {}) {
    auto clinic = dir.path() / "clinic";
    auto kiosk = dir.path() / "kiosk";
    data_dir = data.empty() ? dir.path() / "data" : data;
    kiosk_config = kiosk / "outpost.toml";
    REQUIRE(run_program({OUTPOST_CLINIC, "keygen", "--out", clinic.string()}).exit_code == 0);
    Ran e = run_program({OUTPOST_CLINIC, "enroll", "--clinic", clinic.string(), "--kiosk-id", kiosk_id, "--server",
                         "https://127.0.0.1:1/drop", "--out", kiosk.string()});
    REQUIRE_MESSAGE(e.exit_code == 0, e.err);
  }

  // outpostctl with this kiosk's config and data dir, then `args`.
  std::vector<std::string> ctl(std::initializer_list<std::string> args) const {
    std::vector<std::string> argv{OUTPOSTCTL, "--config", kiosk_config.string(), "--data-dir", data_dir.string()};
    argv.insert(argv.end(), args);
    return argv;
  }
  // `assess submit` of the shipped PHQ-9 example response.
  std::vector<std::string> submit_argv() const {
    return ctl({"assess", "submit", "--questionnaire", (source_dir() / "config/questionnaires/phq-9.json").string(),
                "--answers", (source_dir() / "tests/data/responses/phq9-en-moderate.json").string()});
  }
};

}  // namespace outpost::testing
