#!/usr/bin/python3
"""An independent reader and writer of Outpost bundles (docs/design.md,
"Bundles" and "Seal"), written from the document with PyNaCl, for tests
that check the C++ code against the format rather than against itself, and
for tests that play an attacker who holds a kiosk's signing key.

  opb.py example DESIGN_MD
      parses the example bundle in design.md, verifies its signature with the
      key from the seed given there, opens its bound seal with the clinic key
      from its seed, and checks the payload and the name; prints "example ok"
  opb.py resign BUNDLE KEY_FILE OUT_DIR [--kiosk ID] [--new-ids] [--seq N]
      re-signs the records of BUNDLE (sealed payloads untouched) into a new
      bundle under kiosk ID (default: the same) with KEY_FILE (a kiosk.sk:
      base64 of seed || public key); --new-ids gives every record a new
      UUIDv7; writes OUT_DIR/inbox/<kiosk>/<name> and prints that path
Runs with Debian's python3 (python3-nacl), hence the #! line.
"""
import base64
import hashlib
import os
import re
import sys

import nacl.bindings as nb
import nacl.exceptions


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("truncated at byte %d" % self.pos)
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def varint(self):
        value, shift = 0, 0
        while True:
            b = self.take(1)[0]
            value |= (b & 0x7F) << shift
            if not b & 0x80:
                if b == 0 and shift > 0:
                    raise ValueError("non-minimal varint")
                return value
            shift += 7
            if shift > 63:
                raise ValueError("varint too long")


def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def unzigzag(v):
    return (v >> 1) ^ -(v & 1)


def parse(data):
    if data[:3] != b"OPB":
        raise ValueError("bad magic")
    version = data[3]
    body, sig = data[:-64], data[-64:]
    rd = Reader(body[4:])
    kiosk = rd.take(rd.varint()).decode()
    gen = rd.take(8) if version == 2 else b""
    seq = rd.varint()
    created = rd.varint()
    if version == 2:
        created = unzigzag(created)
    mono = rd.varint()
    boots = [rd.take(16) for _ in range(rd.varint())]
    own_boot = rd.varint()
    records = []
    for _ in range(rd.varint()):
        rec = {"id": rd.take(16), "kind": rd.take(1)[0], "priority": rd.take(1)[0], "boot": rd.varint(),
               "mono": rd.varint(), "seq": rd.varint(), "dict": rd.varint()}
        rec["sealed"] = rd.take(rd.varint())
        records.append(rec)
    if rd.pos != len(body) - 4:
        raise ValueError("trailing bytes")
    return {"version": version, "kiosk": kiosk, "generation": gen, "seq": seq, "created": created, "mono": mono,
            "boots": boots, "own_boot": own_boot, "records": records, "signed": body, "sig": sig}


def encode(b, sk):
    out = bytearray(b"OPB") + bytes([b["version"]])
    kiosk = b["kiosk"].encode()
    out += varint(len(kiosk)) + kiosk + b["generation"] + varint(b["seq"])
    c = b["created"]
    out += varint((c << 1) ^ (c >> 63) if b["version"] == 2 else c)
    out += varint(b["mono"]) + varint(len(b["boots"])) + b"".join(b["boots"]) + varint(b["own_boot"])
    out += varint(len(b["records"]))
    for r in b["records"]:
        out += r["id"] + bytes([r["kind"], r["priority"]]) + varint(r["boot"]) + varint(r["mono"])
        out += varint(r["seq"]) + varint(r["dict"]) + varint(len(r["sealed"])) + r["sealed"]
    signed = nb.crypto_sign(bytes(out), sk)
    return bytes(out) + signed[:64]


def name(b, data):
    if b["version"] == 1:
        return "%s-%010d.opb" % (b["kiosk"], b["seq"])
    digest = hashlib.blake2b(data, digest_size=32).digest()[:16]
    return "%s-%s-%010d-%s.opb" % (b["kiosk"], b["generation"].hex(), b["seq"], digest.hex())


def open_bound(sealed, kiosk, rec, clinic_pk, clinic_sk):
    epk, ct = sealed[:32], sealed[32:]
    shared = nb.crypto_scalarmult(clinic_sk, epk)
    key = hashlib.blake2b(b"OPS2" + shared + epk + clinic_pk, digest_size=32).digest()
    nonce = hashlib.blake2b(b"OPS2" + epk + clinic_pk, digest_size=24).digest()
    k = kiosk.encode()
    ad = b"OPS2" + varint(len(k)) + k + rec["id"] + bytes([rec["kind"], rec["priority"]]) + varint(rec["dict"])
    return nb.crypto_aead_xchacha20poly1305_ietf_decrypt(ct, ad, nonce, key)


def example(design_md):
    doc = open(design_md).read()
    block = doc.split("<!-- example-bundle -->")[1].split("<!-- /example-bundle -->")[0]
    block = block.split("```")[1]
    hexdigits = "".join(line.split("   ")[0] for line in block.splitlines())
    data = bytes.fromhex(re.sub(r"[^0-9a-f]", "", hexdigits))
    kiosk_pk, _ = nb.crypto_sign_seed_keypair(b"\x01" * 32)
    clinic_pk, clinic_sk = nb.crypto_box_seed_keypair(b"\x02" * 32)
    b = parse(data)
    nb.crypto_sign_open(b["sig"] + b["signed"], kiosk_pk)  # raises when it does not verify
    assert b["version"] == 2 and b["kiosk"] == "demo-kiosk" and b["seq"] == 1, b
    assert b["generation"].hex() == "0123456789abcdef"
    assert b["created"] == 1767225660000 and b["mono"] == 65000
    rec = b["records"][0]
    assert rec["dict"] == 0 and rec["kind"] == 5
    frame = open_bound(rec["sealed"], b["kiosk"], rec, clinic_pk, clinic_sk)
    # dict 0: a magicless zstd frame without dictionary; a raw block holds the text.
    assert b'{"event":"example"}' in frame, frame
    try:
        open_bound(rec["sealed"], "other-kiosk", rec, clinic_pk, clinic_sk)
        raise AssertionError("opened under another kiosk id")
    except nacl.exceptions.CryptoError:
        pass
    stated = re.search(r"Its name is\s+`([^`]+)`", doc).group(1)
    assert name(b, data) == stated, (name(b, data), stated)
    print("example ok")


def new_uuid7(old):
    rnd = bytearray(os.urandom(10))
    rnd[0] = 0x70 | (rnd[0] & 0x0F)
    rnd[2] = 0x80 | (rnd[2] & 0x3F)
    return old[:6] + bytes(rnd)


def resign(bundle, key_file, out_dir, kiosk=None, new_ids=False, seq=None):
    sk = base64.b64decode(open(key_file).read().strip())
    b = parse(open(bundle, "rb").read())
    if kiosk:
        b["kiosk"] = kiosk
    if seq:
        b["seq"] = seq
    if new_ids:
        for r in b["records"]:
            r["id"] = new_uuid7(r["id"])
    data = encode(b, sk)
    folder = os.path.join(out_dir, "inbox", b["kiosk"])
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name(b, data))
    with open(path, "wb") as f:
        f.write(data)
    print(path)


def main(argv):
    if len(argv) >= 3 and argv[1] == "example":
        example(argv[2])
    elif len(argv) >= 5 and argv[1] == "resign":
        opts = argv[5:]
        kiosk = opts[opts.index("--kiosk") + 1] if "--kiosk" in opts else None
        seq = int(opts[opts.index("--seq") + 1]) if "--seq" in opts else None
        resign(argv[2], argv[3], argv[4], kiosk, "--new-ids" in opts, seq)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
