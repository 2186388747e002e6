// outpost-clinic publish and channel show (docs/design.md, "Content
// channels", Publishing).
#include <iostream>

#include <CLI/CLI.hpp>

#include "kiosk/app/clinic_publish.h"
#include "kiosk/cmd/outpost_clinic_commands.h"
#include "kiosk/terminal_text.h"

namespace outpost::clinic {

namespace {

int run_publish(const app::PublishArgs& args) {
  auto r = app::publish_content(args);
  if (!r.ok()) {
    std::cerr << "outpost-clinic publish: " << terminal_safe(r.status().message()) << "\n";
    return 1;
  }
  const sync::ChannelManifest& m = r->manifest;
  std::cout << "published channel '" << m.channel << "' version " << m.version << ": " << m.items.size()
            << " items, " << m.total_bytes() << " bytes; " << r->blobs_written << " new files, " << r->blobs_removed
            << " removed\n";
  return 0;
}

std::string minutes(std::int64_t ms) {
  const std::int64_t s = (ms + 500) / 1000;
  return std::to_string(s / 60) + ":" + (s % 60 < 10 ? "0" : "") + std::to_string(s % 60);
}

int run_show(const std::string& dir, const std::string& clinic) {
  auto shown = app::show_channel(dir, clinic);
  if (!shown.ok()) {
    std::cerr << "outpost-clinic channel show: " << terminal_safe(shown.status().message()) << "\n";
    return 1;
  }
  const sync::ChannelManifest& m = shown->manifest;
  std::cout << "channel " << m.channel << " version " << m.version << ", published " << m.published
            << (shown->verified ? ", signature verified" : ", signature NOT checked (no --clinic)") << "\n";
  std::cout << m.items.size() << " items, " << m.files().size() << " files, " << m.total_bytes() << " bytes\n";
  for (const sync::ChannelItem& it : m.items) {
    std::cout << "  " << terminal_safe(it.id) << "  [" << it.topic << "]  " << minutes(it.duration_ms) << "  "
              << terminal_safe(sync::text_in(it.title, m.default_language, m.default_language)) << "\n";
    std::cout << "      video " << terminal_safe(it.video.name) << " " << it.video.size << " bytes "
              << it.video.sha256.substr(0, 12) << "; captions";
    for (const auto& [lang, c] : it.captions) std::cout << " " << terminal_safe(lang);
    std::cout << "; languages";
    for (const auto& [lang, t] : it.title) std::cout << " " << terminal_safe(lang);
    std::cout << "\n";
  }
  std::cout << m.schedule.sessions.size() << " video sessions\n";
  for (const sync::GroupSession& g : m.schedule.sessions) {
    std::cout << "  " << terminal_safe(g.id) << "  [" << g.kind << "]  " << g.start << " - " << g.end << "  "
              << terminal_safe(sync::text_in(g.title, m.default_language, m.default_language)) << "\n";
    std::cout << "      " << terminal_safe(g.server) << " room " << g.room << (g.pin.empty() ? ", no PIN" : ", PIN set");
    if (!g.patients.empty()) std::cout << ", limited to " << g.patients.size() << " patients";
    std::cout << "\n";
  }
  return 0;
}

}  // namespace

void register_content(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<app::PublishArgs>();
  auto* publish = app.add_subcommand("publish", "build a signed content channel from a folder of items");
  publish->add_option("--clinic", args->clinic, "clinic key directory (from keygen)")->required();
  publish->add_option("--from", args->from, "content folder: one sub-folder with an item.toml per item")->required();
  publish->add_option("--channel", args->channel, "channel name")->required();
  publish->add_option("--out", args->out, "channel folder to write (the drop box's channels/<name>)")->required();
  publish->callback([args, &exit_code] { exit_code = run_publish(*args); });

  auto* channel = app.add_subcommand("channel", "look at a published channel");
  channel->require_subcommand(1);
  auto dir = std::make_shared<std::string>();
  auto clinic = std::make_shared<std::string>();
  auto* show = channel->add_subcommand("show", "what a channel folder holds");
  show->add_option("dir", *dir, "the channel folder")->required();
  show->add_option("--clinic", *clinic, "clinic key directory: verify the signature");
  show->callback([dir, clinic, &exit_code] { exit_code = run_show(*dir, *clinic); });
}

}  // namespace outpost::clinic
