#!/usr/bin/env python3
"""The end check of tests/bench/torture.sh: exactly once at the clinic,
minus what an outbox reset lost with the disk.

  torture_check.py ACKED OUTBOX CSV

ACKED   "<record id>\t<score>" per id that `outpostctl assess submit`
        printed (acknowledged to the patient).
OUTBOX  "<snapshot>\t<hex id>\t<state>" per outbox row: snapshot "reset-N"
        is the outbox read with sqlite3 just before reset N wiped it,
        "final" the outbox at the end.
CSV     `outpost-clinic export --format csv`.

Rules (docs/design.md, "Delivery states"): a record in state 0 or 1
(queued, in_bundle) at a reset is lost with the disk; it may still reach the
clinic (its bundle may have reached the drop box in the moment before a
kill), but at most once. Every other record, acknowledged or seen in an
outbox, must be at the clinic exactly once, with the score of its answers
when it was acknowledged. The clinic must hold no id that no outbox ever
held and no submit printed.

Prints one line of counts, "key=value" separated by spaces, and up to 10
offending ids of each kind to stderr; exits 1 on any violation.
"""
import csv
import sys

STATES = {0: "queued", 1: "in_bundle", 2: "accepted", 3: "confirmed", 4: "held"}


def canonical(hex_id):
    h = hex_id.strip().lower()
    if len(h) != 32:
        raise ValueError("not a 16-byte id: %r" % hex_id)
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def main(acked_file, outbox_file, csv_file):
    problems = []

    def problem(what, ids, detail=lambda i: ""):
        ids = sorted(ids)
        if ids:
            problems.append("%s: %d" % (what, len(ids)))
            for i in ids[:10]:
                print("  %s: %s%s" % (what, i, detail(i)), file=sys.stderr)

    acked = {}
    printed_twice = set()
    with open(acked_file) as f:
        for line in f:
            if not line.strip():
                continue
            rid, score = line.split("\t")[:2]
            if rid in acked:
                printed_twice.add(rid)
            acked[rid] = float(score)

    history = {}  # id -> [(snapshot, state)]
    with open(outbox_file) as f:
        for line in f:
            if not line.strip():
                continue
            snap, hex_id, state = line.rstrip("\n").split("\t")
            history.setdefault(canonical(hex_id), []).append((snap, int(state)))

    def where(i):
        h = ", ".join("%s %s" % (s, STATES.get(st, st)) for s, st in history.get(i, []))
        return " (%s; %s)" % ("acknowledged" if i in acked else "not acknowledged", h or "in no outbox read")

    lost = {i for i, h in history.items() if any(s != "final" and st in (0, 1) for s, st in h)}
    in_two = {i for i, h in history.items() if len(h) > 1}
    held = {i for i, h in history.items() if any(st == 4 for _, st in h)}
    unconfirmed_final = {i for i, h in history.items() if any(s == "final" and st != 3 for s, st in h)}

    at_clinic = {}
    scores = {}
    with open(csv_file) as f:
        for row in csv.DictReader(f):
            rid = row["record_id"]
            at_clinic[rid] = at_clinic.get(rid, 0) + 1
            if row["kind"] == "questionnaire-response" and row["score"] != "":
                scores[rid] = float(row["score"])

    known = set(acked) | set(history)
    expected = known - lost
    missing = expected - set(at_clinic)
    duplicates = {i for i, n in at_clinic.items() if n > 1}
    unknown = set(at_clinic) - known
    wrong_score = {i for i in acked if i in scores and scores[i] != acked[i]}
    lost_arrived = lost & set(at_clinic)

    problem("missing", missing, where)
    problem("duplicate", duplicates, lambda i: " (%d rows)%s" % (at_clinic[i], where(i)))
    problem("unknown at the clinic", unknown, where)
    problem("wrong score", wrong_score, lambda i: " (want %g, got %g)" % (acked[i], scores[i]))
    problem("printed by two submits", printed_twice)
    problem("in two outboxes", in_two, where)
    problem("held", held, where)
    problem("not confirmed in the final outbox", unconfirmed_final, where)

    print("acknowledged=%d committed_unacknowledged=%d lost=%d lost_acknowledged=%d lost_arrived=%d "
          "expected=%d at_clinic=%d duplicates=%d missing=%d unknown=%d wrong_score=%d"
          % (len(acked), len(set(history) - set(acked)), len(lost), len(lost & set(acked)), len(lost_arrived),
             len(expected), len(at_clinic), len(duplicates), len(missing), len(unknown), len(wrong_score)))
    for p in problems:
        print("torture_check: VIOLATION: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
