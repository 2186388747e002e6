// Registration of outpost-clinic's command groups. Each register_* lives in
// its own file (outpost_clinic_<group>.cpp), adds subcommands whose callbacks
// set `exit_code`, and gets one line in outpost_clinic.cpp's main.
#pragma once

#include <string>

// Forward-declared: only the files that register commands include CLI11
// (a heavy header; see issue 10, "Build").
namespace CLI {
class App;
}  // namespace CLI

namespace outpost::clinic {

// keygen, enroll (outpost_clinic_keys.cpp).
void register_keys(CLI::App& app, int& exit_code);
// ingest, quarantine, export, alerts, fleet (outpost_clinic_ingest.cpp).
void register_ingest(CLI::App& app, int& exit_code);
// publish, channel show (outpost_clinic_content.cpp).
void register_content(CLI::App& app, int& exit_code);

}  // namespace outpost::clinic
