#include "kiosk/app/clinic_app.h"

#include "config/crisis_rules_toml.h"
#include "kiosk/terminal_text.h"

namespace outpost::app {

Result<std::unique_ptr<ClinicApp>> ClinicApp::open_store(const std::filesystem::path& db) {
  if (db.empty()) return Status(Errc::invalid_argument, "--db: not given");
  auto store = sync::SqliteClinicStore::open(db);
  if (!store.ok()) return store.status();
  std::unique_ptr<ClinicApp> a(new ClinicApp());
  a->store_ = std::move(store).value();
  return a;
}

Result<std::unique_ptr<ClinicApp>> ClinicApp::open(const ClinicPaths& p, std::ostream& warn) {
  std::unique_ptr<ClinicApp> a(new ClinicApp());
  a->clinic_ = sync::ClinicDir{p.clinic_dir};
  auto pk = sync::load_key<sync::SealingPublicKey>(a->clinic_.sealing_pk());
  if (!pk.ok()) return pk.status();
  auto sk = sync::load_key<sync::SealingSecretKey>(a->clinic_.sealing_sk());
  if (!sk.ok()) return sk.status();
  a->sealing_ = sync::SealingKeyPair{*pk, *sk};
  auto dicts = sync::Dictionaries::load(p.dictionaries);
  if (!dicts.ok()) return dicts.status();
  a->dicts_ = std::move(dicts).value();
  auto rules = load_crisis_rules(p.crisis_rules);
  if (!rules.ok()) return rules.status();
  auto lib = sync::QuestionnaireLibrary::load(p.questionnaires, *rules);
  if (!lib.ok()) return lib.status();
  for (const auto& w : lib->warnings()) warn << "outpost-clinic: warning: " << terminal_safe(w) << "\n";
  a->library_ = std::move(lib).value();
  auto store = open_store(p.db);
  if (!store.ok()) return store.status();
  a->store_ = std::move((*store)->store_);
  a->ingester_ = std::make_unique<sync::Ingester>(a->clinic_, a->sealing_, a->dicts_, *a->library_, *a->store_,
                                                  a->clock_);
  return a;
}

Result<sync::SigningSecretKey> ClinicApp::signing_key() const {
  return sync::load_key<sync::SigningSecretKey>(clinic_.signing_sk());
}

}  // namespace outpost::app
