// outpostctl content import|status|list|verify: the kiosk's video library
// (docs/design.md, "Content channels"). import installs a channel copied to
// a stick with the checks syncd applies to a download; status and list read
// what is installed; verify re-hashes every file (and with --decode has
// GStreamer decode every video).
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include <CLI/CLI.hpp>

#include "kiosk/app/content_wiring.h"
#include "kiosk/app/syncd_lock.h"
#include "kiosk/cmd/outpostctl_commands.h"
#include "kiosk/terminal_text.h"
#include "kiosk/utc_time.h"
#include "media/media_gst.h"

namespace outpost::ctl {

namespace {

// GStreamer's full decode of a file (media/).
app::DecodeCheck media_decode_check() {
  return [](const std::filesystem::path& file) {
    if (Status s = media_init(); !s.ok()) return s;
    return decode_all(file, nullptr);
  };
}

int fail(std::string_view cmd, const Status& s) {
  std::cerr << "outpostctl content " << cmd << ": " << terminal_safe(s.message()) << "\n";
  return 1;
}

// A progress bar on stderr when it is a terminal, redrawn in place.
struct Progress {
  bool tty = ::isatty(STDERR_FILENO) == 1;
  void operator()(std::uint64_t done, std::uint64_t total) const {
    if (tty) std::cerr << "\r" << progress_bar(done, total) << std::flush;
  }
  void end() const {
    if (tty) std::cerr << "\n";
  }
};

std::string minutes(std::int64_t ms) {
  const std::int64_t s = (ms + 500) / 1000;
  return std::to_string(s / 60) + ":" + (s % 60 < 10 ? "0" : "") + std::to_string(s % 60);
}

int run_import(const CommonOptions& common, const std::string& from) {
  auto config = load_config(common);
  if (!config.ok()) return fail("import", config.status());
  auto store = app::open_content_store(*config);
  if (!store.ok()) return fail("import", store.status());
  // syncd installs into the same library: one of us at a time.
  app::SyncdLock lock;
  if (Status s = lock.acquire(config->data_dir,
                              "outpost-syncd is running for this data dir; stop it (systemctl stop outpost-syncd) "
                              "and run the import again");
      !s.ok())
    return fail("import", s);
  Progress progress;
  auto r = sync::import_channel(**store, from, std::ref(progress));
  progress.end();
  Status recorded = app::record_content_status(**store, r.ok() ? Status::Ok() : r.status());
  if (!r.ok()) return fail("import", r.status());
  if (!recorded.ok()) std::cerr << "outpostctl content import: warning: " << terminal_safe(recorded.message()) << "\n";
  if (r->offer == sync::OfferResult::installed_already) {
    std::cout << "version " << r->version << " is already installed; nothing to do\n";
  } else {
    std::cout << "installed version " << r->version << " from " << terminal_safe(from) << ": " << r->files_copied
              << " files copied (" << r->bytes_copied << " bytes), every hash checked\n";
  }
  return 0;
}

nlohmann::json status_json(const app::ContentSummary& c) {
  nlohmann::json j{{"channel", c.channel},
                   {"installed_version", c.installed ? nlohmann::json(c.installed->version) : nlohmann::json()},
                   {"published", c.installed ? nlohmann::json(c.installed->published) : nlohmann::json()},
                   {"items", c.installed ? c.installed->items.size() : 0},
                   {"bytes", c.installed ? c.installed->total_bytes() : 0},
                   {"state", c.status.state},
                   {"pending_version", c.status.pending_version ? nlohmann::json(c.status.pending_version)
                                                                : nlohmann::json()},
                   {"bytes_done", c.status.bytes_done},
                   {"bytes_total", c.status.bytes_total},
                   {"reason", c.status.reason},
                   {"updated", c.status.updated_ms ? nlohmann::json(format_utc(c.status.updated_ms)) : nlohmann::json()}};
  if (!c.library_error.empty()) j["library_error"] = c.library_error;
  return j;
}

void print_status(const app::ContentSummary& c) {
  std::cout << "channel: " << (c.channel.empty() ? "(none configured)" : terminal_safe(c.channel)) << "\n";
  if (!c.library_error.empty()) std::cout << "installed: unreadable: " << terminal_safe(c.library_error) << "\n";
  else if (!c.installed) std::cout << "installed: nothing\n";
  else
    std::cout << "installed: version " << c.installed->version << " published " << c.installed->published << ", "
              << c.installed->items.size() << " videos, " << c.installed->total_bytes() << " bytes\n";
  std::cout << "state: " << c.status.state;
  if (c.status.updated_ms) std::cout << " (" << format_utc(c.status.updated_ms) << ")";
  std::cout << "\n";
  if (c.status.pending_version)
    std::cout << "downloading version " << c.status.pending_version << ": "
              << progress_bar(c.status.bytes_done, c.status.bytes_total) << "\n";
  if (!c.status.reason.empty()) std::cout << "reason: " << terminal_safe(c.status.reason) << "\n";
}

int run_status(const CommonOptions& common, bool as_json, bool watch) {
  auto config = load_config(common);
  if (!config.ok()) return fail("status", config.status());
  for (;;) {
    auto c = app::content_summary(*config);
    if (!c.ok()) return fail("status", c.status());
    const bool busy = c->status.state == "downloading" || c->status.state == "paused";
    if (!watch || !busy || !::isatty(STDOUT_FILENO)) {
      if (as_json) std::cout << status_json(*c).dump(2) << "\n";
      else print_status(*c);
      if (!watch || !busy) return c->library_error.empty() ? 0 : 1;
    } else {
      std::cout << "\r" << c->status.state << " version " << c->status.pending_version << " "
                << progress_bar(c->status.bytes_done, c->status.bytes_total) << std::flush;
    }
    // --watch: syncd rewrites status.json after every chunk.
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

int run_list(const CommonOptions& common, bool as_json) {
  auto config = load_config(common);
  if (!config.ok()) return fail("list", config.status());
  auto c = app::content_summary(*config);
  if (!c.ok()) return fail("list", c.status());
  if (!c->library_error.empty()) return fail("list", Status(Errc::corrupt, c->library_error));
  nlohmann::json items = nlohmann::json::array();
  if (!c->installed) {
    if (as_json) std::cout << "[]\n";
    else std::cout << "no channel installed\n";
    return 0;
  }
  const sync::ChannelManifest& m = *c->installed;
  for (const sync::ChannelItem& it : m.items) {
    nlohmann::json langs = nlohmann::json::array();
    for (const auto& [lang, f] : it.captions) langs.push_back(lang);
    if (as_json) {
      items.push_back({{"id", it.id}, {"topic", it.topic}, {"title", it.title}, {"duration_ms", it.duration_ms},
                       {"video_bytes", it.video.size}, {"captions", langs}});
    } else {
      std::cout << terminal_safe(it.id) << "  " << it.topic << "  " << minutes(it.duration_ms) << "  "
                << terminal_safe(sync::text_in(it.title, m.default_language, m.default_language)) << "  captions "
                << terminal_safe(langs.dump()) << "\n";
    }
  }
  if (as_json) std::cout << items.dump(2) << "\n";
  return 0;
}

int run_verify(const CommonOptions& common, bool decode) {
  auto config = load_config(common);
  if (!config.ok()) return fail("verify", config.status());
  auto store = app::open_content_store(*config);
  if (!store.ok()) return fail("verify", store.status());
  Progress progress;
  auto problems = (*store)->verify(std::ref(progress));
  progress.end();
  if (!problems.ok()) return fail("verify", problems.status());
  if (decode && problems->empty()) {
    auto decoded = app::decode_library(**store, media_decode_check(),
                                       [&](std::uint64_t done, std::uint64_t total) { progress(done, total); });
    progress.end();
    if (!decoded.ok()) return fail("verify", decoded.status());
    problems->insert(problems->end(), decoded->begin(), decoded->end());
  }
  for (const std::string& p : *problems) std::cout << "problem: " << terminal_safe(p) << "\n";
  auto inst = (*store)->installed();
  const std::size_t n = inst.ok() && inst->has_value() ? (*inst)->files().size() : 0;
  if (problems->empty())
    std::cout << "all " << n << " files match their sha256" << (decode ? " and every video decodes" : "") << "\n";
  return problems->empty() ? 0 : 1;
}

}  // namespace

void register_content(CLI::App& app, CommonOptions& common, int& exit_code) {
  auto* content = app.add_subcommand("content", "the video library: import from a stick, status, list, verify");
  content->require_subcommand(1);
  auto from = std::make_shared<std::string>();
  auto* imp = content->add_subcommand("import", "install a channel folder copied to a USB stick");
  imp->add_option("--from", *from, "the channel folder (manifest.json and blobs/)")->required();
  imp->callback([&common, &exit_code, from] { exit_code = run_import(common, *from); });

  auto flags = std::make_shared<std::array<bool, 3>>();  // json, watch, decode
  auto* status = content->add_subcommand("status", "installed version, download progress, last problem");
  status->add_flag("--json", (*flags)[0], "print JSON (docs/design.md, \"Content channels\")");
  status->add_flag("--watch", (*flags)[1], "redraw while a download runs");
  status->callback([&common, &exit_code, flags] { exit_code = run_status(common, (*flags)[0], (*flags)[1]); });
  auto* list = content->add_subcommand("list", "the installed videos");
  list->add_flag("--json", (*flags)[0], "print JSON");
  list->callback([&common, &exit_code, flags] { exit_code = run_list(common, (*flags)[0]); });
  auto* verify = content->add_subcommand("verify", "re-hash every installed file");
  verify->add_flag("--decode", (*flags)[2], "also decode every video with GStreamer");
  verify->callback([&common, &exit_code, flags] { exit_code = run_verify(common, (*flags)[2]); });
}

}  // namespace outpost::ctl
