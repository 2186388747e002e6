#include "kiosk/session.h"

#include <algorithm>

#include "kiosk/patient_code.h"
#include "kiosk/utc_time.h"

namespace outpost {

const char* screen_name(Screen s) {
  switch (s) {
    case Screen::welcome: return "welcome";
    case Screen::language: return "language";
    case Screen::patient_code: return "patient_code";
    case Screen::question: return "question";
    case Screen::review: return "review";
    case Screen::submitting: return "submitting";
    case Screen::submitted: return "submitted";
    case Screen::crisis: return "crisis";
    case Screen::library: return "library";
    case Screen::player: return "player";
  }
  return "unknown";
}

namespace {

// The engine's own check: the right kind of value, a finite decimal, a real
// date, one of the options for a choice.
bool answer_fits(const Item& item, const AnswerValue& value) { return item.answerable() && value_fits(item, value); }

void zero_string(std::string& s) {
  std::fill(s.begin(), s.end(), '\0');
  s.clear();
}

}  // namespace

Session::Session(const Clock& clock, SessionConfig config, std::vector<const Questionnaire*> checkin,
                 SubmitSink& sink)
    : Session(clock, std::move(config), std::move(checkin), std::make_unique<InlineSubmitter>(sink)) {}

// `owned` keeps the submitter if the delegated constructor throws.
Session::Session(const Clock& clock, SessionConfig config, std::vector<const Questionnaire*> checkin,
                 std::unique_ptr<Submitter> owned)
    : Session(clock, std::move(config), std::move(checkin), *owned) {
  own_submitter_ = std::move(owned);
}

Session::Session(const Clock& clock, SessionConfig config, std::vector<const Questionnaire*> checkin,
                 Submitter& submitter)
    : clock_(clock), config_(std::move(config)), submitter_(&submitter) {
  if (config_.languages.empty()) config_.languages.push_back("en");
  for (const Questionnaire* q : checkin) {
    if (q != nullptr) checkin_.push_back(q);
  }
  answers_.resize(checkin_.size());
  language_ = config_.languages.front();
  schedule_crisis_retry();  // alerts an earlier run could not store
}

Session::~Session() { clear_patient_data(); }

// Results reach the Session on its own thread, possibly after it is gone or
// after the check-in they belong to was wiped; then they are dropped (the
// records are durable either way, and a crisis alert's retry belongs to the
// kiosk, not to the check-in).
template <typename F>
auto Session::for_this_checkin(F f) {
  return [alive = std::weak_ptr<char>(alive_), gen = checkin_gen_, this, f = std::move(f)](auto&&... args) mutable {
    if (alive.expired() || gen != checkin_gen_) return;
    f(std::forward<decltype(args)>(args)...);
  };
}

// ---- pages ----

std::vector<Session::Page> Session::all_pages() const {
  std::vector<Page> out;
  for (std::size_t qi = 0; qi < checkin_.size(); ++qi) {
    const Questionnaire& q = *checkin_[qi];
    for (const Item* item : pages(q, answers_[qi])) out.push_back({&q, item, q.parent_of(item->link_id)});
  }
  return out;
}

std::optional<std::size_t> Session::current_index(const std::vector<Page>& pages) const {
  if (page_questionnaire_ >= checkin_.size()) return std::nullopt;
  const Questionnaire* q = checkin_[page_questionnaire_];
  for (std::size_t i = 0; i < pages.size(); ++i) {
    if (pages[i].questionnaire == q && pages[i].item->link_id == page_link_id_) return i;
  }
  return std::nullopt;
}

void Session::show_page(const Page& page) {
  for (std::size_t qi = 0; qi < checkin_.size(); ++qi) {
    if (checkin_[qi] == page.questionnaire) page_questionnaire_ = qi;
  }
  page_link_id_ = page.item->link_id;
  screen_ = Screen::question;
}

void Session::show_first_page() {
  const std::vector<Page> pages = all_pages();
  if (pages.empty()) {
    screen_ = Screen::review;
  } else {
    show_page(pages.front());
  }
}

std::optional<Session::Page> Session::current_page() const {
  if (screen_ != Screen::question) return std::nullopt;
  const std::vector<Page> pages = all_pages();
  const auto i = current_index(pages);
  if (!i) return std::nullopt;
  return pages[*i];
}

const AnswerValue* Session::current_answer() const {
  if (screen_ != Screen::question || page_questionnaire_ >= answers_.size()) return nullptr;
  return answers_[page_questionnaire_].get(page_link_id_);
}

Session::Progress Session::progress() const {
  const std::vector<Page> pages = all_pages();
  Progress p;
  p.total = pages.size();
  if (screen_ == Screen::question) {
    if (auto i = current_index(pages)) p.index = *i + 1;
  } else if (screen_ == Screen::review) {
    p.index = p.total;
  }
  return p;
}

std::vector<Session::ReviewLine> Session::review() const {
  std::vector<ReviewLine> out;
  for (std::size_t qi = 0; qi < checkin_.size(); ++qi) {
    const Questionnaire& q = *checkin_[qi];
    for (const Item* item : pages(q, answers_[qi])) {
      if (item->type == ItemType::display) continue;
      out.push_back({{&q, item, q.parent_of(item->link_id)}, answers_[qi].get(item->link_id)});
    }
  }
  return out;
}

// ---- idle ----

void Session::input() {
  last_input_ = clock_.monotonic();
  idle_warning_ = false;
  error_ = PatientError::none;
  error_link_id_.clear();
}

// The idle warning and wipe run on every screen that may hold patient data
// and has no timer of its own.
bool Session::idle_timer_running() const {
  if (screen_ == Screen::welcome || screen_ == Screen::submitted) return false;
  return !(screen_ == Screen::crisis && crisis_wiped_);
}

Clock::Duration Session::wipe_deadline() const {
  return last_input_ + config_.idle_timeout + config_.idle_warning;
}

std::optional<Clock::Duration> Session::next_deadline() const {
  std::optional<Clock::Duration> due;
  if (screen_ == Screen::submitted) {
    due = submitted_at_ + config_.submitted_linger;
  } else if (idle_timer_running()) {
    due = idle_warning_ ? wipe_deadline() : last_input_ + config_.idle_timeout;
  }
  if (crisis_retry_delay_.count() > 0 && !crisis_retry_running_)
    due = due ? std::min(*due, crisis_retry_at_) : crisis_retry_at_;
  return due;
}

// ---- unsaved crisis alerts ----

void Session::schedule_crisis_retry() {
  if (crisis_retry_delay_.count() > 0 || submitter_->unsaved_crisis_alerts() == 0) return;
  crisis_retry_delay_ = kCrisisRetryFirst;
  crisis_retry_at_ = clock_.monotonic() + crisis_retry_delay_;
}

void Session::retry_crisis_alerts(Clock::Duration now) {
  if (crisis_retry_delay_.count() == 0 || crisis_retry_running_ || now < crisis_retry_at_) return;
  crisis_retry_running_ = true;
  submitter_->retry_crisis_alerts([alive = std::weak_ptr<char>(alive_), this](std::size_t left) {
    if (alive.expired()) return;
    crisis_retry_running_ = false;
    if (left == 0) {
      crisis_retry_delay_ = Clock::Duration(0);
      return;
    }
    crisis_retry_delay_ = std::min(crisis_retry_delay_ * 2, kCrisisRetryMax);
    crisis_retry_at_ = clock_.monotonic() + crisis_retry_delay_;
  });
}

Clock::Duration Session::idle_remaining() const {
  if (!idle_timer_running()) return Clock::Duration(0);
  return std::max(Clock::Duration(0), wipe_deadline() - clock_.monotonic());
}

void Session::tick() {
  const Clock::Duration now = clock_.monotonic();
  retry_crisis_alerts(now);
  if (screen_ == Screen::submitted) {
    if (now >= submitted_at_ + config_.submitted_linger) wipe_to_welcome();
    return;
  }
  if (!idle_timer_running()) return;
  if (now >= wipe_deadline()) {
    if (screen_ == Screen::crisis) {
      // The crisis screen stays for staff; only the patient's data goes.
      const std::string language = language_;
      clear_patient_data();
      language_ = language;
      crisis_wiped_ = true;
      ++wipes_;
    } else {
      wipe_to_welcome();
    }
  } else if (now >= last_input_ + config_.idle_timeout) {
    idle_warning_ = true;
  }
}

// ---- wipe ----

void Session::clear_patient_data() {
  for (Answers& a : answers_) a.wipe();
  zero_string(patient_code_);
  for (std::string& id : record_ids_) zero_string(id);
  record_ids_.clear();
  for (Answers& a : stored_answers_) a.wipe();
  stored_answers_.clear();
  crises_raised_.clear();
  ++checkin_gen_;
  critical_ = false;
  crisis_after_submit_ = false;
  page_questionnaire_ = 0;
  page_link_id_.clear();
  idle_warning_ = false;
  language_ = config_.languages.front();
  videos_flow_ = false;
  watching_.reset();
  captions_choice_.reset();
  for (auto& [id, pos] : positions_) zero_string(id);
  positions_.clear();
}

void Session::wipe_to_welcome() {
  end_watching();
  clear_patient_data();
  crisis_wiped_ = false;
  screen_ = Screen::welcome;
  ++wipes_;
}

bool Session::holds_no_patient_data() const {
  for (const Answers& a : answers_) {
    if (!a.empty()) return false;
  }
  return patient_code_.empty() && record_ids_.empty() && crises_raised_.empty() && !critical_ &&
         !watching_ && positions_.empty();
}

// ---- commands ----

void Session::touch() { input(); }

void Session::start_checkin() {
  input();
  if (screen_ != Screen::welcome) return;
  videos_flow_ = false;
  if (config_.languages.size() == 1) {
    language_ = config_.languages.front();
    screen_ = Screen::patient_code;
  } else {
    screen_ = Screen::language;
  }
}

bool Session::choose_language(std::string_view lang) {
  input();
  if (screen_ != Screen::language) return false;
  if (std::find(config_.languages.begin(), config_.languages.end(), lang) == config_.languages.end()) return false;
  language_ = std::string(lang);
  screen_ = videos_flow_ ? Screen::library : Screen::patient_code;
  return true;
}

bool Session::enter_patient_code(std::string_view typed) {
  input();
  if (screen_ != Screen::patient_code) return false;
  PatientCodeCheck check = check_patient_code(typed);
  switch (check.error) {
    case PatientCodeError::ok: break;
    case PatientCodeError::empty:
    case PatientCodeError::too_short: error_ = PatientError::code_incomplete; return false;
    case PatientCodeError::too_long:
    case PatientCodeError::not_a_digit:
    case PatientCodeError::check_failed: error_ = PatientError::code_mistyped; return false;
  }
  zero_string(patient_code_);
  patient_code_ = std::move(check.normalized);
  show_first_page();
  return true;
}

bool Session::continue_anonymous() {
  input();
  if (screen_ != Screen::patient_code) return false;
  if (!config_.allow_anonymous) {
    error_ = PatientError::anonymous_not_allowed;
    return false;
  }
  zero_string(patient_code_);
  show_first_page();
  return true;
}

bool Session::answer(AnswerValue value) {
  input();
  const auto page = current_page();
  if (!page) return false;
  Answers& answers = answers_[page_questionnaire_];
  const auto* text = std::get_if<std::string>(&value);
  if (text != nullptr && text->empty() &&
      (page->item->type == ItemType::string || page->item->type == ItemType::text)) {
    answers.erase(page->item->link_id);
  } else if (answer_fits(*page->item, value)) {
    answers.set(page->item->link_id, std::move(value));
  } else {
    set_answer_error(PatientError::answer_invalid, page->item->link_id);
    return false;
  }
  // A changed answer may disable later items; their answers must go.
  drop_disabled_answers(*page->questionnaire, answers);
  return true;
}

bool Session::raise_crisis_once(std::size_t qi, const std::vector<std::string>& link_ids) {
  std::vector<std::string> fresh;
  for (const std::string& id : link_ids) {
    const RaisedCrisis key{qi, id};
    if (std::find(crises_raised_.begin(), crises_raised_.end(), key) == crises_raised_.end()) {
      fresh.push_back(id);
      crises_raised_.push_back(key);  // taken back if the sink refuses
    }
  }
  if (fresh.empty()) return false;
  std::vector<RaisedCrisis> keys;
  for (const std::string& id : fresh) keys.push_back({qi, id});
  auto refused = for_this_checkin([this, keys](Result<std::string> raised) {
    if (raised.ok()) return;
    // Still show the resources; staff are told, and the next confirmation
    // or the submit retries the alert.
    for (const RaisedCrisis& k : keys) std::erase(crises_raised_, k);
    error_ = PatientError::submit_failed;
  });
  submitter_->raise_crisis({checkin_[qi], std::move(fresh), response_meta()},
                           [alive = std::weak_ptr<char>(alive_), this, refused](Result<std::string> raised) mutable {
                             if (alive.expired()) return;
                             schedule_crisis_retry();
                             refused(std::move(raised));
                           });
  return true;
}

bool Session::next() {
  input();
  if (screen_ != Screen::question) return false;
  const std::vector<Page> pages = all_pages();
  const auto i = current_index(pages);
  if (!i) {
    screen_ = Screen::review;
    return true;
  }
  const Item& item = *pages[*i].item;
  const AnswerValue* value = answers_[page_questionnaire_].get(item.link_id);
  if (item.required && value == nullptr) {
    set_answer_error(PatientError::answer_required, item.link_id);
    return false;
  }
  const bool crisis = value != nullptr && is_critical_answer(item, *value) &&
                      raise_crisis_once(page_questionnaire_, {item.link_id});
  if (*i + 1 < pages.size()) {
    show_page(pages[*i + 1]);
  } else {
    screen_ = Screen::review;
  }
  if (crisis) {
    crisis_return_ = screen_;
    crisis_after_submit_ = false;
    screen_ = Screen::crisis;
  }
  return true;
}

void Session::back() {
  input();
  switch (screen_) {
    case Screen::welcome:
    case Screen::submitting:
    case Screen::submitted:
    case Screen::crisis: return;  // crisis needs acknowledge_crisis(); submitted is final
    case Screen::language: wipe_to_welcome(); return;
    case Screen::library: wipe_to_welcome(); return;
    case Screen::player: close_player(); return;
    case Screen::patient_code:
      if (config_.languages.size() > 1) {
        screen_ = Screen::language;
      } else {
        wipe_to_welcome();
      }
      return;
    case Screen::question: {
      const std::vector<Page> pages = all_pages();
      const auto i = current_index(pages);
      if (i && *i > 0) {
        show_page(pages[*i - 1]);
      } else {
        screen_ = Screen::patient_code;
      }
      return;
    }
    case Screen::review: {
      const std::vector<Page> pages = all_pages();
      if (pages.empty()) {
        screen_ = Screen::patient_code;
      } else {
        show_page(pages.back());
      }
      return;
    }
  }
}

void Session::go_to_page(std::size_t index) {
  input();
  if (screen_ != Screen::review) return;
  const std::vector<ReviewLine> lines = review();
  if (index < lines.size()) show_page(lines[index].page);
}

ResponseMeta Session::response_meta() const {
  return {language_, patient_code_, format_utc(clock_.wall_ms())};
}

void Session::set_answer_error(PatientError e, const std::string& link_id) {
  error_ = e;
  error_link_id_ = link_id;
}

// Which item stops the submit of questionnaire `qi`, as the engine sees it
// (first_answer_problem). A required group left empty is named by its first
// question, the page the patient can answer.
void Session::report_unfit_answers(std::size_t qi) {
  const Questionnaire& q = *checkin_[qi];
  const std::optional<AnswerProblem> p = first_answer_problem(q, answers_[qi]);
  if (!p) {  // assess() fails only where validate_answers does
    error_ = PatientError::submit_failed;
    error_link_id_.clear();
    return;
  }
  if (!p->unanswered) {
    set_answer_error(PatientError::answer_invalid, p->link_id);
    return;
  }
  for (const Page& page : all_pages()) {
    if (page.questionnaire != &q || page.item->type == ItemType::display) continue;
    for (const Item* up = page.item; up != nullptr; up = q.parent_of(up->link_id)) {
      if (up->link_id == p->link_id) {
        set_answer_error(PatientError::answer_required, page.item->link_id);
        return;
      }
    }
  }
  set_answer_error(PatientError::answer_required, p->link_id);
}

bool Session::submit() {
  input();
  if (screen_ != Screen::review) return false;
  std::vector<Assessment> assessments;
  for (std::size_t qi = 0; qi < checkin_.size(); ++qi) {
    drop_disabled_answers(*checkin_[qi], answers_[qi]);
    Result<Assessment> a = assess(*checkin_[qi], answers_[qi]);
    if (!a.ok()) {
      report_unfit_answers(qi);
      return false;
    }
    assessments.push_back(std::move(*a));
  }
  // Alerts first: they are normally raised on next() already, and go out
  // ahead of the responses.
  critical_ = false;
  for (std::size_t qi = 0; qi < checkin_.size(); ++qi) {
    if (!is_critical(assessments[qi])) continue;
    critical_ = true;
    (void)raise_crisis_once(qi, assessments[qi].critical_items);
  }
  // record_ids_ holds the questionnaires already durable from an earlier
  // attempt; a retry never submits one twice, unless the patient changed its
  // answers since (then the new record supersedes it: docs/design.md,
  // "Session").
  const ResponseMeta meta = response_meta();
  std::vector<SubmitJob> jobs;
  std::vector<std::size_t> which;
  for (std::size_t qi = 0; qi < checkin_.size(); ++qi) {
    if (qi < record_ids_.size() && stored_answers_[qi].all() == answers_[qi].all()) continue;
    jobs.push_back({checkin_[qi], answers_[qi], std::move(assessments[qi]), meta});
    which.push_back(qi);
  }
  screen_ = Screen::submitting;
  submitter_->submit(std::move(jobs),
                     for_this_checkin([this, which](std::vector<Result<std::string>> results) {
                       submitted(which, std::move(results));
                     }));
  return screen_ != Screen::review;  // false when the sink already refused (inline)
}

void Session::submitted(std::vector<std::size_t> questionnaires, std::vector<Result<std::string>> results) {
  if (screen_ != Screen::submitting) return;
  for (std::size_t j = 0; j < results.size() && j < questionnaires.size(); ++j) {
    if (!results[j].ok()) break;
    const std::size_t qi = questionnaires[j];
    if (qi < record_ids_.size()) {
      zero_string(record_ids_[qi]);
      record_ids_[qi] = std::move(*results[j]);
      stored_answers_[qi] = answers_[qi];
    } else {
      record_ids_.push_back(std::move(*results[j]));
      stored_answers_.push_back(answers_[qi]);
    }
  }
  const bool all = results.size() == questionnaires.size() &&
                   std::all_of(results.begin(), results.end(), [](const auto& r) { return r.ok(); });
  if (!all) {
    error_ = PatientError::submit_failed;
    screen_ = Screen::review;
  } else if (critical_) {
    crisis_after_submit_ = true;
    screen_ = Screen::crisis;
  } else {
    submitted_at_ = clock_.monotonic();
    screen_ = Screen::submitted;
  }
}

void Session::acknowledge_crisis() {
  input();
  if (screen_ != Screen::crisis) return;
  if (crisis_after_submit_ || crisis_wiped_) {
    wipe_to_welcome();
  } else {
    screen_ = crisis_return_;
  }
}

void Session::finish() {
  input();
  if (screen_ == Screen::submitted) wipe_to_welcome();
}

}  // namespace outpost
