# chip.sh — `tims epassport read` over PC/SC with no hardware: a private
# pcscd (its own socket and run directory, its own reader.conf.d with one
# vsmartcard-vpcd virtual reader, in a network namespace of its own) and the emulated chip
# tests/chip/vicc.py behind it, serving test documents made by
# tests/data/epass/mkpki.sh. Valid documents (RSA PKCS#1 v1.5, RSA-PSS,
# ECDSA brainpool with explicit parameters, RSA with DG15 and active
# authentication), then the attackers: the printed MRZ of another document
# (BAC refused), a chip whose DG2 was altered, a response with a bad MAC,
# a truncated DG2, a DG2 missing, a genuine chip behind a printed page of
# another document, a cloned chip (files copied, key not), a clone hiding
# DG15 — each refused, naming why. With --challenge (the post's, as the
# booth passes it on) the chip's answer is written out and verifies over
# that challenge. A pcscd that cannot start fails the test; nothing is skipped.
#
# pcscd 1.9.9 has its socket and pid file fixed under /run/pcscd
# (PCSCLITE_CSOCK_NAME moves only the client's side), so the private one
# runs in its own mount namespace with a directory of the test bound over
# /run (unshare -m, or unshare -Urm where that is refused): the system's /run and
# any system pcscd are never touched, and the client reaches the socket
# through PCSCLITE_CSOCK_NAME. vpcd listens for the card on every interface
# (its other mode, DEVICENAME host:port where vpcd connects to the card,
# aborts Debian 12's pcscd: "bit out of range 0 - FD_SETSIZE"), so pcscd
# and the emulated chip run in a network namespace of the test's own too
# (unshare -n): its loopback is the only interface they have, and the port
# is free there.
. tests/e2e/lib.sh
P="$T_TMP/pki"
MKPKI_CHIP=1 bash tests/data/epass/mkpki.sh "$P" >/dev/null
RUN="$T_TMP/run"; CONF="$T_TMP/reader.conf.d"; mkdir -p "$RUN" "$CONF"
PORT=35963
printf 'FRIENDLYNAME "TIMS test reader"\nDEVICENAME /dev/null:0x%X\nLIBPATH %s\nCHANNELID 0x%X\n' \
	"$PORT" /usr/lib/pcsc/drivers/serial/libifdvpcd.so "$PORT" >"$CONF/vpcd"
export PCSCLITE_CSOCK_NAME="$RUN/pcscd/pcscd.comm"
# root: mount and network namespaces; a user, or root without
# CAP_SYS_ADMIN (some containers): a user namespace that maps the caller
# to root as well
if unshare -mn --propagation private true 2>/dev/null; then NS=(unshare -mn --propagation private)
else NS=(unshare -Urmn --propagation private); fi
CFG="$T_TMP/chip.json"
# The emulated chip rereads CFG at every power-on or reset, whenever pcscd
# sends one: each document is written beside it and renamed over it, so the
# chip never reads a half-written file (it did once in CI, and died).
chip() { # chip SOD MODE [MRZ [DG2]]: the document the emulated chip holds
	printf '{"mrz":"%s","chip_mrz":"%s","sod":"%s","dg1":"%s","dg2":"%s","mode":"%s"}\n' \
		"$P/${3:-mrz.txt}" "$P/mrz-other.txt" "$P/$1" "$P/dg1.bin" "${4:-$P/dg2.bin}" "$2" >"$CFG.new" && mv -f "$CFG.new" "$CFG"
}
chip_aa() { # chip_aa MODE: the document with DG15 and the chip's key
	printf '{"mrz":"%s","chip_mrz":"%s","sod":"%s","dg1":"%s","dg2":"%s","dg15":"%s","aa_key":"%s","mode":"%s"}\n' \
		"$P/mrz.txt" "$P/mrz-other.txt" "$P/sod-aa.bin" "$P/dg1.bin" "$P/dg2.bin" "$P/dg15.bin" "$P/aa.key" "$1" >"$CFG.new" && mv -f "$CFG.new" "$CFG"
}
chip_aa_ec() { # chip_aa_ec MODE [SOD [DG14]]: an ECDSA key in DG15, its hash in DG14
	printf '{"mrz":"%s","chip_mrz":"%s","sod":"%s","dg1":"%s","dg2":"%s","dg14":"%s","dg15":"%s","aa_key":"%s","aa_hash":"sha256","mode":"%s"}\n' \
		"$P/mrz.txt" "$P/mrz-other.txt" "$P/${2:-sod-aa-ec.bin}" "$P/dg1.bin" "$P/dg2.bin" "${3-$P/dg14-ec.bin}" \
		"$P/dg15-ec.bin" "$P/aa-ec.key" "$1" >"$CFG.new" && mv -f "$CFG.new" "$CFG"
}
chip sod-rsa.bin ok
# the emulated chip (started in the namespace, reading CFG at every
# SELECT), then pcscd in the foreground
"${NS[@]}" sh -c 'ip link set lo up && mount --bind "$1" /run || exit 1
	/usr/bin/python3 tests/chip/vicc.py "$3" "$4" >"$5" 2>&1 &
	echo $! >"$6"
	exec /usr/sbin/pcscd --foreground --info --config "$2"' \
	pcscd "$RUN" "$CONF" "$PORT" "$CFG" "$T_TMP/vicc.log" "$T_TMP/vicc.pid" >"$T_TMP/pcscd.log" 2>&1 &
