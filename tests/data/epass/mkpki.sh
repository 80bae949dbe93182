#!/usr/bin/env bash
# mkpki.sh OUTDIR — a test e-passport PKI and test documents, made at test
# time with the openssl command (no private key is committed).
#
# States: "NL" (ISO alpha-2; the MRZ says NLD). The traveller is made up.
#   csca-rsa      CSCA, RSA-2048, self-signed, pathlen:0
#   csca-bp       CSCA, ECDSA brainpoolP256r1 with EXPLICIT curve parameters
#   csca2         the next RSA CSCA; link.pem = its link certificate, issued
#                 by csca-rsa (same key as csca2, pathlen:0)
#   csca-evil     a self-made CSCA with the very name of csca-rsa (forger)
#   ls, ls-evil   master list signers issued by csca-rsa / csca-evil
#   ds-*          Document Signers: rsa (PKCS#1 v1.5), pss (RSA-PSS, signer
#                 by SKI), bp (brainpool explicit), link (under csca2),
#                 revoked (in crl.pem), forged (under csca-evil)
#   csca-rsa-b    csca-rsa after a key rollover: the same name, a new key
#   crl.pem       csca-rsa's CRL revoking ds-revoked; crl-b.pem the same
#                 signed by csca-rsa-b, crl-evil.pem by csca-evil
#   ml.der        CscaMasterList {csca-rsa, csca-bp, link} signed by ls
#   ml-badsig.der ml.der with its signature's last byte changed
#   ml-evil.der   CscaMasterList {csca-evil} signed by ls-evil
#   dg1.bin dg2.bin         DG1 (MRZ of mrz.txt) and DG2 (3000 bytes)
#   dg1-bel.bin             DG1 of a document whose MRZ says BEL
#   dg2-face.bin  DG2 as a real chip holds it: the biometric template
#                 (0x7F61/0x7F60, ISO 19794-5 facial record) around an 8x8
#                 grey baseline JPEG made here; sod-face.bin (ds-rsa) and
#                 sod-face-bp.bin (ds-bp) sign DG1 and it (the booth tests)
#   ds-p256       ECDSA P-256, named curve, under csca-bp; sod-p256.bin is
#                 signed with SHA-384 over an LDS object of SHA-512 hashes
#   ds-curve      brainpool's curve with another generator (2G), explicit:
#                 not a named curve, to be refused
#   aa.key, dg15.bin        the chip's active-authentication key (RSA-1024)
#                 and DG15 with its public key; sod-aa.bin signs DG1, DG2
#                 and DG15 (ds-rsa)
#   aa-ec.key, dg15-ec.bin, dg14-ec.bin   the same with ECDSA P-256, DG14
#                 naming ecdsa-plain-SHA256; sod-aa-ec.bin signs DG1, DG2,
#                 DG14, DG15; sod-aa-ec-no14.bin DG1, DG2, DG15 only
#   sod-{rsa,pss,bp,link,revoked,forged,state,curve}.bin   EF.SOD (tag 0x77);
#                 sod-rsa's SignerInfo names its issuer with the attributes
#                 in reverse order; sod-wrongname the same with one letter
#                 of the CN changed; sod-state hashes dg1-bel.bin
set -euo pipefail
out=${1:?usage: mkpki.sh OUTDIR}
mkdir -p "$out"
cd "$out"
PY=/usr/bin/python3
exec 3>&2 2>mkpki.log

ext() { # name, then lines
	local f=$1; shift
	printf '%s\n' "$@" >"$f"
}
ext ca.ext "basicConstraints=critical,CA:TRUE,pathlen:0" "keyUsage=critical,keyCertSign,cRLSign" \
	"subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid:always"
ext ds.ext "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
	"subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid:always"
ext ls.ext "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
	"subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid:always"
ext self.ext "basicConstraints=critical,CA:TRUE,pathlen:0" "keyUsage=critical,keyCertSign,cRLSign" \
	"subjectKeyIdentifier=hash"

