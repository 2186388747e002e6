#!/usr/bin/env python3
"""720p30 VP8 playback through the kiosk's player and window, next to GStreamer's own floor.

  playback_bench.py --outpost BIN --outpostctl BIN --outpost-clinic BIN --floor BIN --source DIR
                    [--runs 3] [--json FILE]

Makes the 720p demo channel (scripts/make-demo-content.sh --720p: VP8 about
2 Mbit/s + Opus), publishes it with a fresh clinic key and installs it with
`outpostctl content import`, as tests/ui/video_test.py does. Then, per run:

  floor  `playback_floor BLOB --json` on the first tile's installed video
         blob: playbin into an I420 appsink, sync on, audio into a fakesink.
  kiosk  `outpost --windowed 1280x720` under Xvfb (SDL software renderer, no
         screenshots); keys 2 (Videos), 1 (English), 1 (first tile). CPU is
         /proc/PID/stat utime+stime between the hook's first "playing" frame
         and its "ended" frame, over the seconds of video played in between;
         frames and dropped from the hook's `media` object; VmHWM before exit.

CPU figures are a share of one core. Prints a row per run and the median,
then PASS/MISS against issue 11's targets (kiosk CPU <= 1.5x the floor,
0 dropped frames, peak RSS <= 150 MB). A benchmark: exit 0 whatever the
figures, nonzero only when something could not be measured.
"""

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ui"))
from kiosk_driver import Kiosk, KioskError, labels  # noqa: E402
from ui_bench import status_kb  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
TARGET_RATIO = 1.5
TARGET_RSS_MB = 150


def run(cmd, timeout=600):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise KioskError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr[-2000:]}")
    return r.stdout


def cpu_seconds(stat_file):
    with open(stat_file) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def threads_cpu(pid):
    """CPU seconds per thread name (GStreamer names its threads after pads)."""
    out = {}
    task = f"/proc/{pid}/task"
    for tid in os.listdir(task):
        try:
            with open(f"{task}/{tid}/comm") as f:
                name = f.read().strip()
            out[name] = out.get(name, 0) + cpu_seconds(f"{task}/{tid}/stat")
        except (FileNotFoundError, ProcessLookupError):
            pass  # the thread ended meanwhile
    return out


