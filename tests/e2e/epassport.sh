# epassport.sh — `tims epassport verify` (passive authentication, ICAO Doc
# 9303) over documents made here by tests/data/epass/mkpki.sh: valid ones of
# each signature kind (RSA PKCS#1 v1.5 with the issuer name reordered,
# RSA-PSS with the signer by SKI, ECDSA brainpool with explicit parameters,
# a DS under a link certificate), and the attackers: a forged chip (a
# self-made CSCA with the real one's name), an altered DG2 photo, a revoked
# signer, a master list swapped for one signed by someone else, a master
# list with a bad signature, an expired signer, an MRZ swapped for another
# document's, a DG1 of another state, garbage and oversized files.
. tests/e2e/lib.sh
P="$T_TMP/pki"
bash tests/data/epass/mkpki.sh "$P" >/dev/null
V() { "$TIMS" epassport verify "$@"; }
J() { V --json "$@" 2>/dev/null; }
# jq-like: field EXPR of the JSON on stdin
jget() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
errs='"; ".join(e["field"]+": "+e["message"] for e in d["errors"])'

cd "$P"
t_status 0 "the test traveller's printed MRZ is a valid TD3 (tims mrz)" env TIMS_TODAY=2026-01-01 "$TIMS" mrz mrz.txt
# --- valid documents --------------------------------------------------------
t_status 0 "RSA PKCS#1 v1.5, issuer name in another order: exit 0" V --csca csca-rsa.pem --mrz mrz.txt sod-rsa.bin dg1.bin dg2.bin
out=$(J --csca csca-rsa.pem --mrz mrz.txt sod-rsa.bin dg1.bin dg2.bin)
t_eq "valid: JSON valid, issuing_state, signer" "True NLD CN=Test DS RSA,OU=Passports,O=Test State,C=NL" \
	"$(printf '%s' "$out" | jget 'str(d["valid"])+" "+d["issuing_state"]+" "+d["signer"]')"
t_eq "valid: every check ok, data groups 1 and 2 hash_ok" "True [(1, True), (2, True)] 0" \
	"$(printf '%s' "$out" | jget 'str(all(c["ok"] for c in d["checks"]))+" "+str([(g["number"],g["hash_ok"]) for g in d["data_groups"]])+" "+str(len(d["errors"]))')"
t_match "valid: the reordered issuer name is reported as an accepted quirk" "another order" "$out"
out=$(J --csca csca-rsa.pem sod-wrongname.bin dg1.bin dg2.bin); rc=$?
t_eq "issuer name reordered AND a letter changed: exit 1 (the order rule is no wildcard)" 1 "$rc"
t_match "changed issuer name: no certificate matches" "sod: no certificate in the SignedData matches the signer identifier" "$(printf '%s' "$out" | jget "$errs")"
t_status 0 "RSA-PSS, signer by SKI: exit 0" V --csca csca-rsa.pem sod-pss.bin dg1.bin dg2.bin
t_match "RSA-PSS: signer identified by SKI" "subject key identifier" "$(J --csca csca-rsa.pem sod-pss.bin dg1.bin dg2.bin)"
t_status 0 "ECDSA brainpoolP256r1 with explicit parameters: exit 0" V --csca csca-bp.pem sod-bp.bin dg1.bin dg2.bin
t_status 1 "openssl cms -verify refuses the same explicit-parameter document (why the rule exists)" \
	bash -c 'openssl cms -verify -inform DER -in sod-bp.bin.cms -CAfile csca-bp.pem -purpose any -out /dev/null 2>/dev/null; [ $? -eq 0 ] && exit 0 || exit 1'
t_status 0 "ECDSA P-256 (named curve), SHA-384 signature, SHA-512 data-group hashes: exit 0" V --csca csca-bp.pem sod-p256.bin dg1.bin dg2.bin
t_match "SHA-512 hashes read from the security object" "SHA-512" "$(J --csca csca-bp.pem sod-p256.bin dg1.bin dg2.bin)"
out=$(J --csca csca-bp.pem sod-curve.bin dg1.bin dg2.bin); rc=$?
t_eq "explicit parameters that are not a named curve (brainpool with generator 2G): exit 1" 1 "$rc"
t_match "odd curve: refused, naming why" "sod: signature: signer key: explicit EC parameters that are not those of a known named curve" "$(printf '%s' "$out" | jget "$errs")"
t_status 0 "DS under the new CSCA, trusted through the link certificate: exit 0" V --csca csca-rsa.pem --csca link.pem sod-link.bin dg1.bin dg2.bin
t_status 0 "master list (anchored by its signer's CSCA) brings the brainpool CSCA: exit 0" V --csca csca-rsa.pem --csca ml.der sod-bp.bin dg1.bin dg2.bin
t_status 0 "master list brings the link certificate: exit 0" V --csca csca-rsa.pem --csca ml.der sod-link.bin dg1.bin dg2.bin
t_status 0 "CRL that does not list the signer: exit 0" V --csca csca-rsa.pem --crl crl.pem sod-rsa.bin dg1.bin dg2.bin
t_match "CRL given: revocation checked" '"name":"revocation","ok":true,"detail":"not revoked' "$(J --csca csca-rsa.pem --crl crl.pem sod-rsa.bin dg1.bin dg2.bin)"