rsa() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key"; }
bp() { openssl ecparam -name brainpoolP256r1 -param_enc explicit -genkey -noout -out "$1.key"; }
selfsign() { # name subject
	openssl req -new -x509 -key "$1.key" -subj "$2" -days 3650 -sha256 \
		-set_serial "0x$(openssl rand -hex 8)" -extensions v3 \
		-config <(printf '[req]\ndistinguished_name=dn\n[dn]\n[v3]\n'; cat self.ext) -out "$1.pem"
}
issue() { # name subject issuer extfile days
	openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
	openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -days "$5" -sha256 \
		-set_serial "0x$(openssl rand -hex 8)" -extfile "$4" -out "$1.pem"
}

rsa csca-rsa; selfsign csca-rsa "/C=NL/O=Test State/CN=Test CSCA RSA"
bp csca-bp; selfsign csca-bp "/C=NL/O=Test State/CN=Test CSCA BP"
# MKPKI_CHIP=1 (tests/e2e/chip.sh): only what the emulated chip serves —
# csca-rsa, csca-bp, ds-rsa/ds-pss/ds-bp, the data groups, aa.key and
# sod-{rsa,wrongname,pss,bp,aa}.bin — at a third of the cost.
full() { [ -z "${MKPKI_CHIP:-}" ]; }
if full; then
rsa csca2; selfsign csca2 "/C=NL/O=Test State/CN=Test CSCA RSA 2"
cp csca2.key link.key; issue link "/C=NL/O=Test State/CN=Test CSCA RSA 2" csca-rsa ca.ext 3650
rsa csca-evil; selfsign csca-evil "/C=NL/O=Test State/CN=Test CSCA RSA"
rsa csca-rsa-b; selfsign csca-rsa-b "/C=NL/O=Test State/CN=Test CSCA RSA"

rsa ls; issue ls "/C=NL/O=Test State/CN=Test Master List Signer" csca-rsa ls.ext 1095
rsa ls-evil; issue ls-evil "/C=NL/O=Test State/CN=Test Master List Signer" csca-evil ls.ext 1095
fi

rsa ds-rsa; issue ds-rsa "/C=NL/O=Test State/OU=Passports/CN=Test DS RSA" csca-rsa ds.ext 1095
cp ds-rsa.key ds-pss.key; cp ds-rsa.pem ds-pss.pem
bp ds-bp; issue ds-bp "/C=NL/O=Test State/OU=Passports/CN=Test DS BP" csca-bp ds.ext 1095
if full; then
# ds-curve: brainpoolP256r1's curve with the generator 2G spelled out as
# explicit parameters: a real curve that is not the named one (the
# CVE-2020-0601 kind of key); the verifier must refuse it.
$PY - <<'PYEOF'
import re, subprocess
t = subprocess.run(["openssl", "ecparam", "-name", "brainpoolP256r1", "-param_enc", "explicit",
                    "-text", "-noout"], capture_output=True, text=True, check=True).stdout
def field(name):
    m = re.search(name + r"[^\n]*\n((?:\s+[0-9a-f:]+\n)+)", t)
    return bytes.fromhex(re.sub(r"[\s:]", "", m.group(1)))
p = int.from_bytes(field("Prime:"), "big"); a = int.from_bytes(field("A:"), "big")
G = field(r"Generator \(uncompressed\):")
x, y = int.from_bytes(G[1:33], "big"), int.from_bytes(G[33:], "big")
l = (3 * x * x + a) * pow(2 * y, -1, p) % p
x2 = (l * l - 2 * x) % p; y2 = (l * (x - x2) - y) % p
der = subprocess.run(["openssl", "ecparam", "-name", "brainpoolP256r1", "-param_enc", "explicit",
                      "-outform", "DER"], capture_output=True, check=True).stdout
assert der.count(G) == 1
open("curve2g.der", "wb").write(der.replace(G, b"\x04" + x2.to_bytes(32, "big") + y2.to_bytes(32, "big")))
PYEOF
openssl ecparam -inform DER -in curve2g.der -genkey -noout -out ds-curve.key
issue ds-curve "/C=NL/O=Test State/OU=Passports/CN=Test DS Odd Curve" csca-bp ds.ext 1095
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out ds-p256.key
issue ds-p256 "/C=NL/O=Test State/OU=Passports/CN=Test DS P-256" csca-bp ds.ext 1095
rsa ds-link; cp csca2.key csca2-l.key
issue ds-link "/C=NL/O=Test State/OU=Passports/CN=Test DS Link" csca2 ds.ext 1095
rsa ds-revoked; issue ds-revoked "/C=NL/O=Test State/OU=Passports/CN=Test DS Revoked" csca-rsa ds.ext 1095
rsa ds-forged; issue ds-forged "/C=NL/O=Test State/OU=Passports/CN=Test DS RSA" csca-evil ds.ext 1095

