// peer.js — the anchor for `make bench`: the npm `mrz` parser (5.0.2) on the
// same documents as bench/bench_mrz.c, for the same wall time, one thread.
//
//   node bench/mrz/peer.js DOCS_FILE [--smoke]
// Prints a summary line, then "docs_per_sec=N" for bench/bench-mrz.sh.
// The peer reads visas (V) with its TD2/TD3 layouts and marks them invalid;
// they are parsed all the same, so they count: the figure is parse speed.
import { readFileSync } from 'node:fs';
import { parse } from 'mrz';

const [file, mode] = process.argv.slice(2);
if (!file) {
  console.error('usage: node peer.js DOCS_FILE [--smoke]');
  process.exit(2);
}
const secs = mode === '--smoke' ? 0.3 : 2.0;
const docs = readFileSync(file, 'utf8')
  .split(/\n\s*\n/)
  .map((d) => d.trim().split('\n'))
  .filter((d) => d.length >= 2);

let parsed = 0;
let valid = 0;
let threw = 0;
// One untimed pass: the JIT warms up and we learn how many it accepts.
for (const d of docs) {
  try {
    if (parse(d).valid) valid++;
  } catch {
    threw++;
  }
}
const t0 = process.hrtime.bigint();
let elapsed = 0;
do {
  for (const d of docs) {
    try {
      parse(d);
    } catch {
      // counted in the warm-up pass
    }
  }
  parsed += docs.length;
  elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
} while (elapsed < secs);
console.log(
  `npm mrz 5.0.2: ${parsed} documents in ${elapsed.toFixed(2)} s, ` +
    `${valid} of ${docs.length} valid by its rules, ${threw} refused, one thread`,
);
console.log(`docs_per_sec=${Math.round(parsed / elapsed)}`);
