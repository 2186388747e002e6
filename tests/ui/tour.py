#!/usr/bin/env python3
"""A scripted tour of the kiosk for the demo (scripts/demo.sh) when there is no
display: runs `outpost` under Xvfb with the demo questionnaires, walks a
Spanish check-in to the thank-you screen and a second one to the crisis
screen, then (when a video library is installed) opens Videos in Spanish and
plays the first one with captions for a few seconds, and keeps a PNG of every
screen in the folder it prints.

  tour.py --outpost BIN --out DIR [--config FILE --data-dir DIR]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk_driver import Kiosk, patient_code  # noqa: E402


def check_in(k, code):
    k.wait_screen("welcome")
    k.key("Return")
    k.wait_screen("language")
    k.key("2")
    k.wait_screen("patient_code")
    k.key(*code, "Return")
    return k.wait_screen("question")


def answer(k, digit):
    page = k.frame["progress"]
    k.key(str(digit))
    k.wait_for(lambda f: any(c.get("selected") for c in f["controls"]), "an answer")
    k.key("Return")
    return k.wait_for(lambda f: f["screen"] != "question" or f["progress"] != page, "the next screen")


def hold_told_staff(k):
    """Holds "I have told the staff" on the crisis screen for its 2 s."""
    k.keydown("Return")
    try:
        return k.wait_for(lambda f: f["screen"] != "crisis", "the end of the 2 s hold", timeout=6)
    finally:
        k.keyup("Return")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--outpost", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--config", help="site config (default: the built-in demo config)")
    ap.add_argument("--data-dir", help="data directory to keep (default: a temporary one)")
    args = ap.parse_args()
    with Kiosk(args.outpost, os.path.abspath(args.out), config_file=args.config, data_dir=args.data_dir) as k:
        check_in(k, patient_code("20261123"))
        digits = iter([2, 1, 3, 2, 1, 2, 1, 2, 1, 2] + [2, 3, 1, 2, 2, 1, 3])  # PHQ-9 then GAD-7
        f = k.frame
        while f["screen"] == "question":
            f = answer(k, next(digits, 1))
        k.wait_screen("review")
        k.key("Return")
        k.wait_screen("submitted")
        k.key("Return")
        # A second check-in with a critical answer on PHQ-9 item 9.
        check_in(k, patient_code("31415926"))
        for _ in range(8):
            answer(k, 1)
        k.wait_for(lambda f: f["progress"][0] == 9, "PHQ-9 item 9")
        answer(k, 2)
        k.wait_screen("crisis")
        f = hold_told_staff(k)
        # The check-in goes on after the crisis screen, to its end.
        while f["screen"] == "question":
            f = answer(k, 1)
        k.wait_screen("review")
        k.key("Return")
        f = k.wait_for(lambda f: f["screen"] in ("submitted", "crisis"), "the end of the check-in")
        if f["screen"] == "crisis":  # a critical result ends on the crisis screen
            hold_told_staff(k)
        else:
            k.key("Return")
        f = k.wait_screen("welcome")
        if "Videos" in [c["label"] for c in f["controls"]]:
            k.key("2")
            k.wait_screen("language")
            k.key("2")
            k.wait_screen("library")
            k.key("1")
            k.wait_for(lambda f: (f.get("media") or {}).get("state") == "error"
                       or (f.get("media") or {}).get("position_ms", 0) > 6000, "six seconds of video", timeout=30)
            k.key("Escape")
            k.wait_screen("library")
            k.key("Escape")
            k.wait_screen("welcome")
    print(f"tour screenshots: {os.path.abspath(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