# The CRL: openssl ca over a one-line index (the revoked DS).
serial=$(openssl x509 -in ds-revoked.pem -noout -serial | cut -d= -f2)
mkdir -p ca; : >ca/index.txt
printf 'R\t%s\t%s\t%s\tunknown\t%s\n' "$(date -u -d '+3 years' +%y%m%d%H%M%SZ)" \
	"$(date -u -d '-1 day' +%y%m%d%H%M%SZ)" "$serial" \
	"/C=NL/O=Test State/OU=Passports/CN=Test DS Revoked" >ca/index.txt
cat >ca.cnf <<CNF
[ca]
default_ca=c
[c]
database=ca/index.txt
crlnumber=ca/crlnumber
default_md=sha256
default_crl_days=60
CNF
echo 01 >ca/crlnumber
openssl ca -config ca.cnf -gencrl -cert csca-rsa.pem -keyfile csca-rsa.key -out crl.pem
openssl ca -config ca.cnf -gencrl -cert csca-rsa-b.pem -keyfile csca-rsa-b.key -out crl-b.pem
openssl ca -config ca.cnf -gencrl -cert csca-evil.pem -keyfile csca-evil.key -out crl-evil.pem
fi

# The chip's active-authentication key (DG15 holds its public half).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out aa.key
openssl pkey -in aa.key -pubout -outform DER -out aa-pub.der
# ... and an ECDSA one (P-256; DG14 names its hash, ecdsa-plain-SHA256)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out aa-ec.key
openssl pkey -in aa-ec.key -pubout -outform DER -out aa-ec-pub.der

# Data groups, the security objects, the SODs, the master lists.
$PY - <<'PYEOF'
import hashlib, os, subprocess

def tlv(tag, v):
    n = len(v)
    if n < 0x80: l = bytes([n])
    elif n < 0x100: l = bytes([0x81, n])
    elif n < 0x10000: l = bytes([0x82, n >> 8, n & 0xFF])
    else: l = bytes([0x83, n >> 16, (n >> 8) & 0xFF, n & 0xFF])
    return bytes(tag) + l + v

def cd(s):
    w = [7, 3, 1]; t = 0
    for i, ch in enumerate(s):
        v = 0 if ch == '<' else (ord(ch) - 48 if ch.isdigit() else ord(ch) - 55)
        t += v * w[i % 3]
    return str(t % 10)

def td3(state, surname, given, num, birth, sex, expiry):
    l1 = ("P<" + state + surname + "<<" + given).ljust(44, "<")
    num = num.ljust(9, "<")
    opt = "<" * 14
    body = num + cd(num) + state + birth + cd(birth) + sex + expiry + cd(expiry) + opt + cd(opt)
    comp = body[0:10] + body[13:20] + body[21:43]
    return l1, body + cd(comp)

def dg1(lines):
    return tlv([0x61], tlv([0x5F, 0x1F], "".join(lines).encode()))