# --- attackers and failures ---------------------------------------------------
head -c 200 dg2.bin >dg2-alt.bin; printf '\x00' >>dg2-alt.bin; tail -c +202 dg2.bin >>dg2-alt.bin
out=$(J --csca csca-rsa.pem sod-rsa.bin dg1.bin dg2-alt.bin); rc=$?
t_eq "altered DG2 photo: exit 1" 1 "$rc"
t_eq "altered DG2 photo: named" "dg2: hash does not match the security object" "$(printf '%s' "$out" | jget "$errs")"
t_match "DG1 of another document under a genuine SOD: named" "dg1: hash does not match" "$(J --csca csca-rsa.pem sod-rsa.bin dg1-bel.bin dg2.bin | jget "$errs")"
t_eq "altered DG2 photo: data_groups says which" "[(1, True), (2, False)]" \
	"$(printf '%s' "$out" | jget 'str([(g["number"],g["hash_ok"]) for g in d["data_groups"]])')"

/usr/bin/python3 -c 'import sys; b=bytearray(open("sod-rsa.bin","rb").read()); b[-5]^=0x40; open("sod-badsig.bin","wb").write(b)'
out=$(J --csca csca-rsa.pem sod-badsig.bin dg1.bin dg2.bin); rc=$?
t_eq "SOD signature altered: exit 1" 1 "$rc"
t_match "SOD signature altered: named" "sod: signature: signature does not verify" "$(printf '%s' "$out" | jget "$errs")"

out=$(J --csca csca-rsa.pem --crl crl.pem sod-revoked.bin dg1.bin dg2.bin); rc=$?
t_eq "revoked signer: exit 1" 1 "$rc"
t_match "revoked signer: named" "signer: Document Signer certificate revoked" "$(printf '%s' "$out" | jget "$errs")"
t_status 1 "revoked signer, CRL signed by the CSCA's rolled-over key (same name): exit 1" V --csca csca-rsa.pem --csca csca-rsa-b.pem --crl crl-b.pem sod-revoked.bin dg1.bin dg2.bin
t_status 0 "good signer, CRL signed by the CSCA's rolled-over key: exit 0" V --csca csca-rsa.pem --csca csca-rsa-b.pem --crl crl-b.pem sod-rsa.bin dg1.bin dg2.bin
out=$(J --csca csca-rsa.pem --crl crl-evil.pem sod-rsa.bin dg1.bin dg2.bin); rc=$?
t_eq "CRL signed by a forger with the CSCA's name: exit 1" 1 "$rc"
t_match "forged CRL: named" "crl: CRL 1: signature does not verify with any trusted CSCA" "$(printf '%s' "$out" | jget "$errs")"
t_status 0 "revoked signer passes without the CRL (so the CRL is what catches it)" V --csca csca-rsa.pem sod-revoked.bin dg1.bin dg2.bin

out=$(J --csca csca-rsa.pem --at 2099-01-01 sod-rsa.bin dg1.bin dg2.bin); rc=$?
t_eq "DS expired at --at: exit 1" 1 "$rc"
t_match "DS expired at --at: named" "signer: Document Signer certificate expired" "$(printf '%s' "$out" | jget "$errs")"
t_match "before the DS existed: not yet valid" "not yet valid" "$(J --csca csca-rsa.pem --at 2001-01-01 sod-rsa.bin dg1.bin dg2.bin | jget "$errs")"

out=$(J --csca csca-rsa.pem sod-forged.bin dg1.bin dg2.bin); rc=$?
t_eq "forged chip (self-made CSCA with the real one's name): exit 1" 1 "$rc"
t_match "forged chip: named" "signer: certificate not issued by a trusted CSCA" "$(printf '%s' "$out" | jget "$errs")"
t_status 1 "forged chip against the master list: exit 1" V --csca csca-rsa.pem --csca ml.der sod-forged.bin dg1.bin dg2.bin
t_status 1 "chain to an unknown CSCA (brainpool DS, only the RSA CSCA trusted): exit 1" V --csca csca-rsa.pem sod-bp.bin dg1.bin dg2.bin

