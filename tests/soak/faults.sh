#!/usr/bin/env bash
# faults.sh — `make soak`: the fault matrix (issue 19) with many seeds.
#
#   power loss   tests/e2e/powerloss.sh, SOAK_POWERLOSS_CYCLES cycles
#                (default 300) in one run, with its month and
#                missing-fsync parts
#   I/O faults   tests/e2e/iofaults.sh, SOAK_FAULT_RUNS runs (default 20),
#                each with its own seed
#   clock        tests/e2e/clock.sh, SOAK_FAULT_RUNS runs
#   partition    tests/e2e/partition.sh, SOAK_FAULT_RUNS runs, then one
#                with the link cut and the centre stalled for
#                SOAK_PARTITION_SECONDS each (default 75: past the sync
#                client's 30 s request timeout and its reconnects)
#   centre cut   tests/e2e/centrecut.sh: SOAK_CENTRECUT_CYCLES power cuts of
#                the centre (default 100) in one run, then SOAK_FAULT_RUNS
#                short runs (one cut and the missing-fsync cut), each with
#                its own seed
#   centre I/O   tests/e2e/centrecut.sh, SOAK_FAULT_RUNS runs of its parts
#                enospc (the mirror's writes ENOSPC), disk-full (its
#                directory on a tmpfs filled up), db-eio (centre.db's
#                fsync), audit-eio (its audit log's fsync), db-enospc and
#                audit-enospc (centre.db's writes ENOSPC alone, the audit
#                log's alone), each run with its own seed
#   PostgreSQL   tests/soak/pgcut.sh (run by tests/soak.sh itself): the
#                centre's query store on a PostgreSQL cluster that loses
#                its power, PGCUT_CYCLES cuts
#
# Each run prints its seed first ("# seed N (replay: FAULT_SEED=N ...)"),
# its TAP lines and its "# row ..." figures; tests/soak.sh counts the ok /
# not ok lines. A failed power-loss cycle keeps its journal and base copy
# in build/faults/ (tests/e2e/powerloss.sh).
set -u
cd "$(dirname "$0")/../.." || exit 2
export TIMS_ROOT=$PWD TIMS=${TIMS:-$PWD/build/tims} TIMS_ALLOW_ROOT=1
runs=${SOAK_FAULT_RUNS:-20}
POWERLOSS_CYCLES=${SOAK_POWERLOSS_CYCLES:-300} bash tests/e2e/powerloss.sh 2>/dev/null |
	grep -E '^(ok|not ok|# seed|# row|# .*failed|# kept|#   )'
CENTRECUT_CYCLES=${SOAK_CENTRECUT_CYCLES:-100} CENTRECUT_PARTS=row bash tests/e2e/centrecut.sh 2>/dev/null |
	grep -E '^(ok|not ok|# seed|# row|# .*(failed|refused)|# kept|#   )'
PARTITION_CUT_SECONDS=${SOAK_PARTITION_SECONDS:-75} PARTITION_STALL_SECONDS=${SOAK_PARTITION_SECONDS:-75} \
	bash tests/e2e/partition.sh 2>/dev/null | grep -E '^(ok|not ok|# seed|# row|# while|#   )'
# the query store's write EIO, alone, with its events (make check runs the
# same fault in the io part, with centre.db's and the audit log's)
for i in $(seq 1 "$runs"); do
	CENTRECUT_PARTS=eio-store bash tests/e2e/centrecut.sh 2>/dev/null |
		grep -E '^(ok|not ok|# seed|# eio-store|#   )'
done
for i in $(seq 1 "$runs"); do
	CENTRECUT_PARTS="enospc disk-full db-eio audit-eio db-enospc audit-enospc" bash tests/e2e/centrecut.sh 2>/dev/null |
		grep -E '^(ok|not ok|# seed|# row|# io row|# .*(failed|refused)|# kept|#   )'
done
for i in $(seq 1 "$runs"); do
	bash tests/e2e/centrecut.sh 2>/dev/null | grep -E '^(ok|not ok|# seed|# row|# .*(failed|refused)|# kept|#   )'
	bash tests/e2e/iofaults.sh 2>/dev/null | grep -E '^(ok|not ok|# seed|# row|#   )'
	bash tests/e2e/clock.sh 2>/dev/null | grep -E '^(ok|not ok|# seed|# row|#   )'
	bash tests/e2e/partition.sh 2>/dev/null | grep -E '^(ok|not ok|# seed|# row|#   )'
done
