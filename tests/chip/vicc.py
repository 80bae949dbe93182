#!/usr/bin/python3
"""vicc.py — an emulated e-passport chip behind vsmartcard's virtual reader.

It connects to vpcd (the pcscd driver of Debian's vsmartcard-vpcd) on
127.0.0.1:PORT and speaks its socket protocol: every message is a 2-byte
big-endian length and its bytes; a 1-byte message is a control (0 power
off, 1 power on, 2 reset: no answer; 4 the ATR: answered with it), any
other message is a command APDU answered with a response APDU.

The applet is the eMRTD application of ICAO Doc 9303 Part 11 as far as a
booth reads it: SELECT of the AID A0000002471001, BAC (GET CHALLENGE,
MUTUAL AUTHENTICATE with keys from the chip's MRZ), then only secure
messaging (3DES-CBC, ISO 9797-1 retail MAC; the MAC of every command
checked, SSC counted) for SELECT EF and READ BINARY (B0, and B1 with the
offset in DO'54' past 32767) of EF.COM, EF.SOD, DG1 and DG2. Plain commands after BAC are refused (6987), as a chip does.

The document is read from a JSON config file at every power-on and
SELECT of the application, so one
process serves the whole test and the test switches documents and attacks
by rewriting it:
  {"mrz": FILE, "sod": FILE, "dg1": FILE, "dg2": FILE, "mode": MODE}
MODE (the attacks the reader must refuse, each naming why):
  ok            a genuine chip
  wrong-mrz     the chip's BAC keys come from "chip_mrz" (another
                document's MRZ) instead of "mrz": BAC refused
  tampered-dg2  one byte of DG2 changed (the chip is genuine otherwise):
                passive authentication fails on DG2's hash
  bad-mac       the MAC of the first READ BINARY answer of EF.SOD is wrong
  truncated     DG2 cut after half its bytes: shorter than its TLV says
  missing-dg2   DG2 listed in EF.COM but not on the chip (6A82)
  aa-clone      DG15 and the SOD copied, but the chip signs the active-
                authentication challenge with a key of its own
  no-dg15       a clone that hides DG15 (absent, and not in EF.COM)
With "dg15" and "aa_key" in the config the chip answers INTERNAL
AUTHENTICATE (active authentication, ISO/IEC 9796-2 scheme 1, SHA-1).

Standard library plus python3-cryptography (Debian) for 3DES.
"""
import json
import os
import socket
import struct
import sys
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

ATR = bytes.fromhex("3B80800101")  # ISO 14443-4 card, T=1, no historical bytes, TCK 01
AID = bytes.fromhex("A0000002471001")
FIDS = {0x011E: "com", 0x011D: "sod", 0x0101: "dg1", 0x0102: "dg2", 0x010E: "dg14",
        0x010F: "dg15"}


def tdes(key, data, enc, cbc=True):
    c = Cipher(algorithms.TripleDES(key), modes.CBC(bytes(8)) if cbc else modes.ECB())
    x = c.encryptor() if enc else c.decryptor()
    return x.update(data) + x.finalize()


def pad(b):
    b = b + b"\x80"
    return b + bytes((8 - len(b) % 8) % 8)


def unpad(b):
    i = b.rstrip(b"\x00")
    if not i or i[-1] != 0x80:
        raise ValueError("padding")
    return i[:-1]


def mac(key, msg):
    """ISO 9797-1 MAC algorithm 3 (retail MAC), padding method 2."""
    m = pad(msg)
    k1, k2 = key[:8], key[8:16]
    h = bytes(8)
    for i in range(0, len(m), 8):
        h = tdes(k1, bytes(a ^ b for a, b in zip(h, m[i:i + 8])), True, cbc=False)
    h = tdes(k2, h, False, cbc=False)
    return tdes(k1, h, True, cbc=False)


