// Player on GStreamer playbin: video to an appsink (I420, synced to the
// pipeline clock, newest frame kept), audio to autoaudiosink, or to a synced
// fakesink when the machine has no audio device. Owned by the UI thread.
#pragma once

#include <functional>
#include <memory>

#include "media/player.h"

namespace outpost {

// on_wake is called from GStreamer threads after a new frame or bus message;
// it must only post to the UI thread (RunQueue), never touch the player.
std::unique_ptr<Player> make_gst_player(std::function<void()> on_wake);

}  // namespace outpost
