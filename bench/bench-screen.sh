#!/usr/bin/env bash
# bench-screen.sh — screening: how well names match, and how fast.
#
#   bench/bench-screen.sh            full: evaluation per kind, then the scale
#                                    benchmark (1 M persons, 100 M documents in
#                                    a post's sealed store) next to PostgreSQL
#                                    (pg_trgm for names, a B-tree for documents)
#   bench/bench-screen.sh --smoke    a short run with TAP lines (make check)
#
# The evaluation set is tests/data/screen/pairs.jsonl (labelled pairs built
# by tests/data/screen/gen-pairs.py from tests/data/names plus
# hand-written pairs). F1 is reported, never asserted, in smoke mode.
set -u
cd "$(dirname "$0")/.." || exit 2
mode=${1:-}
TIMS=${TIMS:-$PWD/build/tims}
rc=0
. bench/lib.sh
smoke=0
[ "$mode" = --smoke ] && smoke=1

# quality_targets OVERALL-LINE SET: recall and precision against SPEC §6
# (recall >= 0.95 on listed persons, precision >= 0.97 on unseen pairs).
quality_targets() {
	local p r
	p=$(grep -o 'precision [0-9.]*' <<<"$1" | awk '{print $2}')
	r=$(grep -o 'recall [0-9.]*' <<<"$1" | awk '{print $2}')
	bench_target "name matching, $2: recall" "$r" ">=" 0.95 "" 0
	bench_target "name matching, $2: precision" "$p" ">=" 0.97 "" 0
}

# 1. Quality: precision, recall, F1 per kind on the labelled pairs.
pairs=tests/data/screen/pairs.jsonl
if eval_out=$("$TIMS" screen pairs --eval "$pairs" 2>&1) &&
	overall=$(printf '%s\n' "$eval_out" | grep '^overall'); then
	n=$(awk '{print $2}' <<<"$overall")
	f1=$(grep -o 'F1 [0-9.]*' <<<"$overall" | awk '{print $2}')
	if [ "$mode" = --smoke ]; then
		echo "ok - screen eval: F1 $f1 over $n pairs"
		quality_targets "$overall" "generated set"
	else
		echo "name matching on $pairs (threshold: the default)"
		printf '%s\n' "$eval_out" | sed 's/^/  /'
		quality_targets "$overall" "generated set"
		names=tests/data/names
		if command -v python3 >/dev/null && [ -d "$names" ]; then
			held=$(mktemp)
			python3 tests/data/screen/gen-pairs.py --names "$names" --seed 1 >"$held" &&
				echo "held-out set (generator seed 1, names not seen while tuning):" &&
				"$TIMS" screen pairs --eval "$held" | grep '^overall' | sed 's/^/  /'
			rm -f "$held"
		fi
	fi
else
	echo "not ok - screen eval: could not run"
	printf '%s\n' "$eval_out" | head -5 | sed 's/^/# /'
	rc=1
fi

# 1b. The independent set (tests/data/eval: spellings written by hand from
#     public romanisation tables and passport rules, nicknames, typing and
#     OCR errors, approximate dates of birth, hard negatives; not made by our
#     own generator or rules). independent.jsonl must be read whole by every
#     build; approx-dob.jsonl ("~1969", "ABOUT 1969", "1968-1971") and
#     ocr-digit-zg.jsonl (2 for Z, 6 for G in a name) hold forms an older
#     build refuses. All three are scored as one set, one table per kind; a
#     pair the build cannot read is counted and said (a target line), never
#     dropped in silence.
indep=tests/data/eval/independent.jsonl
indep_more=(tests/data/eval/approx-dob.jsonl tests/data/eval/ocr-digit-zg.jsonl)
ind_err=$(mktemp)
ind_out=$(cat "$indep" "${indep_more[@]}" | "$TIMS" screen pairs --eval - 2>"$ind_err")
n_main=$(wc -l <"$indep")
n_all=$(cat "$indep" "${indep_more[@]}" | wc -l)
# "tims screen pairs: line N: why" for each line it could not read
unread_main=$(sed -n 's/^tims screen pairs: line \([0-9]*\):.*/\1/p' "$ind_err" |
	awk -v m="$n_main" '$1 <= m' | wc -l)
unread=$(grep -c '^tims screen pairs: line [0-9]*:' "$ind_err")
if overall=$(printf '%s\n' "$ind_out" | grep '^overall') && [ "$unread_main" -eq 0 ]; then
	n=$(awk '{print $2}' <<<"$overall")
	f1=$(grep -o 'F1 [0-9.]*' <<<"$overall" | awk '{print $2}')
	if [ "$mode" = --smoke ]; then
		echo "ok - screen eval (independent set): F1 $f1 over $n pairs ($unread of $n_all not readable by this build)"
	else
		echo "name matching on the independent set $indep and ${indep_more[*]} (tests/data/eval/README.md):"
		printf '%s\n' "$ind_out" | sed 's/^/  /'
		if [ "$unread" -gt 0 ]; then
			echo "  $unread of $n_all pairs could not be read by this build and are not in the table, e.g.:"
			grep '^tims screen pairs: line' "$ind_err" | head -3 | sed 's/^/    /'
		fi
	fi
	quality_targets "$overall" "independent set (written apart from the rules, whose misses were read while writing them; held-out set below)"
	bench_target "name matching, independent set: pairs this build cannot read" "$unread" "<=" 0 "" 0
