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
  opb.py forge-crisis KEY_FILE CLINIC_SEALING_PK_FILE OUT_DIR --kiosk ID
         --questionnaire 'URL|VERSION' [--subject CODE] [--item LINKID]...
         [--time ISO] [--lang LANG]
      forges what a kiosk (or someone holding its key) could send: a new v2
      bundle (fresh random generation, seq 1) holding one crisis-alert record
      (kind 2, priority 0, fresh UUIDv7, dictionary 0) whose payload is
      {"q":..,"i":[..],"s":..,"t":..} (docs/design.md, "Records"; --subject is
      taken as given, unchecked; --item defaults to PHQ-9's 44260-8, --time
      to now) in a magicless zstd frame of raw blocks, bound-sealed to
      CLINIC_SEALING_PK_FILE (base64, the clinic's sealing.pk) and signed with
      KEY_FILE; writes OUT_DIR/inbox/<kiosk>/<name> and prints that path
Runs with Debian's python3 (python3-nacl), hence the #! line.
"""
import base64
import hashlib
import json
import os
import re
import sys
import time

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


def seal_bound(frame, kiosk, rec, clinic_pk):
    """The inverse of open_bound (docs/design.md, "Seal")."""
    epk, esk = nb.crypto_box_keypair()
    shared = nb.crypto_scalarmult(esk, clinic_pk)
    if shared == bytes(32):
        raise ValueError("the clinic sealing key is not a usable X25519 key")
    key = hashlib.blake2b(b"OPS2" + shared + epk + clinic_pk, digest_size=32).digest()
    nonce = hashlib.blake2b(b"OPS2" + epk + clinic_pk, digest_size=24).digest()
    k = kiosk.encode()
    ad = b"OPS2" + varint(len(k)) + k + rec["id"] + bytes([rec["kind"], rec["priority"]]) + varint(rec["dict"])
    return epk + nb.crypto_aead_xchacha20poly1305_ietf_encrypt(frame, ad, nonce, key)


RAW_BLOCK_MAX = 128 * 1024  # zstd's Block_Maximum_Size


def zstd_raw_frame(data):
    """Dictionary 0 (Records): a magicless zstd frame (RFC 8878 without the
    magic number), single segment, no checksum, no dictionary id, holding the
    bytes in raw (stored) blocks."""
    n = len(data)
    if n < 256:
        fhd, fcs = 0x20, bytes([n])  # Single_Segment_flag, FCS 1 byte
    elif n < 65536 + 256:
        fhd, fcs = 0x60, (n - 256).to_bytes(2, "little")
    elif n < 1 << 32:
        fhd, fcs = 0xA0, n.to_bytes(4, "little")
    else:
        fhd, fcs = 0xE0, n.to_bytes(8, "little")
    out = bytearray([fhd]) + fcs
    chunks = [data[i:i + RAW_BLOCK_MAX] for i in range(0, n, RAW_BLOCK_MAX)] or [b""]
    for i, chunk in enumerate(chunks):
        last = 1 if i == len(chunks) - 1 else 0
        out += ((len(chunk) << 3) | (0 << 1) | last).to_bytes(3, "little") + chunk  # Block_Type 0: raw
    return bytes(out)


def read_raw_frame(frame):
    """Reads back a frame zstd_raw_frame writes (raw and RLE blocks only)."""
    fhd = frame[0]
    if fhd & 0x08 or fhd & 0x04 or fhd & 0x03 or not fhd & 0x20:
        raise ValueError("not a single-segment frame without checksum and dictionary id")
    size_len = [1, 2, 4, 8][fhd >> 6]
    size = int.from_bytes(frame[1:1 + size_len], "little") + (256 if size_len == 2 else 0)
    pos, out = 1 + size_len, bytearray()
    while True:
        header = int.from_bytes(frame[pos:pos + 3], "little")
        pos += 3
        kind, length = (header >> 1) & 3, header >> 3
        if kind == 0:
            out += frame[pos:pos + length]
            pos += length
        elif kind == 1:
            out += frame[pos:pos + 1] * length
            pos += 1
        else:
            raise ValueError("compressed block: not read here")
        if header & 1:
            break
    if pos != len(frame) or len(out) != size:
        raise ValueError("bad frame")
    return bytes(out)


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
    assert read_raw_frame(frame) == b'{"event":"example"}', frame
    assert zstd_raw_frame(b'{"event":"example"}') == frame, frame  # the frame forge-crisis writes, byte for byte
    resealed = dict(rec, sealed=seal_bound(frame, b["kiosk"], rec, clinic_pk))
    assert open_bound(resealed["sealed"], b["kiosk"], resealed, clinic_pk, clinic_sk) == frame
    try:
        open_bound(rec["sealed"], "other-kiosk", rec, clinic_pk, clinic_sk)
        raise AssertionError("opened under another kiosk id")
    except nacl.exceptions.CryptoError:
        pass
    stated = re.search(r"Its name is\s+`([^`]+)`", doc).group(1)
    assert name(b, data) == stated, (name(b, data), stated)
    print("example ok")


def uuid7_now():
    return new_uuid7(int(time.time() * 1000).to_bytes(6, "big"))


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
    print(write_bundle(b, sk, out_dir))


def write_bundle(b, sk, out_dir):
    data = encode(b, sk)
    folder = os.path.join(out_dir, "inbox", b["kiosk"])
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name(b, data))
    with open(path, "wb") as f:
        f.write(data)
    return path


def forge_crisis(key_file, clinic_pk_file, out_dir, kiosk, questionnaire, subject="", items=None, authored=None,
                 lang=""):
    sk = base64.b64decode(open(key_file).read().strip())
    clinic_pk = base64.b64decode(open(clinic_pk_file).read().strip())
    if len(sk) != 64 or len(clinic_pk) != 32:
        raise ValueError("a kiosk.sk of 64 bytes and a sealing.pk of 32 bytes, base64")
    payload = {"q": questionnaire, "i": items if items is not None else ["44260-8"]}
    if lang:
        payload["l"] = lang
    if subject:
        payload["s"] = subject
    payload["t"] = authored or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    # ASCII JSON: control characters in the subject travel as \u escapes.
    plain = json.dumps(payload, separators=(",", ":")).encode()
    now = int(time.time() * 1000)
    rec = {"id": uuid7_now(), "kind": 2, "priority": 0, "boot": 0, "mono": 60000, "seq": 1, "dict": 0}
    rec["sealed"] = seal_bound(zstd_raw_frame(plain), kiosk, rec, clinic_pk)
    b = {"version": 2, "kiosk": kiosk, "generation": os.urandom(8), "seq": 1, "created": now, "mono": 61000,
         "boots": [os.urandom(16)], "own_boot": 0, "records": [rec]}
    path = write_bundle(b, sk, out_dir)
    check = parse(open(path, "rb").read())  # what we wrote parses and verifies
    nb.crypto_sign_open(check["sig"] + check["signed"], sk[32:])
    print(path)


def main(argv):
    if len(argv) >= 3 and argv[1] == "example":
        example(argv[2])
    elif len(argv) >= 5 and argv[1] == "resign":
        opts = argv[5:]
        kiosk = opts[opts.index("--kiosk") + 1] if "--kiosk" in opts else None
        seq = int(opts[opts.index("--seq") + 1]) if "--seq" in opts else None
        resign(argv[2], argv[3], argv[4], kiosk, "--new-ids" in opts, seq)
    elif len(argv) >= 5 and argv[1] == "forge-crisis":
        opts = argv[5:]

        def opt(flag, default=None):
            return opts[opts.index(flag) + 1] if flag in opts else default

        items = [opts[i + 1] for i, o in enumerate(opts) if o == "--item"] or None
        if opt("--kiosk") is None or opt("--questionnaire") is None:
            sys.exit(__doc__)
        forge_crisis(argv[2], argv[3], argv[4], opt("--kiosk"), opt("--questionnaire"), opt("--subject", ""), items,
                     opt("--time"), opt("--lang", ""))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
