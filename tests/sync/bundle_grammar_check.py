#!/usr/bin/env python3
"""Reads docs/design.md, "Bundles", and checks that its example bundles parse
by the byte grammar written there, with the Python standard library only.

The grammar block is interpreted, not copied: each rule's elements are read
in order (%x literals, NOCTET, varint, varint(len) len*OCTET, a repeat whose
count is the *-count field just before it, a field whose length is an earlier
field), and a leading "a-b" or ">= a" in a rule's comment is checked against
the value (a length for kiosk-id). The example's name is then rebuilt from the
fields and BLAKE2b-256 of the bytes, and the fields the prose and the
annotations state are compared. No signature or seal is checked here
(tests/integration/opb.py does that with PyNaCl).

  bundle_grammar_check.py DESIGN_MD      prints "bundle grammar ok"
"""
import hashlib
import re
import sys


def section(doc, title):
    start = doc.index("\n## " + title + "\n")
    end = doc.index("\n## ", start + 1)
    return doc[start:end]


def grammar_rules(bundles):
    """{name: (elements, comment)} from the first fenced block of the section."""
    block = bundles.split("```")[1]
    rules, order = {}, []
    for line in block.splitlines():
        m = re.match(r"^([a-z-]+)\s*=\s*(.*)$", line)
        if m:
            name, rest = m.group(1), m.group(2)
            order.append(name)
            body, _, comment = rest.partition(";")
            rules[name] = [body.split(), comment.strip()]
        elif line.strip() and order:  # a continuation line
            body, _, comment = line.partition(";")
            rules[order[-1]][0] += body.split()
    return rules


def example_bytes(doc, marker):
    block = doc.split("<!-- %s -->" % marker)[1].split("<!-- /%s -->" % marker)[0].split("```")[1]
    hexpart = " ".join(line.split("   ")[0] for line in block.splitlines() if line.strip())
    if not re.fullmatch(r"[0-9a-f ]*", hexpart):
        raise ValueError("%s: not hex bytes: %r" % (marker, hexpart))
    return bytes.fromhex(hexpart.replace(" ", "")), block


class Parser:
    def __init__(self, rules, data, version):
        self.rules, self.data, self.pos, self.version = rules, data, 0, version
        self.fields = {}  # the last value of each field, for counts and lengths

    def octets(self, n, what):
        if self.pos + n > len(self.data):
            raise ValueError("%s: %d bytes wanted at offset %d, the example has %d" % (what, n, self.pos, len(self.data)))
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def varint(self, what):
        value, shift = 0, 0
        while True:
            b = self.octets(1, what)[0]
            value |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                if b == 0 and shift > 7:
                    raise ValueError("%s: varint not in its minimal form" % what)
                return value
            if shift > 63:
                raise ValueError("%s: varint longer than 64 bits" % what)

    def rule(self, name):
        """Parses rule `name`; returns its value (a number, bytes or a dict)."""
        elements, comment = self.rules[name]
        if self.version == 1 and name == "bundle":
            elements = [e for e in elements if e != "generation"]  # "Version 1": no generation
        if self.version == 1 and name == "version":
            if "1 is still read" not in comment:
                raise ValueError("version: the grammar no longer says version 1 is read")
            elements = ["%x01"]
        value = self.elements(name, elements)
        if name == "created" and self.version == 2:  # zigzag, signed
            value = (value >> 1) ^ -(value & 1)
        self.check_range(name, value, comment)
        self.fields[name] = value
        return value

    def elements(self, name, elements):
        if elements == ["varint"]:
            return self.varint(name)
        if len(elements) == 1 and re.fullmatch(r"\d+OCTET", elements[0]):
            return self.octets(int(elements[0][:-5]), name)
        if elements == ["OCTET"]:
            return self.octets(1, name)[0]
        if len(elements) == 2 and elements[0] == "varint(len)" and elements[1] == "len*OCTET":
            return self.octets(self.varint(name + " length"), name)
        if len(elements) == 2 and elements[1] == "OCTET" and elements[0] in self.fields:
            return self.octets(self.fields[elements[0]], name)
        parts, previous = {}, None
        for e in elements:
            m = re.fullmatch(r"%x([0-9A-Fa-f.]+)", e)
            rep = re.fullmatch(r"(\d*)\*([a-z-]+)", e)
            if m:
                want = bytes.fromhex(m.group(1).replace(".", ""))
                got = self.octets(len(want), name)
                if got != want:
                    raise ValueError("%s: %s, the grammar says %s" % (name, got.hex(), want.hex()))
                parts.setdefault("literal", got)
            elif rep:
                if previous is None or not previous.endswith("-count"):
                    raise ValueError("%s: %s does not follow a *-count field" % (name, e))
                count = self.fields[previous]
                if count < int(rep.group(1) or 0):
                    raise ValueError("%s: %d %s, at least %s" % (name, count, rep.group(2), rep.group(1)))
                parts[rep.group(2)] = [self.rule(rep.group(2)) for _ in range(count)]
            elif e in self.rules:
                parts[e] = self.rule(e)
            else:
                raise ValueError("%s: element %r is not in the grammar" % (name, e))
            previous = e
        return parts["literal"] if list(parts) == ["literal"] else parts

    def check_range(self, name, value, comment):
        n = len(value) if isinstance(value, bytes) else value
        if not isinstance(n, int):
            return
        m = re.match(r"(\d+)-(\d+)\b", comment)
        if m and not int(m.group(1)) <= n <= int(m.group(2)):
            raise ValueError("%s: %d, the grammar says %s" % (name, n, m.group(0)))
        m = re.match(r">=\s*(\d+)", comment)
        if m and n < int(m.group(1)):
            raise ValueError("%s: %d, the grammar says %s" % (name, n, m.group(0)))
        if name == "kiosk-id" and not re.fullmatch(rb"[A-Za-z0-9_-][A-Za-z0-9._-]*", value):
            raise ValueError("kiosk-id: %r has characters the grammar does not allow" % value)


