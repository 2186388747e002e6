#!/usr/bin/env python3
"""UI tests of `outpost` under Xvfb, driven with xdotool keys.

  kiosk_test.py phq9_es|crisis|idle_wipe|crisis_disk_full --outpost BIN --outpostctl BIN --source DIR --artifacts DIR

Every step asserts what the patient sees (texts and answer labels the UI drew,
from the test hook) against the questionnaire file and the site config, not
against the UI's own strings where the content comes from data.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk_driver import (Kiosk, KioskError, clinic_config, expect, labels, patient_code,  # noqa: E402
                          selected, translated)

CODE = patient_code("20261123")

# PHQ-9 only, so the check-in ends after it.
PHQ9_ONLY = """
[kiosk]
checkin = ["phq-9.json"]
"""

# Crisis resources that exist only in this config, so the test proves the
# crisis screen shows the site's own.
CRISIS_CONFIG = PHQ9_ONLY + """
[crisis]
heading = { en = "Help is here", es = "Aquí hay ayuda" }
message = { en = "Please tell the staff at the desk now.", es = "Por favor, avise ahora al personal del mostrador de Riverside." }

[[crisis.lines]]
label = { en = "Riverside crisis team", es = "Equipo de crisis de Riverside" }
number = "555-0100"

[[crisis.lines]]
label = { en = "Emergency", es = "Emergencias" }
number = "911"
"""

IDLE_CONFIG = PHQ9_ONLY + """
idle_timeout_s = 3
idle_warning_s = 2
"""


def phq9(source):
    with open(os.path.join(source, "config", "questionnaires", "phq-9.json"), encoding="utf-8") as f:
        return json.load(f)


def check_in_spanish(k):
    """Welcome -> Español -> patient code; returns the first question frame."""
    f = k.wait_screen("welcome")
    expect("Check in" in labels(f, "choice"), f"welcome has no Check in button: {labels(f)}")
    disabled = [c["label"] for c in f["controls"] if not c["enabled"]]
    expect(disabled == ["Join a group"], f"Join a group must be shown disabled: {disabled}")
    expect("Videos" not in labels(f), f"no library installed: no Videos button: {labels(f)}")
    k.key("Return")
    f = k.wait_screen("language")
    expect(labels(f, "choice") == ["English", "Español"], f"languages named in themselves: {labels(f)}")
    k.key("2")
    f = k.wait_screen("patient_code", language=lambda f: f["language"] == "es")
    expect("Su código de paciente" in f["texts"], f"Spanish code screen: {f['texts']}")
    expect([str(d) for d in range(1, 10)] + ["0"] == labels(f, "keypad")[:10], "keypad keys 1-9, 0")
    # Type all but the last digit, a wrong one, delete it with Backspace, then the right one.
    k.key(*CODE[:-1])
    k.wait_for(lambda f: f["texts"][2].count("\u2022") == 8, "8 digits typed (masked in the hook)")
    wrong = str((int(CODE[-1]) + 1) % 10)
    k.key(wrong)
    k.wait_for(lambda f: f["texts"][2].count("\u2022") == 9, "9 digits typed")
    expect(CODE not in json.dumps(k.frame), "the typed code must not appear in the hook")
    k.key("BackSpace")
    k.wait_for(lambda f: f["texts"][2].count("\u2022") == 8, "Backspace deleted a digit")
    k.key(CODE[-1], "Return")
    return k.wait_screen("question")


def answer_pages(k, questionnaire, answers, stop_before=None):
    """Answers PHQ-9 pages with the given digits, asserting each page's Spanish
    texts and option labels from the questionnaire file. Returns the chosen labels."""
    group = questionnaire["item"][0]
    items = group["item"]
    chosen = []
    f = k.frame
    for n, (item, digit) in enumerate(zip(items, answers), start=1):
        if stop_before is not None and n == stop_before:
            break
        f = k.wait_for(lambda f, t=translated(item, "text", "es"): f["screen"] == "question" and t in f["texts"],
                       f"item {item['linkId']} in Spanish")
        expect(translated(group, "text", "es") in f["texts"], "the group's Spanish preamble is shown")
        expect(translated(questionnaire, "title", "es") in f["texts"], "the Spanish title is shown")
        want = [translated(o["valueCoding"], "display", "es") for o in item["answerOption"]]
        expect(labels(f, "answer") == want, f"{item['linkId']}: answer labels {labels(f, 'answer')} != {want}")
        expect(f["progress"][0] == n, f"{item['linkId']}: progress {f['progress']} should be at {n}")
        k.key(str(digit))
        label = want[digit - 1]
        f = k.wait_for(lambda f, label=label: selected(f) == [label], f"{item['linkId']}: '{label}' highlighted")
        expect(f["focus"] == "Siguiente", f"after choosing, Enter means Next: focus is {f['focus']}")
        chosen.append((translated(item, "text", "es"), label))
        k.key("Return")
    return chosen


def test_phq9_es(args):
    q = phq9(args.source)
    with Kiosk(args.outpost, args.artifacts, PHQ9_ONLY + clinic_config()) as k:
        check_in_spanish(k)
        # Escape goes back one page, and the answer is kept.
        answers = [2, 1, 3, 4, 1, 2, 1, 3, 1, 2]  # item 9: "Ningún día", not critical
        chosen = answer_pages(k, q, answers[:2])
        k.wait_for(lambda f: f["progress"][0] == 3, "page 3")
        k.key("Escape")
        f = k.wait_for(lambda f: f["screen"] == "question" and f["progress"][0] == 2, "back to page 2")
        expect(selected(f) == [chosen[1][1]], f"page 2 keeps its answer: {selected(f)}")
        k.key("Return")
        k.wait_for(lambda f: f["progress"][0] == 3, "page 3 again")
        # Pages 3-10 (the difficulty item is enabled because some answers are not "Ningún día").
        items = q["item"][0]["item"]
        for n in range(2, len(items)):
            chosen += answer_pages_from(k, q, n, answers[n])
        f = k.wait_screen("review")
        lines = [(c["label"], c.get("detail")) for c in f["controls"] if c["role"] == "review_line"]
        expect(lines == chosen, f"review lines {lines} != {chosen}")
        expect(f["focus"] == "Enviar", f"review: Enter sends; focus is {f['focus']}")
        expect(k.outbox_status(args.outpostctl)["queued"] == 0, "nothing in the outbox before Send")
        k.key("Return")
        f = k.wait_screen("submitted")
        expect("Gracias" in f["texts"], f"thank-you in Spanish: {f['texts']}")
        status = k.outbox_status(args.outpostctl)
        expect(status["queued_by_priority"]["clinical"] == 1, f"the sealed response is in the outbox: {status}")
        k.key("Return")
        f = k.wait_screen("welcome")
        expect(not selected(f) and f["language"] == "en", "back at welcome, nothing of the patient left")


def answer_pages_from(k, q, index, digit):
    """Answers the single page `index` (0-based) of PHQ-9."""
    group = q["item"][0]
    item = group["item"][index]
    sub = dict(q)
    sub_group = dict(group, item=[item])
    sub["item"] = [sub_group]
    # Progress numbering continues from the real position.
    f = k.wait_for(lambda f, t=translated(item, "text", "es"): f["screen"] == "question" and t in f["texts"],
                   f"item {item['linkId']} in Spanish")
    expect(f["progress"][0] == index + 1, f"{item['linkId']}: progress {f['progress']}")
    want = [translated(o["valueCoding"], "display", "es") for o in item["answerOption"]]
    expect(labels(f, "answer") == want, f"{item['linkId']}: answer labels {labels(f, 'answer')} != {want}")
    k.key(str(digit))
    label = want[digit - 1]
    k.wait_for(lambda f: selected(f) == [label], f"{item['linkId']}: '{label}' highlighted")
    k.key("Return")
    return [(translated(item, "text", "es"), label)]


def test_crisis(args):
    q = phq9(args.source)
    items = q["item"][0]["item"]
    with Kiosk(args.outpost, args.artifacts, CRISIS_CONFIG + clinic_config()) as k:
        check_in_spanish(k)
        for n in range(8):
            answer_pages_from(k, q, n, 1)
        # Item 9, "Varios días": critical at or above weight 1.
        answer_pages_from(k, q, 8, 2)
        f = k.wait_screen("crisis")
        for text in ["Aquí hay ayuda", "Por favor, avise ahora al personal del mostrador de Riverside.",
                     "Equipo de crisis de Riverside", "555-0100", "Emergencias", "911"]:
            expect(text in f["texts"], f"crisis screen shows the site's '{text}': {f['texts']}")
        expect(labels(f) == ["Ya avisé al personal"], f"the only control is the hold button: {labels(f)}")
        status = k.outbox_status(args.outpostctl)
        expect(status["queued_by_priority"]["crisis"] == 1, f"a crisis alert is queued at once: {status}")
        # Escape, Backspace, Alt+F4 and a quick tap of Enter do not leave it.
        k.key_then_frame("Escape")
        k.key_then_frame("alt+F4")
        k.key_then_frame("BackSpace")
        k.key_then_frame("Return")
        f = k.wait_for(lambda f: "hold" not in f, "a tap does not hold")
        expect(f["screen"] == "crisis" and k.proc.poll() is None,
               "Escape, Backspace, Alt+F4 and a tap leave the crisis screen up")
        # Press and hold Enter: progress fills, then the next page.
        k.keydown("Return")
        try:
            k.wait_for(lambda f: 0 < f.get("hold", 0) < 1, "the hold progress")
            f = k.wait_for(lambda f: f["screen"] != "crisis", "the end of the hold", timeout=5)
        finally:
            k.keyup("Return")
        expect(translated(items[9], "text", "es") in f["texts"], f"after the crisis, the next page: {f['texts']}")
        held = [x["hold"] for x in k.frames if "hold" in x]
        expect(len(held) >= 3 and max(held) > 0.5, f"hold progress was drawn as it filled: {held}")


def test_idle_wipe(args):
    q = phq9(args.source)
    with Kiosk(args.outpost, args.artifacts, IDLE_CONFIG + clinic_config()) as k:
        check_in_spanish(k)
        answer_pages_from(k, q, 0, 3)
        k.wait_for(lambda f: f["progress"][0] == 2, "page 2")
        k.key("4")
        label = translated(q["item"][0]["item"][1]["answerOption"][3]["valueCoding"], "display", "es")
        k.wait_for(lambda f: selected(f) == [label], "answer highlighted")
        last_input = time.monotonic()
        # The warning comes after 3 s without input, with a countdown.
        f = k.wait_for(lambda f: "overlay" in f, "the idle warning", timeout=8)
        waited = time.monotonic() - last_input
        expect(2.5 <= waited, f"warning after {waited:.1f} s; idle_timeout_s is 3")
        expect("¿Sigue ahí?" in f["overlay"]["texts"], f"warning in Spanish: {f['overlay']}")
        expect(f["countdown"] in (1, 2), f"countdown from idle_warning_s=2: {f['countdown']}")
        # Any key dismisses it and keeps the answers.
        k.key("Tab")
        f = k.wait_for(lambda f: "overlay" not in f, "the warning to go away")
        expect(f["screen"] == "question" and selected(f) == [label], "dismissing keeps the page and its answer")
        last_input = time.monotonic()
        k.wait_for(lambda f: "overlay" in f, "the idle warning again", timeout=8)
        counts = set()
        f = k.wait_for(lambda f: counts.add(f["countdown"]) or f["screen"] == "welcome", "the wipe", timeout=8)
        waited = time.monotonic() - last_input
        expect(4.5 <= waited, f"wiped after {waited:.1f} s; idle 3 s + warning 2 s")
        expect("overlay" not in f and f["language"] == "en", "welcome again, in the default language")
        expect(not selected(f), "nothing selected after the wipe")
        expect(label not in json.dumps(f, ensure_ascii=False), "no answer of the patient on the welcome screen")
        expect(2 in counts or 1 in counts, f"the countdown was shown ticking: {counts}")
        expect(k.outbox_status(args.outpostctl)["queued"] == 0, "an idle wipe submits nothing")


class FullDisk:
    """A 1 MiB tmpfs for the data dir (needs root), filled on demand."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="outpost-ui-disk-")
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", self.dir], check=True)
        self.data = os.path.join(self.dir, "data")
        self.filler = os.path.join(self.dir, "filler")

    def fill(self):
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            for chunk in (4096, 512, 1):
                try:
                    while os.write(fd, b"\0" * chunk) > 0:
                        pass
                except OSError:
                    pass
        finally:
            os.close(fd)

    def free(self):
        os.remove(self.filler)

    def close(self):
        subprocess.run(["umount", "-l", self.dir], check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def unsaved_notice(f):
    """The staff notice about crisis alerts not yet stored (UI's own words)."""
    return [t for t in f["texts"] if t.startswith("PERSONAL:") or t.startswith("STAFF:")]


def test_crisis_disk_full(args):
    """A crisis raised while the outbox cannot write is shown to staff, survives
    the idle wipe and a SIGKILL, and is queued once the disk has room."""
    if os.geteuid() != 0:
        print("SKIPPED: needs root to mount a tmpfs")
        return
    q = phq9(args.source)
    disk = FullDisk()
    config = IDLE_CONFIG + CRISIS_CONFIG[len(PHQ9_ONLY):] + clinic_config()
    try:
        with Kiosk(args.outpost, args.artifacts, config, data_dir=disk.data) as k:
            k.wait_screen("welcome")
            expect(not unsaved_notice(k.frame), "no notice while every alert is stored")
            disk.fill()
            # Fill the outbox's free pages too: plain check-ins until one is refused.
            for _ in range(200):
                if subprocess.run([args.outpostctl, "--config", k.config, "--data-dir", disk.data, "assess", "submit",
                                   "--questionnaire", os.path.join(args.source, "config/questionnaires/phq-9.json"),
                                   "--answers", os.path.join(args.source, "tests/data/responses/phq9-en-none.json")],
                                  capture_output=True).returncode != 0:
                    break
            before = k.outbox_status(args.outpostctl)["queued_by_priority"]["crisis"]
            check_in_spanish(k)
            for n in range(8):
                answer_pages_from(k, q, n, 1)
            answer_pages_from(k, q, 8, 2)  # item 9, critical
            f = k.wait_screen("crisis")
            expect("Equipo de crisis de Riverside" in f["texts"], "the crisis resources are shown")
            expect(unsaved_notice(f) and " 1 " in unsaved_notice(f)[0], f"staff are told: {f['texts']}")
            status = k.outbox_status(args.outpostctl)
            expect(status["queued_by_priority"]["crisis"] == before, f"the outbox could not take it: {status}")
            # The idle wipe clears the patient's data; the alert and the notice stay.
            k.wait_for(lambda f: "overlay" in f, "the idle warning", timeout=10)
            f = k.wait_for(lambda f: "overlay" not in f, "the idle wipe", timeout=10)
            expect(f["screen"] == "crisis" and unsaved_notice(f), f"after the wipe, still shown: {f['texts']}")
            k.kill()
        slots = os.path.join(disk.data, "crisis-pending")
        held = 0
        for name in os.listdir(slots):
            with open(os.path.join(slots, name), "rb") as s:
                held += s.read(4) == b"OPCA"
        expect(held == 1, f"the alert survived the kill in a slot: {held}")
        # Restarted on a disk that is still full: staff see it on the welcome screen.
        with Kiosk(args.outpost, args.artifacts + "-restart", config, data_dir=disk.data) as k:
            f = k.wait_screen("welcome")
            expect(unsaved_notice(f), f"after the restart, the notice: {f['texts']}")
            disk.free()
            # The kiosk's own retry queues it once there is room.
            f = k.wait_for(lambda f: not unsaved_notice(f), "the retry to store the alert", timeout=40)
            status = k.outbox_status(args.outpostctl)
            expect(status["queued_by_priority"]["crisis"] == before + 1 and status["crisis_unsaved"] == 0,
                   f"queued once: {status}")
    finally:
        disk.close()


TESTS = {"phq9_es": test_phq9_es, "crisis": test_crisis, "idle_wipe": test_idle_wipe,
         "crisis_disk_full": test_crisis_disk_full}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("test", choices=sorted(TESTS))
    p.add_argument("--outpost", required=True)
    p.add_argument("--outpostctl", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--artifacts", required=True)
    args = p.parse_args()
    args.artifacts = os.path.join(args.artifacts, args.test)
    try:
        TESTS[args.test](args)
    except KioskError as e:
        print(f"FAIL {args.test}: {e}", file=sys.stderr)
        return 1
    print(f"PASS {args.test}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
