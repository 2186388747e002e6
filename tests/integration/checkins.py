#!/usr/bin/env python3
"""PHQ-9 check-ins with known scores for the sync integration tests.

  checkins.py make DIR N       writes DIR/r-<i>.json (QuestionnaireResponse)
                               and DIR/expected.tsv ("<i>\t<score>")
  checkins.py check IDS CSV    IDS: "<record id>\t<score>" per submitted
                               check-in; CSV: outpost-clinic export --format csv.
                               Every id must be there exactly once with its
                               score; prints "checkins: N passed, M failed".
The answers are synthetic (no real patient data); item 9 stays "not at all"
so no check-in is critical.
"""
import csv
import json
import os
import random
import sys

ITEMS = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"]
CODES = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]  # weights 0..3


def answers_for(i):
    # Deterministic, varied (scores 0..24); item 9 (last) is 0 so nothing is critical.
    rng = random.Random(i)
    return [rng.randrange(4) for _ in range(8)] + [0]


def make(out, n):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "expected.tsv"), "w") as exp:
        for i in range(n):
            a = answers_for(i)
            resp = {
                "resourceType": "QuestionnaireResponse",
                "questionnaire": "urn:outpost:questionnaire:phq-9",
                "status": "completed",
                "item": [{"linkId": "44249-1", "item": [
                    {"linkId": link, "answer": [{"valueCoding": {"system": "http://loinc.org", "code": CODES[v]}}]}
                    for link, v in zip(ITEMS, a)]}],
            }
            with open(os.path.join(out, "r-%d.json" % i), "w") as f:
                json.dump(resp, f)
            exp.write("%d\t%d\n" % (i, sum(a)))


def check(ids_file, csv_file):
    want = {}
    with open(ids_file) as f:
        for line in f:
            rid, score = line.split()
            want[rid] = float(score)
    seen = {}
    with open(csv_file) as f:
        for row in csv.DictReader(f):
            if row["kind"] != "questionnaire-response":
                continue
            seen.setdefault(row["record_id"], []).append(float(row["score"]))
    passed = failed = 0
    for rid, score in want.items():
        got = seen.get(rid, [])
        if got == [score]:
            passed += 1
        else:
            failed += 1
            if failed <= 5:
                print("record %s: want score %g once, got %s" % (rid, score, got), file=sys.stderr)
    extra = set(seen) - set(want)
    if extra:
        failed += len(extra)
        print("%d records at the clinic that were never submitted" % len(extra), file=sys.stderr)
    print("checkins: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], sys.argv[3]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