else
	echo "not ok - screen eval (independent set): could not run ($unread_main lines of $indep unreadable)"
	head -3 "$ind_err" | sed 's/^/# /'
	rc=1
fi
rm -f "$ind_err"

# 1c. The held-out sets (tests/data/eval/README.md), each scored apart and
#     never merged into 1b's figures: heldout.jsonl, written before the
#     recall work of branch `recall` and scored once at its end, is a
#     development set since branch `recall2` (its false hits were read and
#     fixed there); heldout2.jsonl was written and committed before the
#     rules of `recall2` and scored once at their end, and is a development
#     set since branch `recall3`; heldout3.jsonl was written and committed
#     before the rules of `recall3` and scored once at their end, and is a
#     development set since branch `recall4`; heldout4.jsonl was written and
#     committed before the rules of `recall4` and scored once at their end,
#     and is a development set since branch `recall5`; heldout5.jsonl was
#     written and committed before the rules of `recall5` and scored on the
#     code before them and once at their end: the figure that says whether
#     the rules carry to names nobody tuned on.
#     Each prints P/R/F1 per kind (full mode) and its target lines.
heldout_set() { # FILE LABEL
	local out all err unread
	err=$(mktemp)
	# a line this build cannot read is said and counted, not dropped: the
	# exit status is then 1 and the table holds the lines it read
	out=$("$TIMS" screen pairs --eval "$1" 2>"$err")
	unread=$(grep -c '^tims screen pairs: line [0-9]*:' "$err")
	if all=$(printf '%s\n' "$out" | grep '^overall'); then
		if [ "$mode" = --smoke ]; then
			echo "ok - screen eval ($2): $(sed 's/^overall *//' <<<"$all") ($unread not readable by this build)"
		else
			echo "name matching on the $2 $1 (tests/data/eval/README.md):"
			printf '%s\n' "$out" | sed 's/^/  /'
			[ "$unread" -gt 0 ] && echo "  $unread pairs could not be read by this build and are not in the table" &&
				grep '^tims screen pairs: line' "$err" | head -3 | sed 's/^/    /'
		fi
		quality_targets "$all" "$2"
		bench_target "name matching, $2: pairs this build cannot read" "$unread" "<=" 0 "" 0
	else
		echo "not ok - screen eval ($2): could not run"
		head -3 "$err" | sed 's/^/# /'
		rc=1
	fi
	rm -f "$err"
}
heldout_set tests/data/eval/heldout.jsonl "first held-out set (a development set since recall2)"
heldout_set tests/data/eval/heldout2.jsonl "second held-out set (a development set since recall3)"
heldout_set tests/data/eval/heldout3.jsonl "third held-out set (a development set since recall4)"
heldout_set tests/data/eval/heldout4.jsonl "fourth held-out set (a development set since recall5)"
heldout_set tests/data/eval/heldout5.jsonl "fifth held-out set (written before the rules it judges)"

# 2. Scale: 1 M persons and 100 M documents (smoke: 20 k and 200 k) in a
#    post's own watchlist store (DIR/watchlists/watchlists.db, sealed by its
#    vault in a SoftHSM2 token), loaded with tims_wl_load_index as a post
#    starts, screened through tims_wl_screen, a delta of 100 000 changes
#    applied to the store and the live index; next to PostgreSQL (pg_trgm
#    over the same names, a B-tree over the same document numbers) in a
#    throwaway server started here (private socket directory, no TCP,
#    deleted afterwards). The delta's fingerprints go to the store's
#    recent table (fp_recent); after it the bench times the merge a post
#    runs in the background (steps, the longest, CPU), and before the load
#    it folds what earlier runs left, as a post would have
#    (docs/screening.md, "The delta in two levels"). A store of schema 1
#    kept from an older build is migrated at its first open (the "opened
#    in" time). The store is made once through the import path
#    and kept under build/bench-cache/, keyed by its size and seed, with its
#    token: the next run reuses it (SCREEN_FRESH=1 makes it again). Making
#    100 M documents this way takes about 42 GB and, by extrapolation from
#    32 M, some 40-45 minutes of two free cores (docs/screening.md, "The
#    100 M run"; `bench_screen --build-only` makes the store alone).
bin=build/bench/bench_screen
names=${TIMS_NAMES:-tests/data/names}
if [ "$mode" = --smoke ]; then
	np=20000 nd=200000
	size=(--queries 2000 --pg-queries 200 --delta 10000 --tap)
