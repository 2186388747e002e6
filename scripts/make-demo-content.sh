#!/usr/bin/env bash
# make-demo-content.sh [--720p] OUT_DIR
# Three short skills videos in the publish input layout (docs/design.md, "Media"):
# VP8 + Opus WebM with English narration from espeak-ng over a moving test
# pattern, English and Spanish WebVTT captions timed from each sentence's own
# synthesis, and a PNG thumbnail. (textoverlay is not installed on Debian's
# plugins-base without pango, so the title is not drawn on the picture.)
set -euo pipefail
size="640x360"
if [[ ${1:-} == --720p ]]; then size="1280x720"; shift; fi
out=${1:?usage: make-demo-content.sh [--720p] OUT_DIR}
w=${size%x*}; h=${size#*x}
mkdir -p "$out"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

cat > "$out/channel.toml" <<'TOML'
default_language = "en"

[title]
en = "Skills videos"
es = "Videos de habilidades"
TOML

# item id | topic | order | pattern | en title | es title | en description | es description
# then sentences: en|es, one per line, until a blank line.
items=(
"box-breathing|coping|10|smpte|Box breathing|Respiración cuadrada|A calming breath you can do anywhere.|Una respiración calmante que puede hacer en cualquier lugar.
Welcome. This is box breathing.|Bienvenido. Esta es la respiración cuadrada.
Breathe in slowly for four counts.|Inspire despacio contando hasta cuatro.
Hold your breath for four counts.|Contenga la respiración contando hasta cuatro.
Breathe out gently for four counts.|Exhale suavemente contando hasta cuatro.
Repeat this a few times until you feel calmer.|Repítalo unas veces hasta sentirse más tranquilo."
"sleep-routine|sleep|20|ball|A steady sleep routine|Una rutina de sueño estable|Small habits that help you rest.|Pequeños hábitos que le ayudan a descansar.
Good sleep starts with a routine.|El buen sueño empieza con una rutina.
Try to go to bed at the same time each night.|Intente acostarse a la misma hora cada noche.
Put screens away an hour before sleep.|Deje las pantallas una hora antes de dormir.
Keep your room dark, quiet and cool.|Mantenga su cuarto oscuro, tranquilo y fresco."
"naming-feelings|mood|30|circular|Naming your feelings|Nombrar sus emociones|Putting a name to a feeling makes it smaller.|Ponerle nombre a una emoción la hace más pequeña.
When a feeling is strong, pause for a moment.|Cuando una emoción es fuerte, haga una pausa.
Ask yourself what you are feeling right now.|Pregúntese qué está sintiendo ahora mismo.
Say its name out loud, or write it down.|Diga su nombre en voz alta, o escríbalo.
Naming a feeling helps you choose what to do next.|Nombrar una emoción le ayuda a decidir qué hacer."
)

for entry in "${items[@]}"; do
  header=${entry%%$'\n'*}
  IFS='|' read -r id topic order pattern en_title es_title en_desc es_desc <<<"$header"
  dir="$out/$id"; mkdir -p "$dir"
  work="$tmp/$id"; mkdir -p "$work"
  tail -n +2 <<<"$entry" > "$work/sentences"
  n=0
  while IFS='|' read -r en es; do
    espeak-ng -v en -s 130 -w "$work/s$n.wav" "$en"
    n=$((n + 1))
  done < "$work/sentences"
  # Concatenate with 1.5 s of silence after each sentence and write both
  # caption files from the sentence durations.
  python3 - "$work" "$n" "$dir" <<'PY'
import sys, wave
work, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = [l.rstrip("\n").split("|") for l in open(f"{work}/sentences", encoding="utf-8")]
def ts(ms):
    return "%02d:%02d:%02d.%03d" % (ms // 3600000, ms // 60000 % 60, ms // 1000 % 60, ms % 1000)
def esc(t):
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
cues, t = [], 500
with wave.open(f"{work}/s0.wav") as first:
    params = first.getparams()
rate = params.framerate
with wave.open(f"{work}/narration.wav", "wb") as outw:
    outw.setparams(params)
    outw.writeframes(b"\0" * (params.sampwidth * params.nchannels * rate // 2))
    for i in range(n):
        with wave.open(f"{work}/s{i}.wav") as w:
            frames = w.readframes(w.getnframes())
            ms = w.getnframes() * 1000 // rate
        outw.writeframes(frames)
        outw.writeframes(b"\0" * (params.sampwidth * params.nchannels * (rate * 3 // 2)))
        cues.append((t, t + ms, i))
        t += ms + 1500
for lang, col in (("en", 0), ("es", 1)):
    with open(f"{out}/captions.{lang}.vtt", "w", encoding="utf-8") as f:
        f.write("WEBVTT\n")
        for s, e, i in cues:
            f.write(f"\n{ts(s)} --> {ts(e)}\n{esc(lines[i][col])}\n")
PY
  dur_ms=$(python3 -c "import wave;w=wave.open('$work/narration.wav');print(w.getnframes()*1000//w.getframerate())")
  frames=$(( dur_ms * 30 / 1000 ))
  gst-launch-1.0 -q \
    videotestsrc num-buffers="$frames" pattern="$pattern" ! "video/x-raw,width=$w,height=$h,framerate=30/1" ! \
      vp8enc deadline=1 cpu-used=8 target-bitrate=$(( w * h * 2 )) keyframe-max-dist=60 ! webmmux name=m ! \
      filesink location="$dir/video.webm" \
    filesrc location="$work/narration.wav" ! wavparse ! audioconvert ! audioresample ! opusenc ! m. >/dev/null
  gst-launch-1.0 -q videotestsrc num-buffers=1 pattern="$pattern" ! "video/x-raw,width=320,height=180" ! \
    pngenc ! filesink location="$dir/thumbnail.png" >/dev/null
  cat > "$dir/item.toml" <<TOML
topic = "$topic"
order = $order
video = "video.webm"
thumbnail = "thumbnail.png"

[title]
en = "$en_title"
es = "$es_title"

[description]
en = "$en_desc"
es = "$es_desc"

[captions]
en = "captions.en.vtt"
es = "captions.es.vtt"
TOML
  echo "$id: $((dur_ms / 1000)) s"
done
