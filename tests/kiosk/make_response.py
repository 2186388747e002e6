#!/usr/bin/env python3
"""Writes a QuestionnaireResponse for a FHIR Questionnaire, for tests that
score real files (../shared/fhir-questionnaires) through outpostctl and
through the reference FHIRPath engine.

  make_response.py QUESTIONNAIRE OUT.json (max|min|seed:N) [--skip LINKID...]

Every item the patient would answer (choice items that are not hidden,
read-only or calculated) gets an answer: the option with the highest weight
(max), the lowest (min), or a seeded random one. Options come from
answerOption or from a contained ValueSet (answerValueSet "#id" or its url).
Weights are read from the places R4 files put them; the expected total
(sum over the answered items) is printed, one line per item, for the test to
compare only against the items it knows the instrument counts.
"""
import json
import random
import sys

WEIGHT_URLS = {
    "http://hl7.org/fhir/StructureDefinition/itemWeight",
    "http://hl7.org/fhir/StructureDefinition/ordinalValue",
    "http://hl7.org/fhir/StructureDefinition/iso21090-CO-value",
}
HIDDEN = "http://hl7.org/fhir/StructureDefinition/questionnaire-hidden"
CALC = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"


def weight(el):
    for place in (el, el.get("valueCoding", {})):
        for e in place.get("extension", []):
            if e.get("url") in WEIGHT_URLS:
                return e.get("valueDecimal", e.get("valueInteger"))
    return None


def options(q, item):
    if "answerOption" in item:
        return [(o["valueCoding"], weight(o)) for o in item["answerOption"]]
    ref = item.get("answerValueSet", "")
    for vs in q.get("contained", []):
        if vs.get("resourceType") == "ValueSet" and (ref == "#" + vs.get("id", "") or ref == vs.get("url")):
            out = []
            for inc in vs.get("compose", {}).get("include", []):
                for c in inc.get("concept", []):
                    out.append(({"system": inc.get("system"), "code": c["code"], "display": c.get("display")}, weight(c)))
            for c in vs.get("expansion", {}).get("contains", []):
                out.append(({"system": c.get("system"), "code": c["code"], "display": c.get("display")}, weight(c)))
            return out
    return []


def answerable(item):
    if item.get("type") != "choice" or item.get("readOnly"):
        return False
    for e in item.get("extension", []):
        if e.get("url") == HIDDEN and e.get("valueBoolean"):
            return False
        if e.get("url") == CALC:
            return False
    return True


def build(q, items, mode, rng, skip, weights):
    out = []
    for item in items:
        if item.get("type") == "group":
            children = build(q, item.get("item", []), mode, rng, skip, weights)
            if children:
                out.append({"linkId": item["linkId"], "item": children})
            continue
        if not answerable(item) or item["linkId"] in skip:
            continue
        opts = options(q, item)
        if not opts:
            continue
        ws = [w if w is not None else 0 for _, w in opts]
        if mode == "max":
            i = ws.index(max(ws))
        elif mode == "min":
            i = ws.index(min(ws))
        else:
            i = rng.randrange(len(opts))
        coding = {k: v for k, v in opts[i][0].items() if v is not None}
        out.append({"linkId": item["linkId"], "answer": [{"valueCoding": coding}]})
        weights.append((item["linkId"], [c.get("code") for c in item.get("code", [])], ws[i]))
    return out


def main():
    q = json.load(open(sys.argv[1]))
    mode = sys.argv[3]
    skip = set(sys.argv[5:]) if len(sys.argv) > 4 and sys.argv[4] == "--skip" else set()
    rng = random.Random(int(mode.split(":")[1]) if mode.startswith("seed:") else 0)
    weights = []
    resp = {"resourceType": "QuestionnaireResponse", "status": "completed",
            "item": build(q, q.get("item", []), mode, rng, skip, weights)}
    if q.get("url"):
        resp["questionnaire"] = q["url"]
    json.dump(resp, open(sys.argv[2], "w"), indent=1)
    for link, codes, w in weights:
        print("%s\t%s\t%s" % (link, ",".join(codes), w))


if __name__ == "__main__":
    main()
