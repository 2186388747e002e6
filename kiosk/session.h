// Session: the patient's check-in as a state machine.
//
//   welcome -> language -> patient_code -> question pages -> review
//           -> submitting -> submitted -> welcome
//                        \-> crisis (critical answer) -> welcome
//   welcome -> language -> library <-> player          (videos)
//
// A critical answer also shows the crisis screen at once, when the patient
// confirms it with next() (SubmitSink::raise_crisis queues the alert, once
// per item and check-in); acknowledging it returns to the next question.
// Writes go through a Submitter (kiosk/submitter.h) and never block: submit()
// shows `submitting` until the sink has answered, then the thank-you (or the
// crisis screen), or back to review with submit_failed.
// After submit with a critical result the crisis screen is shown instead of
// the plain thank-you. The language screen is skipped when only one language
// is configured.
//
// Idle: with no input for idle_timeout the session shows a warning for
// idle_warning, then wipes the answers (zeroed in memory) and returns to
// welcome. On the crisis screen the idle wipe keeps the screen (it holds no
// patient data) so staff see it; acknowledge_crisis() then goes to welcome.
// Every return to welcome is a wipe. A crisis alert the sink could not store
// yet (unsaved_crisis_alerts()) is retried from tick(), 2 s after it was
// raised and then at doubling intervals up to 60 s, on every screen and
// across wipes: it belongs to the kiosk, not to the check-in. Time comes only from the Clock, so tests
// drive it with FakeClock. Details: docs/design.md, "Session".
//
// Videos: open_library() leads through the language screen (when several
// languages are offered) to the library; play() opens the player. While the
// player shows, the UI reports its state each frame (media_progress()): a
// playing video counts as input, so the idle wipe runs only once it is paused
// or has ended. Leaving the player (close_player(), Back, a wipe) records a
// watched MediaEvent through the Submitter when anything was watched, and
// remembers the position until the next wipe.
//
// Owned and called by one thread (the UI thread), which also runs the
// Submitter's results. The UI reads the view accessors and calls the command
// methods; it never edits state directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kiosk/clock.h"
#include "kiosk/questionnaire.h"
#include "kiosk/result.h"
#include "kiosk/session_config.h"
#include "kiosk/submission.h"
#include "kiosk/submitter.h"

namespace outpost {

enum class Screen { welcome, language, patient_code, question, review, submitting, submitted, crisis, library, player };
const char* screen_name(Screen s);  // "welcome", "language", ...

// What the patient is told went wrong; the UI shows it in their language.
enum class PatientError {
  none,
  code_incomplete,     // fewer digits than a code has
  code_mistyped,       // check digit does not match, or too long
  anonymous_not_allowed,
  answer_required,     // Next on a required question with no answer
  answer_invalid,      // value the engine refuses (value_fits): wrong kind, not an option, NaN, no such date
  submit_failed,       // the outbox refused (storage full, ...): tell staff
};

// A video the patient opened from the library.
struct MediaItemRef {
  std::string channel;
  std::uint64_t channel_version = 0;
  std::string item_id;
  double duration_s = 0;
  std::vector<std::string> caption_languages;  // those the item has
};

class Session {
 public:
  // `checkin` is the ordered list of questionnaires making up one check-in
  // (site config); they must outlive the Session. `submitter` must too.
  Session(const Clock& clock, SessionConfig config, std::vector<const Questionnaire*> checkin,
          Submitter& submitter);
  // Writes to `sink` in the calling thread (an InlineSubmitter): every
  // command has its result when it returns. Tests and outpostctl.
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
  bool answer(AnswerValue value);                   // sets the current page's answer;
                                                    // an empty string clears it
  bool next();                                      // next page, or review after the last
  void back();                                      // one screen back; welcome stays
  void go_to_page(std::size_t index);               // review -> review()[index]'s page
  bool submit();                                    // review -> submitting -> submitted or
                                                    // crisis; a retry submits only what
                                                    // failed or was changed since. False
                                                    // when refused, or already failed
  void acknowledge_crisis();                        // crisis -> next page, or welcome after submit
  void finish();                                    // submitted -> welcome (wipes)
  void touch();                                     // any other input

  // ---- videos ----
  void open_library();               // welcome -> language (several) -> library
  bool play(MediaItemRef item);      // library -> player
  // The player's position and state, each frame while the player shows.
  void media_progress(double position_s, bool playing, bool ended);
  void close_player();               // player -> library
  // Caption language: "" turns captions off; a language the item has picks it.
  void set_captions(std::string lang);
  // The video on the player screen; nullopt elsewhere.
  const std::optional<MediaItemRef>& watching() const { return watching_; }
  // Captions to show for it: the patient's choice, else their language when
  // the item has it, else the item's first; "" for none.
  std::string captions() const;
  // Where the patient left `item_id` this session (0: from the start).
  double resume_position(std::string_view item_id) const;

  // Runs timers: idle warning, idle wipe, thank-you linger. Call whenever
  // now >= next_deadline(); calling early is harmless.
  void tick();
  // Monotonic time at which tick() next has work; nullopt when nothing is
  // pending (welcome screen, nothing to time out).
  std::optional<Clock::Duration> next_deadline() const;

