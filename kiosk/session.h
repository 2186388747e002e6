// Session: the patient's check-in as a state machine.
//
//   welcome -> language -> patient_code -> question pages -> review
//           -> submitted -> welcome
//                     \-> crisis (critical answer) -> welcome
//
// A critical answer also shows the crisis screen at once, when the patient
// confirms it (SubmitSink::raise_crisis queues the alert); acknowledging it
// returns to the next question. After submit with a critical result the crisis
// screen is shown instead of the plain thank-you.
//
// Idle: with no input for idle_timeout the session shows a warning for
// idle_warning, then wipes the answers (zeroed in memory) and returns to
// welcome. Time comes only from the Clock, so tests drive it with FakeClock.
//
// Owned and called by one thread (the UI thread). The UI reads the view
// accessors and calls the command methods; it never edits state directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kiosk/clock.h"
#include "kiosk/questionnaire.h"
#include "kiosk/result.h"
#include "kiosk/submission.h"

namespace outpost {

enum class Screen { welcome, language, patient_code, question, review, submitted, crisis };
const char* screen_name(Screen s);  // "welcome", "language", ...

struct SessionConfig {
  std::vector<std::string> languages{"en"};  // offered, in order; never empty
  bool allow_anonymous = false;
  std::chrono::milliseconds idle_timeout{90'000};      // no input, then the warning
  std::chrono::milliseconds idle_warning{20'000};      // countdown, then the wipe
  std::chrono::milliseconds submitted_linger{15'000};  // thank-you, then welcome
};

// What the patient is told went wrong; the UI shows it in their language.
enum class PatientError {
  none,
  code_incomplete,     // fewer digits than a code has
  code_mistyped,       // check digit does not match, or too long
  anonymous_not_allowed,
  answer_required,     // Next on a required question with no answer
  answer_invalid,      // value of the wrong kind or not an option
  submit_failed,       // the outbox refused (storage full, ...): tell staff
};

class Session {
 public:
  // `checkin` is the ordered list of questionnaires making up one check-in
  // (site config); they must outlive the Session. `sink` must too.
  Session(const Clock& clock, SessionConfig config, std::vector<const Questionnaire*> checkin,
          SubmitSink& sink);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // ---- commands (each counts as patient input and resets the idle timer) ----
  void start_checkin();                             // welcome -> language
  bool choose_language(std::string_view lang);      // language -> patient_code
  bool enter_patient_code(std::string_view typed);  // patient_code -> first page
  bool continue_anonymous();                        // patient_code -> first page
  bool answer(AnswerValue value);                   // sets the current page's answer
  bool next();                                      // next page, or review after the last
  void back();                                      // one screen back; welcome stays
  void go_to_page(std::size_t index);               // review -> a page, to change it
  bool submit();                                    // review -> submitted or crisis
  void acknowledge_crisis();                        // crisis -> next page, or welcome after submit
  void finish();                                    // submitted -> welcome (wipes)
  void touch();                                     // any other input

  // Runs timers: idle warning, idle wipe, thank-you linger. Call whenever
  // now >= next_deadline(); calling early is harmless.
  void tick();
  // Monotonic time at which tick() next has work; nullopt when nothing is
  // pending (welcome screen, nothing to time out).
  std::optional<Clock::Duration> next_deadline() const;

  // ---- view ----
  Screen screen() const { return screen_; }
  const std::string& language() const { return language_; }
  const SessionConfig& config() const { return config_; }
  PatientError error() const { return error_; }

  struct Page {
    const Questionnaire* questionnaire;
    const Item* item;
    const Item* group;  // the group it sits in, for its heading; may be null
  };
  // Current page on the question screen; nullopt elsewhere.
  std::optional<Page> current_page() const;
  const AnswerValue* current_answer() const;
  // 1-based position among the pages enabled now, and their count.
  struct Progress {
    std::size_t index = 0;
    std::size_t total = 0;
  };
  Progress progress() const;

  struct ReviewLine {
    Page page;
    const AnswerValue* answer;  // null when skipped
  };
  std::vector<ReviewLine> review() const;

  bool idle_warning() const { return idle_warning_; }
  Clock::Duration idle_remaining() const;  // until the wipe, while warning

  // Filled on submit; cleared at the next welcome.
  const std::vector<std::string>& record_ids() const { return record_ids_; }
  bool critical() const { return critical_; }
  // Number of wipes so far (idle or finish); for tests and the audit log.
  std::uint64_t wipe_count() const { return wipes_; }
  // True when no patient data is held (after a wipe, at welcome).
  bool holds_no_patient_data() const;

 private:
  // State lives here; the implementation may add members freely.
  const Clock& clock_;
  SessionConfig config_;
  std::vector<const Questionnaire*> checkin_;
  SubmitSink& sink_;
  Screen screen_ = Screen::welcome;
  std::string language_;
  PatientError error_ = PatientError::none;
  bool idle_warning_ = false;
  bool critical_ = false;
  std::vector<std::string> record_ids_;
  std::uint64_t wipes_ = 0;
};

}  // namespace outpost