PIDS+=($!)
t_ok "private pcscd started (own mount and network namespaces, socket in the test's directory)" \
	wait_for 50 test -S "$PCSCLITE_CSOCK_NAME"
t_ok "pcscd loaded the vpcd reader on port $PORT of its namespace's loopback" \
	wait_line "$T_TMP/pcscd.log" "ifd-vpcd|Waiting for virtual ICC" 50
VICC=$(cat "$T_TMP/vicc.pid" 2>/dev/null)
PIDS+=($VICC)

READER="TIMS test reader 00 00"
R() { "$TIMS" epassport read --reader "$READER" "$@"; }
J() { R --json "$@" 2>"$T_TMP/err"; }
jget() { /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
errs='"; ".join(e["field"]+": "+e["message"] for e in d["errors"])'
card_in() { ! R --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem" 2>&1 | grep -q "no card"; }
t_ok "the emulated chip is in the virtual reader" wait_for 50 card_in

# --- valid documents -----------------------------------------------------------
out=$(J --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem" --out "$T_TMP/out"); rc=$?
t_eq "RSA document read with BAC and secure messaging, every check passed: exit 0" 0 "$rc"
t_eq "RSA: valid, chip read, the files read" "True True ['ef.com', 'ef.sod', 'dg1', 'dg2'] $READER" \
	"$(printf '%s' "$out" | jget 'str(d["valid"])+" "+str(d["chip"]["read"])+" "+str([f["name"] for f in d["chip"]["files"]])+" "+d["chip"]["reader"]')"
t_eq "RSA: DG1's MRZ against the printed one, and both data-group hashes" "True [(1, True), (2, True)]" \
	"$(printf '%s' "$out" | jget 'str([c["ok"] for c in d["checks"] if c["name"]=="mrz"][0])+" "+str([(g["number"],g["hash_ok"]) for g in d["data_groups"]])')"
t_ok "--out: EF.SOD, DG1, DG2 are the document's bytes" \
	bash -c "cmp '$T_TMP/out/ef.sod.bin' '$P/sod-rsa.bin' && cmp '$T_TMP/out/dg1.bin' '$P/dg1.bin' && cmp '$T_TMP/out/dg2.bin' '$P/dg2.bin'"
t_eq "--out: files of personal data are mode 0600" "600" "$(stat -c %a "$T_TMP/out/dg1.bin")"
t_status 2 "--out never writes over files already there" R --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem" --out "$T_TMP/out"
chip sod-pss.bin ok
t_status 0 "RSA-PSS document: exit 0" R --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem"
chip sod-bp.bin ok
out=$(J --mrz "$P/mrz.txt" --csca "$P/csca-bp.pem"); rc=$?
t_eq "ECDSA brainpoolP256r1 (explicit parameters) document: exit 0" "0 True" "$rc $(printf '%s' "$out" | jget 'str(d["valid"])')"
l1=$(sed -n 1p "$P/mrz.txt"); l2=$(sed -n 2p "$P/mrz.txt")
t_status 0 "--first and --mrz-line: the same chip" "$TIMS" epassport read --first --mrz-line "$l1" --mrz-line "$l2" --csca "$P/csca-bp.pem"
t_match "text output says how the chip was read" "read with BAC and secure messaging" \
	"$(R --mrz "$P/mrz.txt" --csca "$P/csca-bp.pem")"
t_status 1 "brainpool document against only the RSA CSCA: exit 1" R --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem"

t_eq "no DG15: active authentication said not offered, not claimed" "not offered (no DG15) False" \
	"$(J --mrz "$P/mrz.txt" --csca "$P/csca-bp.pem" | jget 'd["chip"]["active_authentication"]+" "+str(any(c["name"]=="active_authentication" for c in d["checks"]))')"
chip_aa ok
out=$(J --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem"); rc=$?
t_eq "document with DG15: read, active authentication verified, exit 0" "0 verified True ['ef.com', 'ef.sod', 'dg1', 'dg2', 'dg15']" \
	"$rc $(printf '%s' "$out" | jget 'd["chip"]["active_authentication"]+" "+str([c["ok"] for c in d["checks"] if c["name"]=="active_authentication"][0])+" "+str([f["name"] for f in d["chip"]["files"]])')"

# the booth's way: the challenge is the post's (POST /api/v1/chip/challenge),
# and the chip's answer goes on to the post with the files
out=$(J --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem" --challenge 00112233445566ff --out "$T_TMP/aaout"); rc=$?
t_eq "--challenge: the chip answered the post's challenge (--out aa-response.bin, --json aa_response), and the answer verifies over it with DG15's key" \
	"0 verified True True" "$rc $(printf '%s' "$out" | jget 'd["chip"]["active_authentication"]') $(printf '%s' "$out" | /usr/bin/python3 -c '
import base64, hashlib, json, sys
from cryptography.hazmat.primitives import serialization
d = json.load(sys.stdin); sig = open(sys.argv[2], "rb").read()
pub = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), None).public_key().public_numbers()
f = pow(int.from_bytes(sig, "big"), pub.e, pub.n).to_bytes(len(sig), "big")
print(base64.b64decode(d["chip"]["aa_response"]) == sig,
      f[0] == 0x6A and f[-1] == 0xBC and hashlib.sha1(f[1:-21] + bytes.fromhex("00112233445566ff")).digest() == f[-21:-1])
' "$P/aa.key" "$T_TMP/aaout/aa-response.bin")"
t_status 2 "--challenge that is not 16 hex digits: usage error" R --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem" --challenge 00112233

chip_aa_ec ok
out=$(J --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem"); rc=$?
t_eq "ECDSA P-256 in DG15, ecdsa-plain-SHA256 in DG14: active authentication verified, exit 0" \
	"0 verified True ['ef.com', 'ef.sod', 'dg1', 'dg2', 'dg14', 'dg15']" \
	"$rc $(printf '%s' "$out" | jget 'd["chip"]["active_authentication"]+" "+str([c["ok"] for c in d["checks"] if c["name"]=="active_authentication"][0])+" "+str([f["name"] for f in d["chip"]["files"]])')"

# --- attackers and failures --------------------------------------------------------
chip_aa_ec aa-clone
out=$(J --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem"); rc=$?
t_eq "cloned ECDSA chip (every file copied, DG15's key not): exit 1, failed" "1 failed" \
	"$rc $(printf '%s' "$out" | jget 'd["chip"]["active_authentication"]')"
t_match "cloned ECDSA chip: named" "aa: the chip's signature does not verify with DG15's key \(ECDSA, SHA2?-?256 of the challenge\): chip possibly cloned" \
	"$(printf '%s' "$out" | jget "$errs")"
chip_aa_ec ok sod-aa-ec-no14.bin ""
out=$(J --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem"); rc=$?
t_eq "ECDSA key and no DG14 (the SOD lists none): not verified, exit 1" "1 failed" \
	"$rc $(printf '%s' "$out" | jget 'd["chip"]["active_authentication"]')"
t_match "no DG14: named" "aa: DG15 holds an ECDSA key, and its hash is not known \(dg14: absent\): not verified" \
	"$(printf '%s' "$out" | jget "$errs")"
chip_aa aa-clone
out=$(J --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem"); rc=$?
t_eq "cloned chip (every file copied, DG15's key not): exit 1" "1 failed" "$rc $(printf '%s' "$out" | jget 'd["chip"]["active_authentication"]')"
t_match "cloned chip: named" "^aa: the chip's signature does not verify with DG15's key .*chip possibly cloned$" "$(printf '%s' "$out" | jget "$errs")"
chip_aa no-dg15
out=$(J --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem"); rc=$?
t_eq "clone hiding DG15 (absent, not in EF.COM; the SOD lists it): exit 1" 1 "$rc"
t_eq "hidden DG15: named" "dg15: not on the chip (SW 6A82)" "$(printf '%s' "$out" | jget "$errs")"

chip sod-rsa.bin wrong-mrz
out=$(J --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem"); rc=$?
t_eq "printed MRZ of another document (the chip's keys differ): exit 1" 1 "$rc"
t_match "BAC refused: named" "^bac: the chip refused the keys from the MRZ \(SW 6300\)" "$(printf '%s' "$out" | jget "$errs")"
t_eq "BAC refused: nothing read, the step named" "False bac []" \
	"$(printf '%s' "$out" | jget 'str(d["chip"]["read"])+" "+d["chip"]["step"]+" "+str(d["chip"]["files"])')"

chip sod-rsa.bin tampered-dg2
out=$(J --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem"); rc=$?
t_eq "chip serving an altered DG2 (photo swapped): exit 1" 1 "$rc"
t_eq "altered DG2: named by passive authentication" "dg2: hash does not match the security object" "$(printf '%s' "$out" | jget "$errs")"

chip sod-rsa.bin bad-mac
out=$(J --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem"); rc=$?
t_eq "a response with a bad MAC (injected or altered in the air): exit 1" 1 "$rc"
t_eq "bad MAC: named, the file given" "ef.sod: response MAC does not verify: secure messaging broken off" "$(printf '%s' "$out" | jget "$errs")"

chip sod-rsa.bin truncated
out=$(J --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem"); rc=$?
t_eq "DG2 shorter than its TLV says: exit 1" 1 "$rc"
t_match "truncated DG2: named" "^dg2: file ends at offset 1502, its TLV says 3004 bytes \(truncated\)" "$(printf '%s' "$out" | jget "$errs")"

chip sod-rsa.bin missing-dg2
out=$(J --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem"); rc=$?
t_eq "DG2 not on the chip: exit 1" 1 "$rc"
t_eq "missing DG2: named" "dg2: not on the chip (SW 6A82)" "$(printf '%s' "$out" | jget "$errs")"

chip sod-rsa.bin ok mrz-other.txt
out=$(J --mrz "$P/mrz-other.txt" --csca "$P/csca-rsa.pem"); rc=$?
t_eq "genuine chip behind the printed page of another document (BAC with that page's MRZ): exit 1" 1 "$rc"
t_match "MRZ mismatch: named" "mrz: DG1's MRZ differs from the printed MRZ" "$(printf '%s' "$out" | jget "$errs")"

# A DG2 of 70 000 bytes: its length in 4 bytes (75 83 01 11 70), read past
# offset 32767 with READ BINARY B1 (offset in DO'54'). The SOD hashes the
# 3 kB photo, so passive authentication refuses it: the read itself must
# bring every byte.
/usr/bin/python3 -c 'import sys; v=bytes((i*7+3)&255 for i in range(70000)); open(sys.argv[1],"wb").write(b"\x75\x83\x01\x11\x70"+v)' "$T_TMP/dg2-big.bin"
chip sod-rsa.bin ok mrz.txt "$T_TMP/dg2-big.bin"
out=$(J --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem" --out "$T_TMP/out-big"); rc=$?
t_ok "70 000-byte DG2 read whole, past offset 32767 (READ BINARY B1)" cmp "$T_TMP/out-big/dg2.bin" "$T_TMP/dg2-big.bin"
t_eq "70 000-byte DG2 not the one the SOD signs: exit 1, named by its hash" "1 dg2: hash does not match the security object" \
	"$rc $(printf '%s' "$out" | jget "$errs")"

# --- usage and the reader ------------------------------------------------------------
chip sod-rsa.bin ok
bad=$(sed '2s/^\(.\{19\}\)./\14/' "$P/mrz.txt" >"$T_TMP/mrz-bad.txt"; "$TIMS" epassport read --first --mrz "$T_TMP/mrz-bad.txt" --csca "$P/csca-rsa.pem" 2>&1); rc=$?
t_eq "misread printed MRZ (birth check digit): exit 2 before the chip is asked" 2 "$rc"
t_match "misread MRZ: named" "mrz: date of birth: check digit is 4, expected" "$bad"
out=$("$TIMS" epassport read --reader "No such reader" --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem" 2>&1); rc=$?
t_eq "unknown reader: exit 2" 2 "$rc"
t_match "unknown reader: named, with the readers there are" "reader 'No such reader' not found \(readers: '$READER'" "$out"
out=$(PCSCLITE_CSOCK_NAME=$T_TMP/none.comm "$TIMS" epassport read --first --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem" 2>&1); rc=$?
t_eq "no PC/SC service: exit 2" 2 "$rc"
t_match "no PC/SC service: named" "no PC/SC service" "$out"
t_status 2 "no --csca: exit 2" "$TIMS" epassport read --first --mrz "$P/mrz.txt"
if [ -n "${TIMS_ASAN:-}" ]; then
	chip_aa ok
	t_status 0 "ASan build: document with DG15 read, active authentication verified" "$TIMS_ASAN" epassport read --first --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem"
	chip sod-rsa.bin bad-mac
	t_status 1 "ASan build: bad MAC refused" "$TIMS_ASAN" epassport read --first --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem"
fi
# the chip taken out of the reader (the emulator stopped)
kill "$VICC"
no_card() { R --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem" 2>&1 | grep -q "no card"; }
wait_for 25 no_card
out=$(R --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem" 2>&1); rc=$?
t_eq "no card in the reader: exit 2" 2 "$rc"
t_match "no card: named, with the reader" "pcsc: $READER: no card in the reader" "$out"
t_match "--first with no card anywhere: named" "no card" "$("$TIMS" epassport read --first --mrz "$P/mrz.txt" --csca "$P/csca-rsa.pem" 2>&1)"
t_end