  // ---- view ----
  Screen screen() const { return screen_; }
  // The chosen language; the first configured one before a choice.
  const std::string& language() const { return language_; }
  // The normalized 9-digit patient code; empty before entry or when anonymous.
  const std::string& patient_code() const { return patient_code_; }
  const SessionConfig& config() const { return config_; }
  PatientError error() const { return error_; }
  // The linkId of the item an answer_required or answer_invalid error is
  // about; empty for the other errors.
  const std::string& error_link_id() const { return error_link_id_; }

  struct Page {
    const Questionnaire* questionnaire;
    const Item* item;
    const Item* group;  // the group it sits in, for its heading; may be null
  };
  // Current page on the question screen; nullopt elsewhere. Pages run
  // across the whole check-in (all questionnaires, in order).
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
  // One line per answerable page of the check-in (display pages left out).
  std::vector<ReviewLine> review() const;

  bool idle_warning() const { return idle_warning_; }
  Clock::Duration idle_remaining() const;  // until the idle wipe; zero when none is pending

  // Filled on submit: [i] is the record of the check-in's questionnaire i,
  // for those stored so far; cleared at the next welcome.
  const std::vector<std::string>& record_ids() const { return record_ids_; }
  bool critical() const { return critical_; }
  // Number of wipes so far (idle, finish, back to welcome); for tests and
  // the audit log.
  std::uint64_t wipe_count() const { return wipes_; }
  // True when no patient data is held (after a wipe, at welcome).
  bool holds_no_patient_data() const;
  // Crisis alerts not yet durable in the outbox: staff must be told.
  std::size_t unsaved_crisis_alerts() const { return submitter_->unsaved_crisis_alerts(); }

  static constexpr Clock::Duration kCrisisRetryFirst = std::chrono::seconds(2);
  static constexpr Clock::Duration kCrisisRetryMax = std::chrono::seconds(60);

 private:
  // State lives here; the implementation may add members freely.
  const Clock& clock_;
  SessionConfig config_;
  std::vector<const Questionnaire*> checkin_;
  Session(const Clock& clock, SessionConfig config, std::vector<const Questionnaire*> checkin,
          std::unique_ptr<Submitter> owned);

  std::unique_ptr<Submitter> own_submitter_;  // with the SubmitSink constructor
  Submitter* submitter_;
  // Results of the Submitter run only while this lives, and only for the
  // check-in they belong to (checkin_gen_ grows at every wipe).
  std::shared_ptr<char> alive_ = std::make_shared<char>(0);
  std::uint64_t checkin_gen_ = 0;
  Screen screen_ = Screen::welcome;
  std::string language_;
  PatientError error_ = PatientError::none;
  std::string error_link_id_;
  bool idle_warning_ = false;
  bool critical_ = false;
  std::vector<std::string> record_ids_;  // [i] is checkin_[i]'s record
  std::vector<Answers> stored_answers_;  // [i]: the answers record_ids_[i] holds
  std::uint64_t wipes_ = 0;

  // One entry per questionnaire of the check-in.
  std::vector<Answers> answers_;
  std::string patient_code_;
  // The current page: questionnaire index and linkId (stable while answers
  // enable or disable other pages).
  std::size_t page_questionnaire_ = 0;
  std::string page_link_id_;
  // Crisis screen: where acknowledge_crisis() returns to.
  Screen crisis_return_ = Screen::question;
  bool crisis_after_submit_ = false;
  bool crisis_wiped_ = false;  // idle wipe happened on the crisis screen
  // Items raise_crisis was called for (and did not fail).
  struct RaisedCrisis {
    std::size_t questionnaire;
    std::string link_id;
    bool operator==(const RaisedCrisis&) const = default;
  };
  std::vector<RaisedCrisis> crises_raised_;
  // Videos.
  bool videos_flow_ = false;  // the language screen leads to the library
  std::optional<MediaItemRef> watching_;
  double watched_s_ = 0, last_position_s_ = 0;
  bool was_playing_ = false, finished_ = false;
  std::optional<std::string> captions_choice_;
  std::vector<std::pair<std::string, double>> positions_;  // item id -> seconds
  Clock::Duration last_input_{0};
  Clock::Duration submitted_at_{0};
  // Retry of unsaved crisis alerts; delay 0: none scheduled.
  Clock::Duration crisis_retry_at_{0};
  Clock::Duration crisis_retry_delay_{0};
  bool crisis_retry_running_ = false;

  std::vector<Page> all_pages() const;
  std::optional<std::size_t> current_index(const std::vector<Page>& pages) const;
  void show_page(const Page& page);
  void show_first_page();
  void input();
  bool idle_timer_running() const;
  Clock::Duration wipe_deadline() const;
  void clear_patient_data();
  void wipe_to_welcome();
  void end_watching();
  ResponseMeta response_meta() const;
  void set_answer_error(PatientError e, const std::string& link_id);
  void report_unfit_answers(std::size_t qi);
  bool raise_crisis_once(std::size_t qi, const std::vector<std::string>& link_ids);
  void schedule_crisis_retry();
  void retry_crisis_alerts(Clock::Duration now);
  void submitted(std::vector<std::size_t> questionnaires, std::vector<Result<std::string>> results);
  // `f` wrapped to run only while this Session lives and holds the same
  // check-in as now.
  template <typename F>
  auto for_this_checkin(F f);
};

}  // namespace outpost