else
	np=${SCREEN_PERSONS:-1000000} nd=${SCREEN_DOCUMENTS:-100000000}
	size=(--queries "${SCREEN_QUERIES:-10000}" --pg-queries "${SCREEN_PG_QUERIES:-500}"
	      --delta "${SCREEN_DELTA:-100000}")
fi
seed=${SCREEN_SEED:-20851}
cache=build/bench-cache/screen-p$np-d$nd-s$seed-v1
if [ ! -x "$bin" ]; then
	echo "not ok - screen scale: $bin is not built (make bench)"
	exit 1
fi
[ "${SCREEN_FRESH:-0}" = 1 ] && rm -rf "$cache"
# a store without its token (or half made) cannot be used: made again
if [ -d "$cache" ] && { [ ! -e "$cache/token/pin" ] || [ ! -e "$cache/post/generated" ]; }; then
	rm -rf "$cache"
fi
mkdir -p "$cache" && chmod 700 "$cache"
if ! token_env=$(bash scripts/token.sh "$cache/token"); then
	echo "not ok - screen scale: no SoftHSM2 token (scripts/deps.sh installs softhsm2)"
	exit 1
fi
eval "$token_env"
[ -e "$cache/post/generated" ] || echo "# screen scale: making the post's store ($np persons, $nd documents) in $cache"
. tests/lib/pg.sh
pgwork=$(mktemp -d /tmp/tims-pg-XXXXXX)
chmod 755 "$pgwork" # the server runs as postgres when we are root
trap 'pg_stop; rm -rf "$pgwork"' EXIT
pgconn=""
if pg_start "$pgwork/pg" "-c shared_buffers=256MB"; then
	pgconn=$PG_CONNINFO
else
	echo "# PostgreSQL did not start ($PG_ERROR); the pg_trgm anchor is skipped"
fi
args=(--persons "$np" --documents "$nd" --seed "$seed" --store "$PWD/$cache/post" "${size[@]}"
      --names "$names")
[ -n "$pgconn" ] && args+=(--pg "$pgconn" --pairs "$pairs")
if ! out=$("$bin" "${args[@]}" 2>&1); then
	echo "not ok - screen scale: bench_screen failed"
	printf '%s\n' "$out" | tail -5 | sed 's/^/# /'
	[ -e "$cache/post/generated" ] || rm -rf "$cache"
	exit 1
fi
# The identifier structure alone at the target's 100 M (smoke: 1 M), built
# in memory: its share of the memory when the store of this run is smaller.
ids=$("$bin" --idents-only "$([ "$mode" = --smoke ] && echo 1000000 || echo 100000000)" 2>&1) ||
	ids="identifiers alone: could not run"
if [ "$mode" = --smoke ]; then
	printf '%s\n' "$out" | grep -E '^((not )?ok |target: )'
	printf '# %s\n' "$ids"
	printf '%s\n' "$out" | grep -E '^(store|delta):' | sed 's/^/# /'
	[ -n "$pgconn" ] || echo "not ok - pg_trgm anchor: PostgreSQL could not be started"
else
	printf '%s\n' "$out" | grep -v '^target: ' | grep -v '=' | grep -v '^bench_screen: ' | sed 's/^/  /'
	printf '  %s\n' "$ids"
	printf '%s\n' "$out" | grep '^target: '
	tp99=$(grep -o 'screen_p99_ms=[0-9.]*' <<<"$out" | cut -d= -f2)
	tp50=$(grep -o 'screen_p50_ms=[0-9.]*' <<<"$out" | cut -d= -f2)
	pp99=$(grep -o 'pg_trgm_p99_ms=[0-9.]*' <<<"$out" | cut -d= -f2)
	pp50=$(grep -o 'pg_trgm_p50_ms=[0-9.]*' <<<"$out" | cut -d= -f2)
	if [ -n "$pp99" ] && [ -n "$tp99" ]; then
		awk -v a="$tp50" -v b="$pp50" -v c="$tp99" -v d="$pp99" 'BEGIN {
			printf "  ratio: TIMS is %.0fx faster than pg_trgm at p50, %.0fx at p99 (target >= 30x)\n", b / a, d / c }'
	fi
	dp50=$(grep -o 'doc_p50_ms=[0-9.]*' <<<"$out" | cut -d= -f2)
	dp99=$(grep -o 'doc_p99_ms=[0-9.]*' <<<"$out" | cut -d= -f2)
	bp50=$(grep -o 'pg_btree_p50_ms=[0-9.]*' <<<"$out" | cut -d= -f2)
	bp99=$(grep -o 'pg_btree_p99_ms=[0-9.]*' <<<"$out" | cut -d= -f2)
	if [ -n "$bp99" ] && [ -n "$dp99" ]; then
		awk -v a="$dp50" -v b="$bp50" -v c="$dp99" -v d="$bp99" 'BEGIN {
			printf "  ratio: a document, TIMS (index, then the sealed store for a listed one) against the PostgreSQL B-tree: %.1fx at p50, %.1fx at p99\n", b / a, d / c }'
	fi
fi
exit $rc
