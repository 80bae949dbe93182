#!/usr/bin/env bash
# bench-epass.sh — e-passport passive authentications per second, one core:
# tims_epass_verify (build/bench/bench_epass) next to OpenSSL's CMS_verify
# (what `openssl cms -verify` runs, in-process) on the same RSA-PSS document
# and CSCA, made by tests/data/epass/mkpki.sh in the same run, with the ratio.
# tims does more per document (the CRL's signature, DG hashes, MRZ and state
# checks); the target is to stay within half of the anchor's rate. Then,
# for information, active authentication's check per second (RSA-1024 ISO
# 9796-2, ECDSA P-256): what a chip with DG15 adds at the post.
#
#   bench/bench-epass.sh           ~2 s each side, a readable report
#   bench/bench-epass.sh --smoke   ~0.3 s each side, one TAP line (make check)
set -u
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
mode=${1:-}
bin=build/bench/bench_epass
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "not ok - epass bench: $*"
	bench_target "passive authentication rate / CMS_verify rate" "" ">=" 0.5 "" "$([ "$mode" = --smoke ] && echo 1 || echo 0)"
	exit 1
}

[ -x "$bin" ] || fail "$bin is not built (make $bin)"
bash tests/data/epass/mkpki.sh "$tmp/pki" >/dev/null || fail "mkpki.sh failed"
"$bin" "$tmp/pki" $mode >"$tmp/out" 2>&1 || fail "bench_epass failed: $(tail -3 "$tmp/out")"
pa=$(sed -n 's/^pa_per_sec=//p' "$tmp/out")
anchor=$(sed -n 's/^anchor_per_sec=//p' "$tmp/out")
[ -n "$pa" ] && [ -n "$anchor" ] && [ "$anchor" -gt 0 ] || fail "no figure"
ratio=$(awk -v a="$pa" -v b="$anchor" 'BEGIN { printf "%.2f", a / b }')
if [ "$mode" = --smoke ]; then
	echo "ok - epass bench: tims $pa PA/s, openssl CMS_verify $anchor/s, ratio ${ratio}x"
	bench_target "passive authentication rate / CMS_verify rate" "$ratio" ">=" 0.5 "" 1
else
	grep -v '_per_sec=' "$tmp/out"
	printf '%-34s %8s /s\n' "tims passive authentication" "$pa" "openssl CMS_verify (anchor)" "$anchor" \
		"active authentication, RSA-1024" "$(sed -n 's/^aa_rsa_per_sec=//p' "$tmp/out")" \
		"active authentication, ECDSA P-256" "$(sed -n 's/^aa_ec_per_sec=//p' "$tmp/out")"
	echo "ratio: ${ratio}x"
	bench_target "passive authentication rate / CMS_verify rate" "$ratio" ">=" 0.5 "" 0
fi
