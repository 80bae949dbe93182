// audit.mjs — the auditors' audit view (web/dashboard/audit.js) in Debian's
// headless Chromium (playwright-core), run by tests/e2e/audit-view.sh against
// a real centre whose audit log holds the searches that script made.
//
// Environment (set by audit-view.sh): URL (the centre), SHOTS, CHROMIUM,
// S_AUD (the auditor's TOTP secret), AUDITOR, PASSWORD, OFFICER (an officer
// whose events are searched), DOC (a document that officer looked up), POST
// (a post whose audit log the centre mirrors).
//
// The page must check every event itself: an answer tampered on its way (an
// event's byte, a proof hash, the checkpoint's signature, a key swapped for
// another) must show "proof FAILED", never "proof checked".
//
// Prints "ok<TAB>name", "fail<TAB>name<TAB>detail", and "end<TAB>done" last.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { chromium } from 'playwright-core';
import { check, failed, launchArgs, totp, waitText } from './lib.mjs';

const env = (k) => {
  if (!process.env[k]) throw new Error(`audit.mjs: ${k} is not set (run tests/e2e/audit-view.sh)`);
  return process.env[k];
};
const URL = env('URL');
const SHOTS = env('SHOTS');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;

const shot = (page, name) => page.screenshot({ path: `${SHOTS}/audit-${name}.png`, fullPage: true });

// Search with the form and wait for the page's checks to finish.
async function search(page, fields) {
  const before = await page.$eval('#audit-results', (t) => t.dataset.done || '');
  for (const id of ['a-officer', 'a-doc', 'a-purpose']) await page.fill('#' + id, fields[id] || '');
  await page.selectOption('#a-post', fields['a-post'] || '');
  await page.click('#audit-form button[type=submit]');
  await page.waitForFunction((b) => {
    const t = document.querySelector('#audit-results');
    return (t.dataset.done || '') !== b || /Refused|could not/.test(document.querySelector('#audit-msg').textContent);
  }, before, { timeout: WAIT });
  return page.$$eval('#audit-results tbody tr', (rows) => rows.map((r) => Array.from(r.cells, (c) => c.textContent)));
}

const marks = (rows) => rows.map((r) => r[r.length - 1]);

function flipB64(s, at = 0) {
  const b = Buffer.from(s, 'base64');
  b[Math.min(at, b.length - 1)] ^= 0x01;
  return b.toString('base64');
}