def decode(rules, data, version):
    p = Parser(rules, data, version)
    b = p.rule("bundle")
    if p.pos != len(data):
        raise ValueError("version %d example: %d bytes after the signature" % (version, len(data) - p.pos))
    for r in b["record"]:
        if r["boot"] >= b["boot-count"]:
            raise ValueError("record boot index %d outside the boot table" % r["boot"])
    if b["bundle-boot"] >= b["boot-count"]:
        raise ValueError("bundle-boot outside the boot table")
    return b


def expect(what, got, want):
    if got != want:
        raise ValueError("%s: the example has %r, the document says %r" % (what, got, want))


def check(doc):
    bundles = section(doc, "Bundles")
    rules = grammar_rules(bundles)
    kinds = dict((name, int(code)) for code, name in
                 re.findall(r"(\d) ([a-z-]+)", re.search(r"\| kind \|[^\n]*", section(doc, "Records")).group(0)))
    prose = bundles[bundles.index("Example ("):bundles.index("<!-- example-bundle -->")]
    name = re.search(r"Its name is\s+`([^`]+)`", prose).group(1)
    record_id = re.search(r"record, id `([0-9a-f-]+)`", prose).group(1).replace("-", "")
    kind_name = re.search(r"one `([a-z-]+)`\s+record", prose).group(1)
    generation = re.search(r"generation `([0-9a-f]{16})`", prose).group(1)
    kiosk = re.search(r"kiosk `([^`]+)`", prose).group(1)

    for version, marker in ((2, "example-bundle"), (1, "example-bundle-v1")):
        data, block = example_bytes(doc, marker)
        b = decode(rules, data, version)
        expect("kiosk-id", b["kiosk-id"].decode(), kiosk)
        expect("record-count", b["record-count"], 1)
        r = b["record"][0]
        expect("record id", r["id"].hex(), record_id)
        expect("record kind", r["kind"], kinds[kind_name])
        expect("dict", r["dict"], 0)
        notes = " ".join(line.split("   ", 1)[1] for line in block.splitlines() if "   " in line)
        for field, value in (("created", b["created"]), ("mono", b["mono"])):
            m = re.search(r"%s (?:zigzag\()?(\d+)" % field, notes)
            expect(field + " (annotation)", value, int(m.group(1)))
        expect("record mono (annotation)", r["mono"], int(re.search(r"boot \d+, mono (\d+)", notes).group(1)))
        expect("priority (annotation)", r["priority"], int(re.search(r"priority (\d+)", notes).group(1)))
        expect("sealed-len (annotation)", r["sealed-len"], int(re.search(r"dict \d+, (?:sealed-)?len (\d+)", notes).group(1)))
        if version == 2:
            expect("generation", b["generation"].hex(), generation)
            digest = hashlib.blake2b(data, digest_size=32).digest()[:16].hex()
            built = "%s-%s-%010d-%s.opb" % (b["kiosk-id"].decode(), b["generation"].hex(), b["bundle-seq"], digest)
            expect("name", built, name)


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    try:
        check(open(argv[1], encoding="utf-8").read())
    except (ValueError, KeyError, AttributeError, IndexError) as e:
        print("%s: %s: %s" % (argv[1], type(e).__name__, e), file=sys.stderr)
        return 1
    print("bundle grammar ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
