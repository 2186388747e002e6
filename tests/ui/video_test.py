#!/usr/bin/env python3
"""The kiosk's videos under Xvfb, driven with xdotool keys.

  video_test.py --outpost BIN --outpostctl BIN --outpost-clinic BIN --source DIR --artifacts DIR

Makes the demo content (scripts/make-demo-content.sh), publishes it with a
fresh clinic key, installs it with `outpostctl content import`, then plays:
a video to the end with its frames counted, captions in English then
Spanish (checked against the published WebVTT files), pause (the frame
counter stops), seek, a corrupt file (the calm error screen, and the kiosk
goes on), and the watched records: in the outbox, shipped, ingested by the
clinic and exported as FHIR Observations (schema-checked with the npm
validator when npm can install it). Screenshots are artifacts.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk_driver import Kiosk, KioskError, expect, labels  # noqa: E402


def cue_texts(vtt_file):
    """Cue texts of a WebVTT file, read here independently of the kiosk's parser."""
    with open(vtt_file, encoding="utf-8") as f:
        blocks = f.read().replace("\r\n", "\n").split("\n\n")
    out = []
    for b in blocks:
        lines = b.strip().split("\n")
        for i, line in enumerate(lines):
            if "-->" in line:
                out.append("\n".join(lines[i + 1:]))
                break
    return out


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    if r.returncode != 0:
        raise KioskError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr[-2000:]}")
    return r.stdout