def kdf(seed, c):
    import hashlib
    d = hashlib.sha1(seed + struct.pack(">I", c)).digest()[:16]
    out = bytearray()
    for b in d:
        b &= 0xFE
        out.append(b | (bin(b).count("1") % 2 == 0))
    return bytes(out)


def mrz_info(path):
    text = "".join(open(path).read().split())
    l2 = text[len(text) // 2:]
    return (l2[0:10] + l2[13:20] + l2[21:28]).encode()


def ber_len(n):
    if n < 0x80:
        return bytes([n])
    if n < 0x100:
        return bytes([0x81, n])
    return bytes([0x82, n >> 8, n & 0xFF])


def tlv(tag, v):
    return bytes([tag]) + ber_len(len(v)) + v


class Chip:
    def __init__(self, config):
        self.config = config
        self.load()

    def load(self):
        import hashlib
        c = json.load(open(self.config))
        self.mode = c.get("mode", "ok")
        keys_from = c["chip_mrz"] if self.mode == "wrong-mrz" else c["mrz"]
        seed = hashlib.sha1(mrz_info(keys_from)).digest()[:16]
        self.kenc, self.kmac = kdf(seed, 1), kdf(seed, 2)
        self.files = {n: open(c[n], "rb").read() for n in ("sod", "dg1", "dg2", "dg14", "dg15")
                      if c.get(n)}
        self.aa_key = None
        if c.get("aa_key"):
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import ec, rsa
            self.aa_key = serialization.load_pem_private_key(open(c["aa_key"], "rb").read(), None)
            self.aa_hash = c.get("aa_hash", "sha256")  # ECDSA: what DG14 names
            if self.mode == "aa-clone":  # a copy of the files, not of the key
                if isinstance(self.aa_key, ec.EllipticCurvePrivateKey):
                    self.aa_key = ec.generate_private_key(self.aa_key.curve)
                else:
                    self.aa_key = rsa.generate_private_key(65537, self.aa_key.key_size)
        if self.mode == "tampered-dg2":
            d = bytearray(self.files["dg2"])
            d[len(d) // 2] ^= 0x01
            self.files["dg2"] = bytes(d)
        if self.mode == "truncated":
            self.files["dg2"] = self.files["dg2"][:len(self.files["dg2"]) // 2]
        # EF.COM: LDS 1.7, Unicode 4.0.0, the tags of DG1 and DG2
        if self.mode == "no-dg15":  # a clone hiding DG15 (EF.COM too)
            self.files.pop("dg15", None)
        tags = (b"\x61\x75" + (b"\x6E" if "dg14" in self.files else b"") +
                (b"\x6F" if "dg15" in self.files else b""))
        self.files["com"] = tlv(0x60, bytes.fromhex("5F0104") + b"0107" +
                                bytes.fromhex("5F3606") + b"040000" + tlv(0x5C, tags))
        if self.mode == "missing-dg2":
            del self.files["dg2"]
        self.selected_app = False
        self.rnd_ic = None
        self.ks = None
        self.cur = None
        self.sod_reads = 0

    # --- plain APDUs -----------------------------------------------------------
    def apdu(self, c):
        if len(c) < 4:
            return b"\x67\x00"
        cla, ins, p1, p2 = c[:4]
        if self.ks is not None:
            if cla & 0x0C != 0x0C:
                self.ks = None  # a plain command ends the session
                return b"\x69\x87"
            return self.sm(c)
        if ins == 0xA4 and p1 == 0x04:
            if c[5:5 + c[4]] == AID:
                self.load()  # a new session: the test may have changed the document
                self.selected_app = True
                return b"\x90\x00"
            return b"\x6A\x82"
        if not self.selected_app:
            return b"\x69\x85"
        if ins == 0x84:
            self.rnd_ic = os.urandom(8)
            return self.rnd_ic + b"\x90\x00"
        if ins == 0x82:
            data = c[5:5 + c[4]] if len(c) > 5 else b""
            if self.rnd_ic is None or len(data) != 40:
                return b"\x69\x85"
            e, m = data[:32], data[32:]
            if mac(self.kmac, e) != m:
                self.rnd_ic = None
                return b"\x63\x00"
            s = tdes(self.kenc, e, False)
            rnd_ifd, rnd_ic, k_ifd = s[:8], s[8:16], s[16:]
            if rnd_ic != self.rnd_ic:
                self.rnd_ic = None
                return b"\x63\x00"
            k_ic = os.urandom(16)
            r = tdes(self.kenc, rnd_ic + rnd_ifd + k_ic, True)
            seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic))
            self.ks = (kdf(seed, 1), kdf(seed, 2))
            self.ssc = int.from_bytes(rnd_ic[4:] + rnd_ifd[4:], "big")
            return r + mac(self.kmac, r) + b"\x90\x00"
        if ins in (0xA4, 0xB0):
            return b"\x69\x82"  # files need BAC
        return b"\x6D\x00"

    # --- secure messaging -------------------------------------------------------
    def sm(self, c):
        kenc, kmac = self.ks
        self.ssc = (self.ssc + 1) % (1 << 64)
        hdr = c[:4]
        if len(c) < 5:
            return self.fail()
        if c[4] == 0 and len(c) > 7:  # extended Lc
            lc = c[5] << 8 | c[6]
            body = c[7:7 + lc]
        else:
            body = c[5:5 + c[4]]
        objs, i = {}, 0
        raw87 = raw97 = b""
        while i < len(body):
            tag = body[i]
            ln = body[i + 1]
            j = i + 2
            if ln == 0x81:
                ln, j = body[i + 2], i + 3
            elif ln == 0x82:
                ln, j = body[i + 2] << 8 | body[i + 3], i + 4
            objs[tag] = body[j:j + ln]
            if tag in (0x87, 0x85):
                raw87 = body[i:j + ln]
            if tag == 0x97:
                raw97 = body[i:j + ln]
            i = j + ln
        if 0x8E not in objs:
            return self.fail()
        n = self.ssc.to_bytes(8, "big") + pad(bytes(hdr)) + raw87 + raw97
        if mac(kmac, n) != objs[0x8E]:
            return self.fail()
        if 0x87 in objs:
            data = unpad(tdes(kenc, objs[0x87][1:], False))
        elif 0x85 in objs:  # odd INS: BER-TLV data, no padding indicator
            data = unpad(tdes(kenc, objs[0x85], False))
        else:
            data = b""
        le = 0
        if 0x97 in objs:
            le = int.from_bytes(objs[0x97], "big") or (256 if len(objs[0x97]) == 1 else 65536)
        ins, p1, p2 = hdr[1], hdr[2], hdr[3]
        out, sw = b"", b"\x90\x00"
        if ins == 0xA4 and p1 == 0x02:
            fid = int.from_bytes(data, "big")
            name = FIDS.get(fid)
            if name in self.files:
                self.cur = name
            else:
                self.cur, sw = None, b"\x6A\x82"
        elif ins == 0xB0:
            off = p1 << 8 | p2
            if self.cur is None:
                sw = b"\x69\x86"
            else:
                f = self.files[self.cur]
                if off >= len(f):
                    sw = b"\x6B\x00"
                else:
                    out = f[off:off + le]
                    if len(out) < le:
                        sw = b"\x62\x82"
        elif ins == 0x88:  # INTERNAL AUTHENTICATE: active authentication
            if self.aa_key is None or "dg15" not in self.files or len(data) != 8:
                sw = b"\x6D\x00" if self.aa_key is None else b"\x67\x00"
            else:
                out = self.aa_sign(data)
        elif ins == 0xB1:  # offset in DO'54', the bytes back in DO'53'
            if self.cur is None or len(data) < 3 or data[0] != 0x54 or data[1] != len(data) - 2:
                sw = b"\x6A\x80" if self.cur else b"\x69\x86"
            else:
                off = int.from_bytes(data[2:], "big")
                f = self.files[self.cur]
                if off >= len(f):
                    sw = b"\x6B\x00"
                else:
                    want = le - (2 if le - 2 < 0x80 else 3)
                    chunk = f[off:off + want]
                    out = tlv(0x53, chunk)
                    if len(chunk) < want:
                        sw = b"\x62\x82"
        else:
            sw = b"\x6D\x00"
        return self.protect(out, sw, odd=ins & 1,
                            corrupt=(ins == 0xB0 and self.cur == "sod" and self.count_sod()))

    def aa_sign(self, rnd):
        """RSA: ISO/IEC 9796-2 scheme 1, partial recovery, SHA-1 (trailer
        BC). ECDSA: the plain signature r || s (BSI TR-03111) with aa_hash."""
        import hashlib
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec, utils
        if isinstance(self.aa_key, ec.EllipticCurvePrivateKey):
            md = {"sha1": hashes.SHA1(), "sha256": hashes.SHA256(), "sha384": hashes.SHA384(),
                  "sha512": hashes.SHA512()}[self.aa_hash]
            r, s = utils.decode_dss_signature(self.aa_key.sign(rnd, ec.ECDSA(md)))
            fl = (self.aa_key.curve.key_size + 7) // 8
            return r.to_bytes(fl, "big") + s.to_bytes(fl, "big")
        pn = self.aa_key.private_numbers()
        n, d = pn.public_numbers.n, pn.d
        k = (n.bit_length() + 7) // 8
        m1 = os.urandom(k - 22)
        f = b"\x6A" + m1 + hashlib.sha1(m1 + rnd).digest() + b"\xBC"
        return pow(int.from_bytes(f, "big"), d, n).to_bytes(k, "big")

    def count_sod(self):
        self.sod_reads += 1
        return self.mode == "bad-mac" and self.sod_reads == 1

    def protect(self, data, sw, odd=False, corrupt=False):
        kenc, kmac = self.ks
        self.ssc = (self.ssc + 1) % (1 << 64)
        do87 = b""
        if data and odd:
            ct = tdes(kenc, pad(data), True)
            do87 = bytes([0x85]) + ber_len(len(ct)) + ct
        elif data:
            ct = tdes(kenc, pad(data), True)
            do87 = bytes([0x87]) + ber_len(len(ct) + 1) + b"\x01" + ct
        do99 = b"\x99\x02" + sw
        m = mac(kmac, self.ssc.to_bytes(8, "big") + do87 + do99)
        if corrupt:
            m = m[:7] + bytes([m[7] ^ 0xFF])
        return do87 + do99 + b"\x8E\x08" + m + sw

    def fail(self):
        self.ks = None
        return b"\x69\x88"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: vicc.py PORT CONFIG.json")
    port, config = int(sys.argv[1]), sys.argv[2]
    chip = Chip(config)
    for _ in range(100):  # vpcd listens once pcscd has loaded its driver
        try:
            s = socket.create_connection(("127.0.0.1", port))
            break
        except OSError:
            time.sleep(0.1)
    else:
        sys.exit("vicc: vpcd not listening on 127.0.0.1:%d" % port)

    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def recv(n):
        b = b""
        while len(b) < n:
            # vpcd writes the length and the APDU separately: without a
            # quick ACK, Nagle on its side waits for our delayed ACK
            # (40 ms an APDU)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            x = s.recv(n - len(b))
            if not x:
                sys.exit(0)
            b += x
        return b

    def send(b):
        s.sendall(struct.pack(">H", len(b)) + b)

    while True:
        (n,) = struct.unpack(">H", recv(2))
        msg = recv(n)
        if n == 1:
            if msg[0] in (0, 1, 2):
                chip.load()  # power off / on / reset: a fresh chip, the config reread
            elif msg[0] == 4:
                send(ATR)
            continue
        try:
            send(chip.apdu(msg))
        except (ValueError, IndexError, KeyError):
            chip.ks = None
            send(b"\x69\x88")


if __name__ == "__main__":
    main()