out=$(J --csca csca-rsa.pem --csca ml-evil.der sod-forged.bin dg1.bin dg2.bin); rc=$?
t_eq "master list swapped for one signed by someone else: exit 1" 1 "$rc"
t_match "swapped master list: refused, naming why" "csca: .*ml-evil.der: master list refused: its signer is not issued by a CSCA" "$(printf '%s' "$out" | jget "$errs")"
t_eq "swapped master list: not valid" "False" "$(printf '%s' "$out" | jget 'str(d["valid"])')"
out=$(J --csca csca-rsa.pem --csca ml-badsig.der sod-bp.bin dg1.bin dg2.bin); rc=$?
t_eq "master list with a bad signature: exit 1" 1 "$rc"
t_match "master list with a bad signature: refused" "ml-badsig.der: master list refused: signature does not verify" "$(printf '%s' "$out" | jget "$errs")"
t_status 1 "a master list alone anchors nothing (its signer's CSCA must be given)" V --csca ml.der sod-bp.bin dg1.bin dg2.bin

out=$(J --csca csca-rsa.pem --mrz mrz-other.txt sod-rsa.bin dg1.bin dg2.bin); rc=$?
t_eq "printed MRZ of another document: exit 1" 1 "$rc"
t_match "MRZ mismatch: named" "mrz: DG1's MRZ differs from the printed MRZ" "$(printf '%s' "$out" | jget "$errs")"

out=$(J --csca csca-rsa.pem sod-state.bin dg1-bel.bin dg2.bin); rc=$?
t_eq "issuing state BEL, signer of NL: exit 1" 1 "$rc"
t_match "issuing state mismatch: named" "dg1: issuing state BEL is not the signer's country NL" "$(printf '%s' "$out" | jget "$errs")"

t_match "DG2 not given: said, not failed" '"data_group_hashes","ok":true,"detail":"1 given, 1 match the SHA-256 hashes of the security object; not given, not checked: dg2"' "$(J --csca csca-rsa.pem sod-rsa.bin dg1.bin)"
out=$(J --csca csca-rsa.pem sod-rsa.bin dg2.bin); rc=$?
t_eq "DG1 missing: exit 1" 1 "$rc"
t_match "DG1 missing: named" "dg1: not given" "$(printf '%s' "$out" | jget "$errs")"

head -c 700 sod-rsa.bin >sod-trunc.bin
out=$(J --csca csca-rsa.pem sod-trunc.bin dg1.bin dg2.bin); rc=$?
t_eq "truncated SOD: exit 1" 1 "$rc"
t_match "truncated SOD: named" "sod: length runs past the end" "$(printf '%s' "$out" | jget "$errs")"
head -c 3000 /dev/urandom >garbage.bin
t_status 1 "garbage SOD: exit 1" V --csca csca-rsa.pem garbage.bin dg1.bin dg2.bin
head -c 70000 /dev/zero >big.bin
t_status 2 "oversized SOD (70 kB): exit 2" V --csca csca-rsa.pem big.bin dg1.bin dg2.bin
t_match "oversized SOD: says so" "big.bin: larger than 65536 bytes" "$(V --csca csca-rsa.pem big.bin dg1.bin 2>&1 >/dev/null)"
head -c 9000000 /dev/zero >huge.bin
t_status 2 "oversized master list (9 MB): exit 2" V --csca csca-rsa.pem --csca huge.bin sod-rsa.bin dg1.bin

# --- usage and I/O -----------------------------------------------------------------
t_status 2 "no --csca: exit 2" V sod-rsa.bin dg1.bin
t_status 2 "missing SOD file: exit 2" V --csca csca-rsa.pem nothere.bin dg1.bin
t_status 2 "unreadable CRL is an error, not 'no revocation': exit 2" V --csca csca-rsa.pem --crl garbage.bin sod-rsa.bin dg1.bin dg2.bin
t_status 2 "bad --at: exit 2" V --csca csca-rsa.pem --at 2026-02-31 sod-rsa.bin dg1.bin
t_status 2 "garbage --csca: exit 2" V --csca garbage.bin sod-rsa.bin dg1.bin
t_status 0 "--help: exit 0" V --help
if [ -n "${TIMS_ASAN:-}" ]; then
	t_status 0 "ASan build: valid brainpool via the master list" "$TIMS_ASAN" epassport verify --csca csca-rsa.pem --csca ml.der sod-bp.bin dg1.bin dg2.bin
	t_status 1 "ASan build: truncated SOD" "$TIMS_ASAN" epassport verify --csca csca-rsa.pem sod-trunc.bin dg1.bin dg2.bin
fi
t_end
