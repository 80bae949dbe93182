#!/usr/bin/env bash
# network-pg.sh (soak) — the whole network suite with the centre's query
# store on PostgreSQL, with more traffic a phase, then the PostgreSQL
# restart scenario (tests/e2e/network-pg.sh; make check runs only the latter).
cd "$(dirname "$0")/../.." || exit 2
export TIMS_ROOT=${TIMS_ROOT:-$PWD} TIMS=${TIMS:-$PWD/build/tims} TIMS_ASAN=${TIMS_ASAN:-$PWD/build/asan/tims}
NETWORK_PG_FULL=1 N_EACH=${SOAK_N_EACH:-40} exec bash tests/e2e/network-pg.sh
