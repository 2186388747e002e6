// SubmitSink: where a finished check-in goes. The kiosk's Submit button and
// `outpostctl assess submit` call the same implementation
// (sync/submit_outbox.*: seal, append to the outbox, fsync). Tests use
// MemorySubmitSink.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kiosk/questionnaire.h"
#include "kiosk/result.h"

namespace outpost {

// A patient watched (some of) a video from the content library. Stored as a
// `media-event` record (docs/design.md, "Media events").
struct MediaEvent {
  std::string channel;
  std::uint64_t channel_version = 0;
  std::string item_id;
  double seconds_watched = 0;  // seconds of the video played (seeks do not count)
  double duration_s = 0;       // the video's length
  bool finished = false;       // it played to the end
  std::string captions;        // caption language shown at the end; empty when off
  ResponseMeta meta;           // language; subject only if the patient entered a code;
                               // authored: when watching ended
};

class SubmitSink {
 public:
  virtual ~SubmitSink() = default;

  // Makes one questionnaire's response durable and returns its record id.
  // When this returns ok the record is on disk; only then may the patient see
  // "thank you". Called on the UI thread.
  virtual Result<std::string> submit(const Questionnaire& q, const Answers& answers,
                                     const Assessment& assessment, const ResponseMeta& meta) = 0;

  // A critical answer was just confirmed (before submit): queue a top-priority
  // crisis alert and alert staff locally. Carries no answers, only the
  // questionnaire, the critical linkIds and the patient code.
  // Ok means the alert is held: in the outbox, or (storage full, ...) kept
  // by the sink and retried until it is (unsaved_crisis_alerts()).
  virtual Result<std::string> raise_crisis(const Questionnaire& q,
                                           const std::vector<std::string>& critical_items,
                                           const ResponseMeta& meta) = 0;

  // Crisis alerts raised (here or by an earlier run) that are not yet in the
  // outbox. Staff must be told while this is not 0.
  virtual std::size_t unsaved_crisis_alerts() const { return 0; }
  // Tries again to put them in the outbox; returns how many are left.
  virtual std::size_t retry_crisis_alerts() { return 0; }

  // Makes a watched-video record durable; returns its record id.
  virtual Result<std::string> record_media_event(const MediaEvent&) {
    return Status(Errc::invalid_argument, "this sink does not keep media events");
  }
};

// Keeps everything in memory; for tests and the demo without an outbox.
class MemorySubmitSink final : public SubmitSink {
 public:
  struct Submitted {
    std::string questionnaire_url;
    Assessment assessment;
    ResponseMeta meta;
  };
  struct Crisis {
    std::string questionnaire_url;
    std::vector<std::string> critical_items;
    ResponseMeta meta;
  };

  Result<std::string> submit(const Questionnaire& q, const Answers&, const Assessment& a,
                             const ResponseMeta& meta) override {
    if (fail_next) {
      fail_next = false;
      return Status(Errc::storage_full, "storage full (test)");
    }
    submitted.push_back({q.url(), a, meta});
    return "mem-" + std::to_string(submitted.size());
  }
  Result<std::string> raise_crisis(const Questionnaire& q, const std::vector<std::string>& items,
                                   const ResponseMeta& meta) override {
    if (crisis_storage_full) {
      unsaved.push_back({q.url(), items, meta});
      return "crisis-unsaved-" + std::to_string(unsaved.size());
    }
    crises.push_back({q.url(), items, meta});
    return "crisis-" + std::to_string(crises.size());
  }
  std::size_t unsaved_crisis_alerts() const override { return unsaved.size(); }
  std::size_t retry_crisis_alerts() override {
    ++retries;
    if (crisis_storage_full) return unsaved.size();
    for (auto& c : unsaved) crises.push_back(std::move(c));
    unsaved.clear();
    return 0;
  }

  Result<std::string> record_media_event(const MediaEvent& e) override {
    media_events.push_back(e);
    return "media-" + std::to_string(media_events.size());
  }

  std::vector<Submitted> submitted;
  std::vector<Crisis> crises;
  std::vector<MediaEvent> media_events;
  std::vector<Crisis> unsaved;     // held while crisis_storage_full
  std::size_t retries = 0;
  bool fail_next = false;
  bool crisis_storage_full = false;  // raise_crisis holds alerts instead of storing them
};

}  // namespace outpost
