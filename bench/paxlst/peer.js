// peer.js FILE [--smoke] — the npm edifact parser (1.2.12) on the PAXLST
// interchanges of FILE, as bench/bench-paxlst.sh runs it next to tims: every
// segment parsed into its elements and components (the parser's own events),
// messages (UNH) and travellers (NAD after a TDT) counted. Prints
// messages_per_sec= and travellers_per_sec= over the process's CPU time in
// the parse loop (user + system: what the machine's other load does not
// change), and the wall rate for a person.
'use strict';
const fs = require('fs');
const Parser = require('edifact/parser.js');

const file = process.argv[2];
const smoke = process.argv.includes('--smoke');
// the parser takes one interchange at a time (a UNA is only read at the
// start): the file is cut before each UNA once, outside the timed loop
const text = fs.readFileSync(file, 'latin1');
const interchanges = text.split(/(?=UNA:\+\.\? ')/).filter((x) => x.length > 0);

function parseOnce() {
  let messages = 0, travellers = 0;
  for (const one of interchanges) {
    const [m, t] = parseInterchange(one);
    messages += m;
    travellers += t;
  }
  return [messages, travellers];
}

function parseInterchange(text) {
  const parser = new Parser();
  let messages = 0, travellers = 0, afterTdt = false, name = '', elements = 0, role = '';
  parser.on('opensegment', (seg) => { name = seg; elements = 0; });
  parser.on('element', () => { elements++; });
  parser.on('component', (data) => {
    if (name === 'NAD' && elements === 1 && role === '') role = data;
  });
  parser.on('closesegment', () => {
    if (name === 'UNH') { messages++; afterTdt = false; }
    else if (name === 'TDT') afterTdt = true;
    else if (name === 'NAD' && afterTdt) travellers++;
    role = '';
  });
  parser.write(text);
  parser.end();
  return [messages, travellers];
}

const budgetMs = smoke ? 300 : 2000;
let rounds = 0, m = 0, t = 0;
const cpu0 = process.cpuUsage();
const start = process.hrtime.bigint();
let elapsed = 0;
while (elapsed < budgetMs || rounds === 0) {
  [m, t] = parseOnce();
  rounds++;
  elapsed = Number(process.hrtime.bigint() - start) / 1e6;
}
const used = process.cpuUsage(cpu0);
const cpuS = (used.user + used.system) / 1e6;
console.log(`npm edifact 1.2.12: ${rounds} rounds of ${m} messages, ${t} travellers in ${elapsed.toFixed(0)} ms (CPU ${(cpuS * 1000).toFixed(0)} ms; wall ${Math.round(t * rounds / (elapsed / 1000))} travellers/s)`);
console.log(`messages_per_sec=${Math.round(m * rounds / cpuS)}`);
console.log(`travellers_per_sec=${Math.round(t * rounds / cpuS)}`);