// Intercept the search's answer and change it with fn before the page sees it.
async function tamper(page, fn) {
  await page.unroute('**/api/v1/audit/search*');
  await page.route('**/api/v1/audit/search*', async (route) => {
    const resp = await route.fetch();
    const d = await resp.json();
    fn(d);
    await route.fulfill({ response: resp, body: JSON.stringify(d) });
  });
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: launchArgs, timeout: 30000 });
try {
  const errors = [];
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 900 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(`${URL}/`);

  await check('the auditor logs in and sees the audit view', async () => {
    await page.waitForSelector('#l-officer', { state: 'visible', timeout: WAIT });
    await page.fill('#l-officer', env('AUDITOR'));
    await page.fill('#l-password', env('PASSWORD'));
    await page.fill('#l-code', totp(env('S_AUD')));
    await page.press('#l-code', 'Enter');
    await page.waitForSelector('#p-audit', { state: 'visible', timeout: WAIT });
    return true;
  });

  let byOfficer = [];
  await check('search by officer: every row decoded in the page and "proof checked"', async () => {
    byOfficer = await search(page, { 'a-officer': env('OFFICER') });
    if (byOfficer.length < 3) return `only ${byOfficer.length} rows: ${JSON.stringify(byOfficer)}`;
    const bad = byOfficer.filter((r) => r[r.length - 1] !== 'proof checked' || !r[3].startsWith(env('OFFICER') + ' '));
    return bad.length ? `rows not checked or not the officer's: ${JSON.stringify(bad)}` : true;
  });
  await shot(page, 'officer');

  await check('search by document: the events that asked for it, checked', async () => {
    const rows = await search(page, { 'a-doc': env('DOC') });
    const asked = rows.filter((r) => r[5] === 'national.history');
    if (asked.length < 2 || !asked.every((r) => r[8].includes(env('DOC')))) return JSON.stringify(rows);
    const bad = rows.filter((r) => r[r.length - 1] !== 'proof checked');
    return bad.length ? JSON.stringify(bad) : true;
  });

  await check('search by purpose and the centre\'s own log: checked', async () => {
    const rows = await search(page, { 'a-purpose': 'case 2026', 'a-post': 'centre' });
    if (!rows.length) return 'no row';
    const bad = rows.filter((r) => r[r.length - 1] !== 'proof checked' || !/case 2026/.test(r[6]));
    return bad.length ? JSON.stringify(bad) : true;
  });

  await check('the verifier key is shown with its fingerprint, pinned in this browser', async () =>
    waitText(page, '#audit-keys', /\/audit\+[0-9a-f]{8}\+.* fingerprint [0-9a-f]{16} .*pinned in this browser since/));

  await check('search by post: the post\'s mirrored audit log, checked against the post\'s key', async () => {
    const rows = await search(page, { 'a-post': env('POST') });
    if (rows.length < 2) return `only ${rows.length} rows: ${JSON.stringify(rows)}`;
    const bad = rows.filter((r) => r[r.length - 1] !== 'proof checked' || r[1] !== env('POST'));
    if (bad.length) return JSON.stringify(bad);
    return waitText(page, '#audit-keys', new RegExp('post ' + env('POST') + ': .*pinned in this browser'));
  });

  // --- an answer changed on its way -----------------------------------------
  await check('tampered: one flipped byte of an event is "proof FAILED", the others still checked', async () => {
    await tamper(page, (d) => { d.results[0].event = flipB64(d.results[0].event, 20); });
    const rows = await search(page, { 'a-officer': env('OFFICER') });
    const m = marks(rows);
    if (!/^proof FAILED: /.test(m[0])) return `row 0: ${m[0]}`;
    if (!/^\(not shown/.test(rows[0][0])) return `row 0 shown anyway: ${JSON.stringify(rows[0])}`;
    return m.slice(1).every((x) => x === 'proof checked') || `others: ${JSON.stringify(m.slice(1))}`;
  });
  await shot(page, 'tampered-event');

  await check('tampered: one flipped byte of a proof hash is "proof FAILED"', async () => {
    let victim = -1;
    await tamper(page, (d) => {
      victim = d.results.findIndex((r) => r.proof && r.proof.length);
      d.results[victim].proof[0] = flipB64(d.results[victim].proof[0], 5);
    });
    const m = marks(await search(page, { 'a-officer': env('OFFICER') }));
    if (victim < 0) return 'no result with a non-empty proof';
    if (!/^proof FAILED: .*root/.test(m[victim])) return `row ${victim}: ${m[victim]}`;
    return m.filter((x) => x === 'proof checked').length === m.length - 1 || JSON.stringify(m);
  });

  await check('tampered: a changed leaf entry is "proof FAILED"', async () => {
    await tamper(page, (d) => { d.results[1].entry = flipB64(d.results[1].entry, 30); });
    const m = marks(await search(page, { 'a-officer': env('OFFICER') }));
    return /^proof FAILED: /.test(m[1]) || `row 1: ${m[1]}`;
  });

  await check('tampered: an event changed with its entry recomputed to match fails at the root', async () => {
    await tamper(page, (d) => {
      const r = d.results[0];
      const ev = Buffer.from(r.event, 'base64');
      ev[ev.length - 3] ^= 0x01; /* inside the result JSON's last bytes */
      const entry = Buffer.from(r.entry, 'base64');
      createHash('sha256').update(Buffer.concat([Buffer.from(r.salt, 'base64'), ev])).digest().copy(entry, 10);
      r.event = ev.toString('base64');
      r.entry = entry.toString('base64');
    });
    const rows = await search(page, { 'a-officer': env('OFFICER') });
    const m = marks(rows);
    if (!/^proof FAILED: (the proof leads to another root|result: )/.test(m[0])) return `row 0: ${m[0]}`;
    return /^\(not shown/.test(rows[0][0]) || `shown anyway: ${JSON.stringify(rows[0])}`;
  });

  await check('tampered: a checkpoint signature changed fails every row', async () => {
    await tamper(page, (d) => {
      const l = d.logs[0];
      const i = l.checkpoint.lastIndexOf(' ') + 10;
      l.checkpoint = l.checkpoint.slice(0, i) + (l.checkpoint[i] === 'A' ? 'B' : 'A') + l.checkpoint.slice(i + 1);
    });
    const m = marks(await search(page, { 'a-officer': env('OFFICER') }));
    return m.length > 0 && m.every((x) => /^proof FAILED: checkpoint signature/.test(x)) || JSON.stringify(m);
  });

  await check('tampered: another key, with the checkpoint re-signed by it, is refused (pinned key)', async () => {
    await tamper(page, (d) => {
      const l = d.logs[0];
      const name = l.keys[0].split('+')[0];
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
      const raw = Buffer.concat([Buffer.of(1), pub]);
      const id = createHash('sha256').update(Buffer.concat([Buffer.from(name + '\n'), raw])).digest().subarray(0, 4);
      const text = l.checkpoint.slice(0, l.checkpoint.lastIndexOf('\n\n') + 1);
      const sig = sign(null, Buffer.from(text), privateKey);
      l.keys = [`${name}+${id.toString('hex')}+${raw.toString('base64')}`];
      l.checkpoint = `${text}\n\u2014 ${name} ${Buffer.concat([id, sig]).toString('base64')}\n`;
    });
    const m = marks(await search(page, { 'a-officer': env('OFFICER') }));
    const keys = await page.$eval('#audit-keys', (e) => e.textContent);
    if (!/DIFFERS from the key pinned/.test(keys)) return `keys: ${keys}`;
    return m.length > 0 && m.every((x) => /^proof FAILED: key .* differs from the key pinned/.test(x)) || JSON.stringify(m);
  });
  await shot(page, 'tampered-key');
  await page.unroute('**/api/v1/audit/search*');

  await check('untouched again: every row "proof checked"', async () => {
    const m = marks(await search(page, { 'a-officer': env('OFFICER') }));
    return m.length > 0 && m.every((x) => x === 'proof checked') || JSON.stringify(m);
  });

  await check('a bad parameter is refused and the page says which', async () => {
    await page.fill('#a-officer', 'x'.repeat(64));
    await page.evaluate(() => { document.querySelector('#a-officer').maxLength = 200; });
    await page.fill('#a-officer', 'x'.repeat(65));
    await page.click('#audit-form button[type=submit]');
    return waitText(page, '#audit-msg', /^officer: /, WAIT);
  });

  await check('no CSP violation, no script error', async () => {
    const csp = await page.evaluate(() => window.__csp);
    return csp.length || errors.length ? JSON.stringify({ csp, errors }) : true;
  });
} finally {
  await browser.close();
}
process.stdout.write('end\tdone\n');
process.exit(failed() ? 1 : 0);
