// Registration of outpostctl's command groups. Each register_* adds a
// subcommand whose callback sets `exit_code`; main returns it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/site_config.h"
#include "sync/kiosk_outbox.h"

// Forward-declared: only the files that register commands include CLI11
// (a heavy header; see issue 10, "Build").
namespace CLI {
class App;
}  // namespace CLI

namespace outpost::ctl {

struct CommonOptions {
  std::string config_file;
  std::string data_dir;
};

void register_assess(CLI::App& app, CommonOptions& common, int& exit_code);
void register_status(CLI::App& app, CommonOptions& common, int& exit_code);
void register_export(CLI::App& app, CommonOptions& common, int& exit_code);  // outpostctl_export.cpp
void register_content(CLI::App& app, CommonOptions& common, int& exit_code);  // outpostctl_content.cpp

// Shared by the commands (outpostctl_status.cpp): the site config from
// --config (else /etc/outpost/outpost.toml if present, else the defaults),
// with --data-dir applied; and the kiosk's outbox and Submit path from it.
Result<SiteConfig> load_config(const CommonOptions& common);
Result<std::unique_ptr<sync::KioskOutbox>> open_kiosk_outbox(const CommonOptions& common);

// `assess submit` (outpostctl_submit.cpp): runs the kiosk's Submit path and
// prints the record id. Returns the exit code; kExitStorageFull when the data
// volume is full.
inline constexpr int kExitStorageFull = 3;
struct SubmitOptions {
  std::string lang;     // default: the questionnaire's language
  std::string subject;  // patient code; empty for anonymous
};
int submit_checkin(const CommonOptions& common, const Questionnaire& q, const Answers& answers,
                   const Assessment& assessment, const SubmitOptions& options);
// The patient code for `assess submit`: `subject_file`'s first line when
// given, the first line of standard input when `subject` is "-", else
// `subject` itself (empty: anonymous). The line ending is dropped; an empty
// line from a file or stdin is an error (leave --subject out for anonymous).
Result<std::string> read_subject(const std::string& subject, const std::string& subject_file);

}  // namespace outpost::ctl