def setup(args, tmp):
    src = os.path.join(tmp, "src")
    run(["bash", os.path.join(args.source, "scripts", "make-demo-content.sh"), src])
    run([args.outpost_clinic, "keygen", "--out", os.path.join(tmp, "clinic")])
    run([args.outpost_clinic, "enroll", "--clinic", os.path.join(tmp, "clinic"), "--kiosk-id", "video-kiosk",
         "--server", "file://" + os.path.join(tmp, "dropbox"), "--out", os.path.join(tmp, "kiosk")])
    run([args.outpost_clinic, "publish", "--clinic", os.path.join(tmp, "clinic"), "--from", src,
         "--channel", "demo", "--out", os.path.join(tmp, "channel")])
    os.makedirs(os.path.join(tmp, "dropbox"))
    conf = os.path.join(tmp, "kiosk", "outpost.toml")
    data = os.path.join(tmp, "kiosk", "data")
    os.makedirs(data, exist_ok=True)
    run([args.outpostctl, "--config", conf, "--data-dir", data, "content", "import", "--from",
         os.path.join(tmp, "channel")])
    items = {}
    for name in sorted(os.listdir(src)):
        meta = os.path.join(src, name, "item.toml")
        if not os.path.isfile(meta):
            continue
        with open(meta, "rb") as f:
            t = tomllib.load(f)
        caps = {lang: cue_texts(os.path.join(src, name, file)) for lang, file in t.get("captions", {}).items()}
        with open(os.path.join(src, name, t["video"]), "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        items[t["title"]["en"]] = {"id": name, "captions": caps, "blob": os.path.join(data, "content", "blobs", sha)}
    return conf, data, items


def media(f):
    return f.get("media") or {}


def focus_on(k, label):
    for _ in range(12):
        if k.frame["focus"] == label:
            return
        k.key_then_frame("Tab")
    expect(k.frame["focus"] == label, f"could not focus {label!r}: {k.frame['focus']}")


def test_videos(args):
    tmp = tempfile.mkdtemp(prefix="outpost-video-")
    try:
        conf, data, items = setup(args, tmp)
        with Kiosk(args.outpost, args.artifacts, config_file=conf, data_dir=data) as k:
            f = k.wait_screen("welcome")
            expect("Videos" in labels(f, "choice"), f"a library is installed: Videos on welcome: {labels(f)}")
            k.key("2")
            k.wait_screen("language")
            k.key("1")  # English
            f = k.wait_screen("library")
            tiles = labels(f, "tile")
            expect(sorted(tiles) == sorted(items), f"one tile per published item: {tiles} vs {sorted(items)}")
            expect(all(c.get("image") for c in f["controls"] if c["role"] == "tile"), "every tile has a thumbnail")

            # 1. The second tile plays to the end; frames are drawn all along.
            k.key("2")
            item = items[tiles[1]]
            f = k.wait_for(lambda f: media(f).get("state") == "playing", "the video to play", timeout=20)
            started = time.monotonic()
            f = k.wait_for(lambda f: media(f).get("state") == "ended", "the end of the video", timeout=60)
            played_s = time.monotonic() - started
            dur_s = media(f)["duration_ms"] / 1000
            expect(abs(played_s - dur_s) < 3, f"played in real time: {played_s:.1f} s for {dur_s:.1f} s")
            expect(media(f)["frames"] >= 0.9 * 30 * dur_s,
                   f"frames drawn: {media(f)['frames']} for {dur_s:.1f} s at 30 fps")
            shown = {media(x).get("caption") for x in k.frames if media(x).get("caption")}
            expect(shown and shown <= set(item["captions"]["en"]),
                   f"English captions from the file: {shown - set(item['captions']['en'])}")
            k.key("Escape")
            k.wait_screen("library")

            # 2. The first tile: captions switch language, pause stops the frames, seek moves.
            k.key("1")
            item = items[tiles[0]]
            k.wait_for(lambda f: media(f).get("caption") in item["captions"]["en"], "an English caption", timeout=20)
            focus_on(k, "Captions: English")
            k.key("Return")
            f = k.wait_for(lambda f: media(f).get("captions") == "es" and media(f).get("caption"),
                           "a Spanish caption", timeout=20)
            expect(media(f)["caption"] in item["captions"]["es"], f"Spanish caption from the file: {media(f)}")
            k.key("shift+Tab", "shift+Tab")
            k.wait_for(lambda f: f["focus"] == "Pause", "focus on Pause")
            k.key("Return")
            f = k.wait_for(lambda f: media(f).get("state") == "paused", "paused")
            frames, pos, lines = media(f)["frames"], media(f)["position_ms"], len(k.frames)
            time.sleep(1.5)  # an observation window: nothing may be drawn while paused
            f = k.frame
            expect(media(f)["frames"] == frames and media(f)["position_ms"] == pos,
                   f"paused: frames {frames} -> {media(f)['frames']}, position {pos} -> {media(f)['position_ms']}")
            expect(len(k.frames) - lines <= 2, f"paused: {len(k.frames) - lines} frames drawn in 1.5 s")
            k.key("Return")  # Play
            f = k.wait_for(lambda f: media(f).get("state") == "playing", "playing again")
            before = media(f)["position_ms"]
            k.key("Right")
            f = k.wait_for(lambda f: media(f)["position_ms"] >= before + 9000, "the seek 10 s ahead", timeout=10)
            k.key("Escape")
            k.wait_screen("library")

            # 3. A corrupt file: the calm error screen, and the kiosk goes on.
            bad = items[tiles[2]]
            with open(bad["blob"], "r+b") as fh:
                fh.write(b"\0" * 4096)
            k.key("3")
            f = k.wait_for(lambda f: media(f).get("state") == "error", "the error screen", timeout=20)
            expect("This video cannot play right now" in f["texts"], f"calm error heading: {f['texts']}")
            expect(f["focus"] == "All videos", f"the way back is focused: {f['focus']}")
            k.key("Return")
            k.wait_screen("library")
            k.key("1")
            k.wait_for(lambda f: media(f).get("state") == "playing" and media(f)["position_ms"] > 1000,
                       "another video plays after the error", timeout=20)
            k.key("Escape")
            k.wait_screen("library")
            k.key("Escape")
            f = k.wait_screen("welcome")

            # Watched records: one per video watched (the corrupt one played nothing).
            status = k.outbox_status(args.outpostctl)
            expect(status["queued"] == 3, f"3 watched records queued: {status}")
        check_clinic(args, tmp, conf, data, [
            {"item": items[tiles[1]]["id"], "finished": True, "captions": "en", "about": dur_s},
            {"item": items[tiles[0]]["id"], "finished": False, "captions": "es"},
            {"item": items[tiles[0]]["id"], "finished": False, "captions": "es"},
        ])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


VALIDATE_JS = r"""
const path = require('path');
const Validator = require(path.join(process.argv[1], 'node_modules', '@asymmetrik', 'fhir-json-schema-validator'));
const v = new Validator();
let bad = 0;
for (const line of require('fs').readFileSync(0, 'utf8').split('\n').filter((l) => l)) {
  const errors = v.validate(JSON.parse(line));
  if (errors.length) { bad++; console.log(JSON.stringify(errors.slice(0, 3))); }
}
process.exit(bad ? 1 : 0);
"""


def check_clinic(args, tmp, conf, data, want):
    """The watched records reach the clinic and export as FHIR Observations."""
    run([args.outpost_syncd, "--once", "--config", conf, "--data-dir", data])
    db = os.path.join(tmp, "clinic.db")
    out = run([args.outpost_clinic, "ingest", "--clinic", os.path.join(tmp, "clinic"), "--from",
               os.path.join(tmp, "dropbox"), "--db", db])
    expect("new 3, duplicate 0, rejected 0" in out, f"the clinic took the 3 records: {out}")
    ndjson = run([args.outpost_clinic, "export", "--db", db, "--format", "fhir-ndjson"])
    obs = sorted((json.loads(line) for line in ndjson.splitlines() if line), key=lambda r: r["id"])
    expect(len(obs) == 3 and all(o["resourceType"] == "Observation" for o in obs),
           f"3 Observations exported: {[o['resourceType'] for o in obs]}")
    for o, w in zip(obs, want):
        comp = {c["code"]["coding"][0]["code"]: c for c in o["component"]}
        expect(o["code"]["coding"][0]["code"] == "psychoeducation-video-watched", f"code: {o['code']}")
        expect(o["status"] == "final" and "subject" not in o, f"final, and no patient on the video path: {o}")
        expect(comp["media-item"]["valueString"] == w["item"], f"item {w['item']}: {comp['media-item']}")
        expect(comp["media-channel"]["valueString"] == "demo", f"channel: {comp['media-channel']}")
        expect(comp["media-finished"]["valueBoolean"] == w["finished"], f"finished: {comp['media-finished']}")
        expect(comp["media-captions"]["valueCodeableConcept"]["coding"][0]["code"] == w["captions"],
               f"captions {w['captions']}: {comp['media-captions']}")
        watched = o["valueQuantity"]["value"]
        duration = comp["media-duration"]["valueQuantity"]["value"]
        if "about" in w:
            expect(abs(watched - w["about"]) < 1.5, f"watched {watched} s of a {w['about']:.1f} s video played through")
        else:
            expect(0 < watched < duration, f"watched {watched} s, part of {duration} s")
    if subprocess.run(["bash", os.path.join(args.source, "scripts", "install-fhir-validator.sh"), args.validator],
                      capture_output=True).returncode != 0:
        print("note: the FHIR validator could not be installed from npm; schema check skipped")
        return
    r = subprocess.run(["node", "-e", VALIDATE_JS, args.validator], input=ndjson, capture_output=True, text=True)
    expect(r.returncode == 0, f"the Observations are valid FHIR R4 (JSON schema): {r.stdout[-2000:]}{r.stderr[-500:]}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--outpost", required=True)
    p.add_argument("--outpostctl", required=True)
    p.add_argument("--outpost-clinic", required=True)
    p.add_argument("--outpost-syncd", required=True)
    p.add_argument("--validator", required=True, help="npm install directory of the FHIR validator")
    p.add_argument("--source", required=True)
    p.add_argument("--artifacts", required=True)
    args = p.parse_args()
    args.artifacts = os.path.join(args.artifacts, "videos")
    try:
        test_videos(args)
    except KioskError as e:
        print(f"FAIL videos: {e}", file=sys.stderr)
        return 1
    print("PASS videos")
    return 0


if __name__ == "__main__":
    sys.exit(main())
