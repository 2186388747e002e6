// outpost-clinic keygen / enroll (docs/design.md, "Keys").
#include <sodium.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "config/site_config.h"
#include "kiosk/cmd/outpost_clinic_commands.h"
#include "kiosk/env.h"
#include "kiosk/file_read.h"
#include "kiosk/terminal_text.h"
#include "sync/keys.h"

namespace outpost::clinic {

namespace fs = std::filesystem;

namespace {

int fail(const Status& s) {
  std::cerr << "outpost-clinic: " << terminal_safe(s.message()) << "\n";
  return 1;
}

int run_keygen(const std::string& out) {
  if (auto s = sync::clinic_keygen(out); !s.ok()) return fail(s);
  std::cout << "clinic keys written to " << out << " (keep sealing.sk and signing.sk secret)\n";
  return 0;
}

struct EnrollArgs {
  std::string clinic, kiosk_id, server, out;
};

int run_enroll(const EnrollArgs& a) {
  if (auto s = sync::validate_kiosk_id(a.kiosk_id); !s.ok()) return fail(s);
  if (std::any_of(a.server.begin(), a.server.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    return fail(Status(Errc::invalid_argument, "--server: not a URL (it holds a control character)"));
  sync::ClinicDir clinic{a.clinic};
  auto seal_pk = sync::load_key<sync::SealingPublicKey>(clinic.sealing_pk());
  if (!seal_pk.ok()) return fail(seal_pk.status());
  auto sign_pk = sync::load_key<sync::SigningPublicKey>(clinic.signing_pk());
  if (!sign_pk.ok()) return fail(sign_pk.status());

  fs::path dir = a.out;
  fs::path config = dir / "outpost.toml";
  fs::path key_file = dir / "kiosk.sk";
  for (const auto& f : {config, key_file})
    if (path_may_exist(f))
      return fail(Status(Errc::invalid_argument, f.string() + ": exists; refusing to overwrite"));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(Status(Errc::io_error, dir.string() + ": cannot create: " + ec.message()));

  sync::SigningKeyPair kiosk = sync::generate_signing_keys();
  const sync::SigningPublicKey kiosk_pk = kiosk.pk;
  Status s = sync::register_kiosk(clinic, a.kiosk_id, kiosk.pk);
  if (s.ok()) s = sync::write_key_file(key_file, kiosk.sk.bytes, /*secret=*/true);
  sodium_memzero(kiosk.sk.bytes.data(), kiosk.sk.bytes.size());
  if (!s.ok()) return fail(s);

  SiteConfig site;
  site.kiosk_id = a.kiosk_id;
  site.clinic.server = a.server;
  site.clinic.sealing_public_key = sync::key_to_base64(*seal_pk);
  site.clinic.signing_public_key = sync::key_to_base64(*sign_pk);
  site.clinic.kiosk_key_file = "kiosk.sk";
  site.clinic.kiosk_public_key = sync::key_to_base64(kiosk_pk);
  WriteOptions w;
  w.mode = 0644;
  w.exact_mode = false;  // the umask applies (outpost-clinic sets 077)
  w.replace = false;
  if (Status ws = Env::system().write_atomic(config, enrollment_config_toml(site), w); !ws.ok()) return fail(ws);
  std::cout << "kiosk '" << a.kiosk_id << "' enrolled: " << config.string() << ", " << key_file.string() << "\n";
  return 0;
}

}  // namespace

void register_keys(CLI::App& app, int& exit_code) {
  auto keygen_out = std::make_shared<std::string>();
  auto* keygen = app.add_subcommand("keygen", "make the clinic's sealing and signing key pairs");
  keygen->add_option("--out", *keygen_out, "clinic key directory (CLINIC_DIR)")->required();
  keygen->callback([keygen_out, &exit_code] { exit_code = run_keygen(*keygen_out); });

  auto args = std::make_shared<EnrollArgs>();
  auto* enroll = app.add_subcommand("enroll", "provision a kiosk: its config, its key, and register it");
  enroll->add_option("--clinic", args->clinic, "clinic key directory (from keygen)")->required();
  enroll->add_option("--kiosk-id", args->kiosk_id, "the kiosk's id")->required();
  enroll->add_option("--server", args->server, "the clinic drop box URL")->required();
  enroll->add_option("--out", args->out, "kiosk directory to write (KIOSK_DIR)")->required();
  enroll->callback([args, &exit_code] { exit_code = run_enroll(*args); });
}

}  // namespace outpost::clinic