def der_int(n):
    return tlv([0x02], n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big"))

OIDS = {"sha256": "0609608648016503040201", "sha512": "0609608648016503040203"}
def lds(groups, alg="sha256"):
    hs = b"".join(tlv([0x30], der_int(n) + tlv([0x04], hashlib.new(alg, d).digest())) for n, d in groups)
    return tlv([0x30], der_int(0) + tlv([0x30], bytes.fromhex(OIDS[alg]) + b"\x05\x00") + tlv([0x30], hs))

nld = td3("NLD", "TESTER", "EPASS<SAMPLE", "XT1234567", "900101", "F", "350101")
other = td3("NLD", "TESTER", "EPASS<SAMPLE", "XT7654321", "900101", "F", "350101")
bel = td3("BEL", "TESTER", "EPASS<SAMPLE", "XT1234567", "900101", "F", "350101")
open("mrz.txt", "w").write("\n".join(nld) + "\n")
open("mrz-other.txt", "w").write("\n".join(other) + "\n")
d1, d1b = dg1(nld), dg1(bel)
d2 = tlv([0x75], bytes((i * 37 + 11) & 0xFF for i in range(3000)))
open("dg1.bin", "wb").write(d1); open("dg1-bel.bin", "wb").write(d1b)
open("dg2.bin", "wb").write(d2)
open("lds.der", "wb").write(lds([(1, d1), (2, d2)]))
open("lds-bel.der", "wb").write(lds([(1, d1b), (2, d2)]))
open("lds-sha512.der", "wb").write(lds([(1, d1), (2, d2)], "sha512"))

def cms_sign(inp, out, signer, ectype, extra=(), md="sha256"):
    subprocess.run(["openssl", "cms", "-sign", "-binary", "-nodetach", "-outform", "DER",
                    "-nosmimecap", "-md", md, "-econtent_type", ectype, "-in", inp,
                    "-signer", signer + ".pem", "-inkey", signer + ".key", "-out", out] + list(extra),
                   check=True)

def read_tlv(b, i):
    t = b[i]; j = i + 1
    l = b[j]; j += 1
    if l & 0x80:
        k = l & 0x7F; l = int.from_bytes(b[j:j + k], "big"); j += k
    return t, j, j + l   # tag, value start, end

def issuer_name(pem):
    der = subprocess.run(["openssl", "x509", "-in", pem, "-outform", "DER"], check=True,
                         capture_output=True).stdout
    _, s, _ = read_tlv(der, 0)          # Certificate
    _, s, e = read_tlv(der, s)          # tbsCertificate
    i = s
    parts = []
    while i < e and len(parts) < 4:
        t, vs, ve = read_tlv(der, i); parts.append((t, i, ve)); i = ve
    t, a, b = parts[3] if parts[0][0] == 0xA0 else parts[2]
    return der[a:b]

def reordered(name):
    _, s, e = read_tlv(name, 0)
    rdns = []; i = s
    while i < e:
        _, _, ve = read_tlv(name, i); rdns.append(name[i:ve]); i = ve
    return name[:s] + b"".join(reversed(rdns))

def sod(lds_file, ds, out, extra=(), reorder=False, md="sha256", alter=False):
    cms_sign(lds_file, out + ".cms", ds, "2.23.136.1.1.1", extra, md)
    c = open(out + ".cms", "rb").read()
    if reorder:
        nm = issuer_name(ds + ".pem"); k = c.rfind(nm)
        assert k > 0 and reordered(nm) != nm
        new = reordered(nm)
        if alter:   # the same attributes reordered, but one letter changed
            new = new.replace(b"Test CSCA RSA", b"Test CSCA RSB")
        c = c[:k] + new + c[k + len(nm):]
    open(out, "wb").write(tlv([0x77], c))

sod("lds.der", "ds-rsa", "sod-rsa.bin", reorder=True)
sod("lds.der", "ds-rsa", "sod-wrongname.bin", reorder=True, alter=True)
sod("lds.der", "ds-pss", "sod-pss.bin", ["-keyid", "-keyopt", "rsa_padding_mode:pss"])
sod("lds.der", "ds-bp", "sod-bp.bin")
FULL = not os.environ.get("MKPKI_CHIP")
if FULL:
    sod("lds.der", "ds-link", "sod-link.bin")
    sod("lds.der", "ds-revoked", "sod-revoked.bin")
    sod("lds.der", "ds-forged", "sod-forged.bin")
    sod("lds.der", "ds-curve", "sod-curve.bin")
    sod("lds-sha512.der", "ds-p256", "sod-p256.bin", md="sha384")
    sod("lds-bel.der", "ds-rsa", "sod-state.bin")
d15 = tlv([0x6F], open("aa-pub.der", "rb").read())
open("dg15.bin", "wb").write(d15)
open("lds-aa.der", "wb").write(lds([(1, d1), (2, d2), (15, d15)]))
sod("lds-aa.der", "ds-rsa", "sod-aa.bin")

# An 8x8 grey baseline JPEG: one block, DC difference 0 (mid grey), every
# AC coefficient zero; one-symbol Huffman tables (code "0"), so the scan
# is the bits 0 (DC category 0) and 0 (end of block), padded with 1s.
def seg(marker, body):
    return bytes([0xFF, marker]) + (len(body) + 2).to_bytes(2, "big") + body
jpeg = (b"\xFF\xD8" + seg(0xDB, b"\x00" + b"\x01" * 64) +
        seg(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00") +
        seg(0xC4, b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00") +
        seg(0xC4, b"\x10" + b"\x01" + b"\x00" * 15 + b"\x00") +
        seg(0xDA, b"\x01\x01\x00\x00\x3F\x00") + b"\x3F" + b"\xFF\xD9")
open("face.jpg", "wb").write(jpeg)
# ISO 19794-5: facial record header, one face: information (20 bytes, no
# feature point), image information (full frontal, JPEG, 8x8), the image.
info = bytes([1, 0]) + (8).to_bytes(2, "big") + (8).to_bytes(2, "big") + bytes([1, 2, 0, 0, 0, 0])
fblock = (20 + 12 + len(jpeg)).to_bytes(4, "big") + b"\x00\x00" + b"\x00" * 14 + info + jpeg
fac = b"FAC\x00" + b"010\x00" + (14 + len(fblock)).to_bytes(4, "big") + b"\x00\x01" + fblock
bht = tlv([0xA1], tlv([0x80], b"\x01\x01") + tlv([0x87], b"\x01\x01") + tlv([0x88], b"\x00\x08"))
d2f = tlv([0x75], tlv([0x7F, 0x61], tlv([0x02], b"\x01") + tlv([0x7F, 0x60], bht + tlv([0x5F, 0x2E], fac))))
open("dg2-face.bin", "wb").write(d2f)
open("lds-face.der", "wb").write(lds([(1, d1), (2, d2f)]))
sod("lds-face.der", "ds-rsa", "sod-face.bin")
sod("lds-face.der", "ds-bp", "sod-face-bp.bin")
# ECDSA active authentication: DG14 with an ActiveAuthenticationInfo
# { id-icao-mrtd-security-aaProtocolObject, 1, ecdsa-plain-SHA256 }, DG15
# the EC key; sod-aa-ec.bin signs DG1, DG2, DG14, DG15; sod-aa-ec-no14.bin
# a document that left DG14 out
aainfo = tlv([0x30], tlv([0x06], bytes.fromhex("678108010105")) + der_int(1) +
             tlv([0x06], bytes.fromhex("04007F0007010104010" + "3")))
d14 = tlv([0x6E], tlv([0x31], aainfo))
open("dg14-ec.bin", "wb").write(d14)
d15e = tlv([0x6F], open("aa-ec-pub.der", "rb").read())
open("dg15-ec.bin", "wb").write(d15e)
open("lds-aa-ec.der", "wb").write(lds([(1, d1), (2, d2), (14, d14), (15, d15e)]))
sod("lds-aa-ec.der", "ds-rsa", "sod-aa-ec.bin")
open("lds-aa-ec-no14.der", "wb").write(lds([(1, d1), (2, d2), (15, d15e)]))
sod("lds-aa-ec-no14.der", "ds-rsa", "sod-aa-ec-no14.bin")

def pem_der(p):
    return subprocess.run(["openssl", "x509", "-in", p, "-outform", "DER"], check=True,
                          capture_output=True).stdout

def master_list(certs, signer, out):
    body = der_int(0) + tlv([0x31], b"".join(sorted(pem_der(c) for c in certs)))
    open(out + ".content", "wb").write(tlv([0x30], body))
    cms_sign(out + ".content", out, signer, "2.23.136.1.1.2")

if FULL:
    master_list(["csca-rsa.pem", "csca-bp.pem", "link.pem"], "ls", "ml.der")
    master_list(["csca-evil.pem"], "ls-evil", "ml-evil.der")
    b = bytearray(open("ml.der", "rb").read()); b[-1] ^= 0x01
    open("ml-badsig.der", "wb").write(bytes(b))
PYEOF
exec 2>&3
echo "mkpki: test PKI in $out"