def setup(args, tmp):
    """The 720p channel published and installed; returns (config, data dir, {title: blob})."""
    src = os.path.join(tmp, "src")
    run(["bash", os.path.join(args.source, "scripts", "make-demo-content.sh"), "--720p", src])
    run([args.outpost_clinic, "keygen", "--out", os.path.join(tmp, "clinic")])
    run([args.outpost_clinic, "enroll", "--clinic", os.path.join(tmp, "clinic"), "--kiosk-id", "bench-kiosk",
         "--server", "file://" + os.path.join(tmp, "dropbox"), "--out", os.path.join(tmp, "kiosk")])
    run([args.outpost_clinic, "publish", "--clinic", os.path.join(tmp, "clinic"), "--from", src,
         "--channel", "demo", "--out", os.path.join(tmp, "channel")])
    conf = os.path.join(tmp, "kiosk", "outpost.toml")
    data = os.path.join(tmp, "kiosk", "data")
    os.makedirs(data, exist_ok=True)
    run([args.outpostctl, "--config", conf, "--data-dir", data, "content", "import", "--from",
         os.path.join(tmp, "channel")])
    blobs = {}
    for name in sorted(os.listdir(src)):
        meta = os.path.join(src, name, "item.toml")
        if not os.path.isfile(meta):
            continue
        with open(meta, "rb") as f:
            t = tomllib.load(f)
        with open(os.path.join(src, name, t["video"]), "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        # Installed blobs are named by their sha256 (docs/design.md, "Content channels").
        blob = os.path.join(data, "content", "blobs", sha)
        if not os.path.isfile(blob):
            raise KioskError(f"{name}: installed video blob not found at {blob}")
        blobs[t["title"]["en"]] = blob
    return conf, data, blobs


def first_tile(args, conf, data):
    """The first tile's English title, as the library screen draws it."""
    with Kiosk(args.outpost, None, size="1280x720", screenshots=False, config_file=conf, data_dir=data) as k:
        k.wait_screen("welcome")
        k.key("2")
        k.wait_screen("language")
        k.key("1")
        return labels(k.wait_screen("library"), "tile")[0]


def media(f):
    return f.get("media") or {}


def run_floor(args, blob):
    out = run([args.floor, blob, "--json"], timeout=300)
    return json.loads(out)


def run_kiosk(args, conf, data):
    with Kiosk(args.outpost, None, size="1280x720", screenshots=False, config_file=conf, data_dir=data) as k:
        pid, xpid = k.proc.pid, k.xvfb.pid
        k.wait_screen("welcome")
        k.key("2")  # Videos
        k.wait_screen("language")
        k.key("1")  # English
        k.wait_screen("library")
        k.key("1")  # the first tile
        f0 = k.wait_for(lambda f: media(f).get("state") == "playing", "the video to play", timeout=30)
        c0, x0, t0, th0 = cpu_seconds(f"/proc/{pid}/stat"), cpu_seconds(f"/proc/{xpid}/stat"), time.monotonic(), \
            threads_cpu(pid)
        mark = len(k.frames) - 1
        dur_s = media(f0)["duration_ms"] / 1000
        f1 = k.wait_for(lambda f: media(f).get("state") == "ended", "the end of the video", timeout=dur_s + 60)
        c1, x1, t1, th1 = cpu_seconds(f"/proc/{pid}/stat"), cpu_seconds(f"/proc/{xpid}/stat"), time.monotonic(), \
            threads_cpu(pid)
        hwm_kb = status_kb(pid, "VmHWM")
        window = k.frames[mark:]
        ui_cpu_ms = sum(f.get("frame_cpu_ms", 0) for f in window[1:])
        frame_ms = sorted(f["frame_ms"] for f in window[1:])
    played_s = (media(f1)["duration_ms"] - media(f0)["position_ms"]) / 1000
    threads = {n: round(th1.get(n, 0) - th0.get(n, 0), 2) for n in th1}
    return {
        "cpu_s": c1 - c0,
        "cpu_share": (c1 - c0) / played_s,
        "ui_thread_share": ui_cpu_ms / 1000 / played_s,  # the hook's frame_cpu_ms, new frame to present
        "xvfb_share": (x1 - x0) / played_s,
        "played_s": played_s,
        "wall_s": t1 - t0,
        "frames": media(f1)["frames"],
        "windows_presented": len(window) - 1,  # hook lines: every presented frame, video or not
        "dropped": media(f1)["dropped"],
        "audio": media(f1).get("audio"),
        "frame_ms_p50": frame_ms[len(frame_ms) // 2] if frame_ms else None,
        "frame_ms_p95": frame_ms[int(0.95 * (len(frame_ms) - 1))] if frame_ms else None,
        "vmhwm_kb": hwm_kb,
        "threads_cpu_s": dict(sorted(threads.items(), key=lambda kv: -kv[1])[:6]),
    }


def row(label, floor_pct, kiosk_pct, ratio, shown, expected, dropped, rss_mb, ui_pct, x_pct):
    print(f"  {label:7} {floor_pct:8.1f} {kiosk_pct:9.1f} {ratio:6.2f} {shown:>6}/{expected:<6} {dropped:>7} "
          f"{rss_mb:8.1f} {ui_pct:8.1f} {x_pct:7.1f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--outpost", required=True)
    ap.add_argument("--outpostctl", required=True)
    ap.add_argument("--outpost-clinic", required=True)
    ap.add_argument("--floor", required=True, help="the playback_floor program")
    ap.add_argument("--source", required=True, help="the repository (scripts/make-demo-content.sh)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json")
    args = ap.parse_args()
    for name in ("outpost", "outpostctl", "outpost_clinic", "floor", "source"):
        setattr(args, name, os.path.abspath(getattr(args, name)))

    tmp = tempfile.mkdtemp(prefix="outpost-playback-")
    runs = []
    try:
        conf, data, blobs = setup(args, tmp)
        title = first_tile(args, conf, data)
        blob = blobs[title]
        blob_bytes = os.path.getsize(blob)
        for i in range(args.runs):
            floor = run_floor(args, blob)
            kiosk = run_kiosk(args, conf, data)
            # The kiosk plays the whole file from 0: it should show every frame the floor counted.
            missing = max(0, floor["frames"] - kiosk["frames"])
            runs.append({"run": i + 1, "floor": floor, "kiosk": kiosk,
                         "ratio": kiosk["cpu_share"] / floor["cpu_share"],
                         "kiosk_dropped": kiosk["dropped"] + missing,
                         "load_average_1min": os.getloadavg()[0]})
    except (KioskError, OSError, subprocess.SubprocessError, KeyError, json.JSONDecodeError) as e:
        print(f"playback_bench: could not measure: {e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    f0 = runs[0]["floor"]
    mbit = blob_bytes * 8 / f0["duration_s"] / 1e6
    print(f"playback benchmark: {title!r}, {f0['width']}x{f0['height']} @ {f0['fps']:g} fps, "
          f"{f0['duration_s']:.1f} s, {mbit:.1f} Mbit/s; kiosk 1280x720 under Xvfb, SDL software renderer")
    print("  CPU in % of one core per second of video; frames = kiosk frames drawn / frames in the file")
    print(f"  {'run':7} {'floor %':>8} {'kiosk %':>9} {'ratio':>6} {'frames':>13} {'dropped':>7} "
          f"{'RSS MB':>8} {'UI thr %':>8} {'Xvfb %':>7}")
    for r in runs:
        f, k = r["floor"], r["kiosk"]
        row(str(r["run"]), f["cpu_share"] * 100, k["cpu_share"] * 100, r["ratio"], k["frames"], f["frames"],
            r["kiosk_dropped"], k["vmhwm_kb"] / 1024, k["ui_thread_share"] * 100, k["xvfb_share"] * 100)
    med = {
        "floor_cpu_percent": statistics.median(r["floor"]["cpu_share"] * 100 for r in runs),
        "kiosk_cpu_percent": statistics.median(r["kiosk"]["cpu_share"] * 100 for r in runs),
        "ratio": statistics.median(r["ratio"] for r in runs),
        "kiosk_frames": statistics.median(r["kiosk"]["frames"] for r in runs),
        "expected_frames": statistics.median(r["floor"]["frames"] for r in runs),
        "kiosk_dropped": statistics.median(r["kiosk_dropped"] for r in runs),
        "kiosk_peak_rss_mb": statistics.median(r["kiosk"]["vmhwm_kb"] / 1024 for r in runs),
        "floor_peak_rss_mb": statistics.median(r["floor"]["vmhwm_kb"] / 1024 for r in runs),
        "ui_thread_percent": statistics.median(r["kiosk"]["ui_thread_share"] * 100 for r in runs),
        "xvfb_percent": statistics.median(r["kiosk"]["xvfb_share"] * 100 for r in runs),
        "floor_dropped": statistics.median(r["floor"]["dropped"] for r in runs),
    }
    row("median", med["floor_cpu_percent"], med["kiosk_cpu_percent"], med["ratio"], f"{med['kiosk_frames']:g}",
        f"{med['expected_frames']:g}", f"{med['kiosk_dropped']:g}", med["kiosk_peak_rss_mb"],
        med["ui_thread_percent"], med["xvfb_percent"])
    print(f"  floor: dropped (later than 20 ms) {med['floor_dropped']:g}, "
          f"peak RSS {med['floor_peak_rss_mb']:.1f} MB")
    print("  kiosk: windows presented per video frame drawn " +
          ", ".join(f"{r['kiosk']['windows_presented']}/{r['kiosk']['frames']}" for r in runs) +
          "; frame time p50/p95 " +
          ", ".join(f"{r['kiosk']['frame_ms_p50']:.1f}/{r['kiosk']['frame_ms_p95']:.1f}" for r in runs) + " ms")
    print("  kiosk CPU by thread (run 1, s over the video): " +
          ", ".join(f"{n} {s:.2f}" for n, s in runs[0]["kiosk"]["threads_cpu_s"].items()))
    verdicts = [
        (f"kiosk CPU <= {TARGET_RATIO}x the floor", med["ratio"] <= TARGET_RATIO, f"{med['ratio']:.2f}x"),
        ("0 dropped frames", all(r["kiosk_dropped"] == 0 for r in runs),
         ", ".join(str(r["kiosk_dropped"]) for r in runs)),
        (f"peak RSS <= {TARGET_RSS_MB} MB", med["kiosk_peak_rss_mb"] <= TARGET_RSS_MB,
         f"{med['kiosk_peak_rss_mb']:.1f} MB"),
    ]
    for what, ok, value in verdicts:
        print(f"  {'PASS' if ok else 'MISS'}  {what}: {value}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"title": title, "runs": runs, "median": med,
                       "targets": {"ratio": TARGET_RATIO, "dropped": 0, "peak_rss_mb": TARGET_RSS_MB},
                       "verdicts": {w: ok for w, ok, _ in verdicts}}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
