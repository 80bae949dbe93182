#!/usr/bin/env bash
# bench-post.sh — the post log benchmark (bench/bench_post.c): durable,
# signed, logged registrations per second with p50/p99, next to a bare
# SQLite insert with the same durability in the same run, and the ratio.
#   bench/bench-post.sh [--smoke] [--n N]
set -u
cd "$(dirname "$0")/.." || exit 2
bin=build/bench/bench_post
[ -x "$bin" ] || make -s "$bin" >&2 || { echo "not ok - post bench: cannot build $bin"; exit 1; }
exec "$bin" "$@"
