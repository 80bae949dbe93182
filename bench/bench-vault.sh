#!/usr/bin/env bash
# bench-vault.sh — what personal data at rest costs (G8, docs/keys.md): the
# registration rate at a post, the centre's ingest rate and the rate at which
# the query store is rebuilt from the mirrors, each with the vault sealing
# (build/bench/...) next to the same code compiled with
# -DTIMS_VAULT_NO_ENCRYPTION (build/bench-plain/...: the vault "seals" by
# copying, blinds with an unkeyed hash and never touches a token; built only
# for the benchmark, never shipped), in the same run, alternating the two
# so that other load on the machine falls on both alike; the ratio
# sealed/plain against the target (>= 0.8).
#   bench/bench-vault.sh [--smoke]
set -u
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
smoke=0
case " $* " in *" --smoke "*) smoke=1 ;; esac
sealed_post=build/bench/bench_post sealed_centre=build/bench/bench_centre
plain_post=build/bench-plain/bench/bench_post plain_centre=build/bench-plain/bench/bench_centre
for b in "$sealed_post" "$sealed_centre" "$plain_post" "$plain_centre"; do
	[ -x "$b" ] || make -s "$b" >&2 || { echo "not ok - vault bench: cannot build $b"; exit 1; }
done
# Every node's vault is in a token: a throwaway SoftHSM2 one for the run.
work=$(mktemp -d /tmp/tims-bench-vault-XXXXXX)
trap 'rm -rf "$work"' EXIT
eval "$(bash scripts/token.sh "$work/token")"

if [ "$smoke" = 1 ]; then
	pn=150 cn=2048 rounds=1
else
	pn=3000 cn=50000 rounds=3
fi
# the best of the rounds for each side: what the code can do here
best() { sort -n | tail -1; }
reg_rate() { # BIN -> registrations/s of the library's register, 8 threads
	"$1" --n "$pn" 2>/dev/null |
		sed -n 's/.*register, *[0-9][0-9]* threads[^0-9]*\([0-9][0-9]*\) reg\/s.*/\1/p' | head -1
}
centre_rates() { # BIN -> "INGEST REINDEX INGEST-CPU REINDEX-CPU" records/s, records/cpu-s
	local out
	out=$("$1" --n "$cn" 2>/dev/null)
	printf '%s %s %s\n' "$(sed -n 's/^  ingest *\([0-9][0-9]*\) records\/s.*/\1/p' <<<"$out")" \
		"$(sed -n 's/^  reindex *\([0-9][0-9]*\) records\/s.*/\1/p' <<<"$out")" \
		"$(sed -n 's/^  ingest cpu *\([0-9][0-9]*\) records\/cpu-s  reindex cpu *\([0-9][0-9]*\).*/\1 \2/p' <<<"$out")"
}
: >"$work/reg.sealed"; : >"$work/reg.plain"
: >"$work/ing.sealed"; : >"$work/ing.plain"; : >"$work/re.sealed"; : >"$work/re.plain"
: >"$work/cpu.sealed"; : >"$work/cpu.plain"
for _ in $(seq 1 "$rounds"); do
	reg_rate "$plain_post" >>"$work/reg.plain"
	reg_rate "$sealed_post" >>"$work/reg.sealed"
	read -r i r ci cr <<<"$(centre_rates "$plain_centre")"
	echo "$i" >>"$work/ing.plain"; echo "$r" >>"$work/re.plain"; echo "$ci $cr" >>"$work/cpu.plain"
	read -r i r ci cr <<<"$(centre_rates "$sealed_centre")"
	echo "$i" >>"$work/ing.sealed"; echo "$r" >>"$work/re.sealed"; echo "$ci $cr" >>"$work/cpu.sealed"
done
rc=0
line() { # WHAT SEALED PLAIN UNIT
	local ratio=""
	if [ -n "$2" ] && [ -n "$3" ] && [ "$3" != 0 ]; then
		ratio=$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.2f", a / b }')
	fi
	if [ "$smoke" = 1 ]; then
		if [ -n "$ratio" ]; then
			echo "ok - vault bench: $1: $2 $4 sealed, $3 $4 plain, ratio $ratio"
		else
			echo "not ok - vault bench: $1: no figure (sealed '$2', plain '$3')"
			rc=1
		fi
	else
		printf '  %-34s %8s %s sealed  %8s %s plain  ratio %s\n' "$1" "${2:-?}" "$4" \
			"${3:-?}" "$4" "${ratio:-?}"
	fi
	bench_target "$1 with encryption at rest / without" "$ratio" ">=" 0.8 "" "$smoke"
}
[ "$smoke" = 1 ] || echo "personal data at rest: sealed (vault, SoftHSM2 token) next to plain" \
	"(-DTIMS_VAULT_NO_ENCRYPTION), best of $rounds rounds:"
line "registration at a post, 8 threads" "$(best <"$work/reg.sealed")" "$(best <"$work/reg.plain")" reg/s
line "centre ingest, SQLite store" "$(best <"$work/ing.sealed")" "$(best <"$work/ing.plain")" records/s
line "query store rebuilt from the mirrors" "$(best <"$work/re.sealed")" "$(best <"$work/re.plain")" records/s
# The same work in CPU time (all threads): what encryption itself costs,
# less moved by other load on a shared machine than the wall clock (no
# target: the verdicts above are on the rates).
if [ "$smoke" != 1 ]; then
	cpu() { awk -v k="$2" '{ if ($k + 0 > m) m = $k + 0 } END { print m }' "$1"; }
	for k in 1 2; do
		[ "$k" = 1 ] && what="ingest" || what="rebuild from the mirrors"
		s=$(cpu "$work/cpu.sealed" "$k") p=$(cpu "$work/cpu.plain" "$k")
		printf '  %-34s %8s records/cpu-s sealed  %8s plain  ratio %s\n' "$what, CPU time" "$s" "$p" \
			"$(awk -v a="$s" -v b="$p" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }')"
	done
fi
exit $rc
