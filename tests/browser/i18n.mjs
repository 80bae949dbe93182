// i18n.mjs — the booth console in Albanian and English (docs/console.md,
// "Languages"), in Debian's headless Chromium, run by tests/e2e/i18n.sh
// against a post node started with --lang sq.
//
// Then the printed forms: a refusal (reasons E and H) and a crossing
// receipt, each printed with one action (Alt+P), rendered to PDF with
// page.pdf() (print media) and read back with pdftotext.
//
// Environment: URL, ORIGIN, SHOTS, CHROMIUM, S_A (arben: language sq, set by an
// admin), S_B (besa: no language of her own).
// Prints "ok|fail<TAB>name<TAB>detail" lines and "end<TAB>done" last.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { check, failed, launchArgs, readerType, totp, waitText } from './lib.mjs';

const env = (k) => {
  if (!process.env[k]) throw new Error(`i18n.mjs: ${k} is not set (run tests/e2e/i18n.sh)`);
  return process.env[k];
};
const URL = env('URL');
const SHOTS = env('SHOTS');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const WAIT = 10000;
const LOGIN_WAIT = 30000;
const EN = JSON.parse(readFileSync(new globalThis.URL('../../web/i18n/en.json', import.meta.url), 'utf8'));
const SQ = JSON.parse(readFileSync(new globalThis.URL('../../web/i18n/sq.json', import.meta.url), 'utf8'));
const CLEAN = ['P<UTOHOLM<<ERIK<<<<<<<<<<<<<<<<<<<<<<<<<<<<<', 'C01X00T478UTO8503024M3401011<<<<<<<<<<<<<<<4'];
const BANNED = ['P<UTOBERG<<SARA<<<<<<<<<<<<<<<<<<<<<<<<<<<<<', 'C01X00T630UTO9001011F3202023<<<<<<<<<<<<<<<8'];
const BAD_DIGIT = ['P<UTOHOLM<<ERIK<<<<<<<<<<<<<<<<<<<<<<<<<<<<<', 'C01X00T478UTO8503025M3401011<<<<<<<<<<<<<<<4'];

// The English texts of the catalogue that differ from the Albanian (long
// enough to be telling): none may be on an Albanian screen.
const englishOnly = Object.keys(EN).filter((k) => typeof EN[k] === 'string' && EN[k].length >= 12 &&
  EN[k] !== SQ[k] && !/\{/.test(EN[k])).map((k) => EN[k]);
// and the node's own English words for what it answers with a code
const NODE_ENGLISH = ['check digit is', 'not a digit', 'expected 4', 'officer id, password or code wrong'];

async function visibleText(page) {
  return page.evaluate(() => document.body.innerText);
}

async function login(page, officer, secret, booth) {
  await page.focus('#login-officer');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(officer);
  await page.keyboard.press('Tab');
  await page.keyboard.type('booth password 1');
  await page.keyboard.press('Tab');
  await page.keyboard.type(totp(secret));
  await page.keyboard.press('Tab');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(booth);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#booth-screen', { state: 'visible', timeout: LOGIN_WAIT });
}

async function read(page, lines) {
  await page.focus('#mrz');
  await readerType(page, lines);
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: launchArgs, timeout: 30000 });
try {
  const errors = [];
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
  const page = await ctx.newPage();
  page.setDefaultTimeout(WAIT);
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) errors.push(m.text()); });
  await page.goto(URL + '/');

  await check('login screen: in the installation\'s language (sq), the browser\'s own being English', async () => {
    await waitText(page, '#login-title', new RegExp('^' + SQ['login.title'] + '$'));
    await waitText(page, 'label[for=login-password]', /^Fjalëkalimi$/);
    return (await page.getAttribute('html', 'lang')) === 'sq' || 'html lang is not sq';
  });
  await page.screenshot({ path: `${SHOTS}/i18n-login-sq.png` });

  await check('a wrong login: the refusal in Albanian, not the node\'s English', async () => {
    await page.fill('#login-officer', 'arben');
    await page.fill('#login-password', 'not the password');
    await page.fill('#login-code', '000000');
    await page.fill('#login-booth', 'B1');
    await page.press('#login-booth', 'Enter');
    await waitText(page, '#login-msg', /hyrja u refuzua: ID e oficerit, fjalëkalimi ose kodi është i gabuar/, LOGIN_WAIT);
    const t = await visibleText(page);
    return !/password or code wrong/.test(t) || 'English on the screen';
  });

  await check('arben (language sq) logs in: the booth in Albanian', async () => {
    await login(page, 'arben', env('S_A'), 'B1');
    await waitText(page, '#summary', /^Në pritje të një dokumenti\.$/);
    await waitText(page, '#admit', /Prano/);
    await waitText(page, '#direction', /Hyrje \(Alt\+E\).*Dalje \(Alt\+X\)/s);
    await waitText(page, '#who', /^oficeri arben · kabina B1$/);
    return (await page.inputValue('#lang')) === 'sq' || 'the switch does not say sq';
  });

  await check('a clean passport: the result in Albanian', async () => {
    await read(page, CLEAN);
    await waitText(page, '#summary', /^Shifrat e kontrollit të MRZ të vlefshme · asnjë gjetje · 90 ditë të mbetura — HOLM, ERIK$/);
    await waitText(page, '#hits-state', /^Asnjë gjetje\.$/);
    await waitText(page, '#stay-national', /^Ende pa të dhëna kombëtare: llogariten vetëm kalimet e kësaj pike\.$/);
    await waitText(page, '#traveller', /Shtetësia/);
    return true;
  });

  await check('the refusal reasons A-J in Albanian', async () => {
    await page.keyboard.press('Alt+R');
    await page.waitForSelector('#refuse-box', { state: 'visible' });
    await waitText(page, '#refuse-codes', /F — ka qëndruar tashmë 90 ditë gjatë periudhës së mëparshme 180-ditore/);
    await waitText(page, '#refuse-box legend', /Refuzim hyrjeje/);
    await page.keyboard.press('Escape');
    return true;
  });

  await check('a wrong check digit: the node\'s code said in Albanian, field and values', async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await read(page, BAD_DIGIT);
    await waitText(page, '#doc-errors', /Data e lindjes: shifra e kontrollit është 5, pritej 4/);
    await waitText(page, '#summary', /^Shifrat e kontrollit të MRZ JO të vlefshme/);
    return true;
  });

  await check('no English on the Albanian screen (catalogue texts or the node\'s words)', async () => {
    const t = await visibleText(page);
    const found = englishOnly.concat(NODE_ENGLISH).filter((s) => t.includes(s));
    return found.length === 0 || 'English: ' + found.slice(0, 5).join(' | ');
  });
  await page.screenshot({ path: `${SHOTS}/i18n-booth-sq.png`, fullPage: true });

  await check('switched to English in the console: every text redrawn, the check too', async () => {
    await page.focus('#lang');
    await page.selectOption('#lang', 'en');
    await waitText(page, '#doc-errors', /Birth date: check digit is 5, expected 4/);
    await waitText(page, '#summary', /^MRZ check digits NOT valid/);
    await waitText(page, '#admit', /Admit/);
    await waitText(page, '#mrz-help', /checks now/);
    await waitText(page, '#who', /^officer arben · booth B1$/);
    const t = await visibleText(page);
    const sq = ['Në pritje', 'Shifrat e kontrollit', 'Prano', 'Dokumenti', 'Verifikimi', 'Qëndrimi'].filter((s) => t.includes(s));
    return sq.length === 0 || 'Albanian left: ' + sq.join(' | ');
  });
  await page.screenshot({ path: `${SHOTS}/i18n-booth-en.png`, fullPage: true });

  await check('the choice is stored as arben\'s (the node answers it)', async () => {
    const tok = await page.evaluate(() => JSON.parse(sessionStorage.getItem('tims.session') || '{}').token || '');
    const r = await page.request.put(`${URL}/api/v1/preferences`, { headers: { Authorization: `Bearer ${tok}` }, data: { lang: 'fr' } });
    const j = await r.json();
    return (r.status() === 400 && j.params && j.params.field === 'lang' && j.params.rule === 'one_of') ||
      `a language it does not have: ${r.status()} ${JSON.stringify(j)}`;
  });

  await check('logged out, besa (no language of her own) logs in: the installation\'s Albanian', async () => {
    await page.keyboard.press('Alt+L');
    await page.waitForSelector('#login-screen', { state: 'visible' });
    // the booth keeps the last language on its login screen (English now)
    await waitText(page, '#login-title', /^Booth console — log in$/);
    await login(page, 'besa', env('S_B'), 'B1');
    await waitText(page, '#summary', /^Në pritje të një dokumenti\.$/);
    return (await page.inputValue('#lang')) === 'sq' || 'the switch does not say sq';
  });

  // ---- the printed forms (besa, Albanian screen) --------------------------
  await page.evaluate(() => { window.__printed = 0; window.print = () => { window.__printed++; }; });
  // the text in reading order (each cell's words together), and laid out
  // (a reason's box and letter on one line)
  const pdfText = async (name) => {
    const path = `${SHOTS}/${name}.pdf`;
    await page.pdf({ path, format: 'A4', printBackground: true });
    return { flow: execFileSync('pdftotext', [path, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' '),
             layout: execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' }) };
  };
  const ORIGIN = env('ORIGIN');

  await check('a hit\'s reasons in Albanian, from the codes the node gives, not its English', async () => {
    await read(page, BANNED);
    await waitText(page, '#summary', /1 gjetje.* — BERG, SARA$/);
    const shown = await page.$$eval('#hits .reasons li', (l) => l.map((e) => e.textContent));
    const want = ['mbiemri BERG përputhet', 'emri SARA përputhet', 'datëlindja 1990-01-01 përputhet'];
    const missing = want.filter((w) => !shown.includes(w));
    if (missing.length) return `missing ${missing.join(' | ')} in ${JSON.stringify(shown)}`;
    return !shown.some((r) => /matches|differs|date of birth|surname/.test(r)) || `English: ${JSON.stringify(shown)}`;
  });

  await check('a refusal with reasons E and H is registered', async () => {
    await page.keyboard.press('Alt+R');
    await page.waitForSelector('#refuse-box', { state: 'visible' });
    await page.keyboard.press('e');
    await page.keyboard.press('h');
    await page.focus('#remarks');
    await page.keyboard.type('ndalim hyrjeje i konfirmuar');
    await page.keyboard.press('Enter');
    await waitText(page, '#receipt', /REFUZUAR \(E,H\)/);
    return true;
  });

  await check('the refusal form: one action (Alt+P) fills it and prints; nothing of it on the screen', async () => {
    await page.keyboard.press('Alt+P');
    await page.waitForFunction(() => window.__printed === 1, null, { timeout: WAIT });
    const form = await page.getAttribute('#print-area', 'data-form');
    const shown = await page.isVisible('#print-area');
    return (form === 'refusal' && !shown) || `form ${form}, visible on screen: ${shown}`;
  });

  await check('the refusal form as PDF: bilingual headings, the reasons ticked, the person, the post, the officer, signature and stamp', async () => {
    const { flow, layout } = await pdfText('i18n-refusal');
    const want = ['Formulari standard i refuzimit të hyrjes në kufi', 'Standard form for refusal of entry at the border',
      'Rregullorja (BE) 2016/399', 'Regulation (EU) 2016/399', 'Annex V, Part B', 'BERG', 'SARA', '1990-01-01', 'UTO',
      ORIGIN, 'besa', 'Pika e kalimit kufitar', 'Border crossing point', 'Nënshkrimi i personit në fjalë',
      'Signature of the person concerned', 'Vula e pikës së kalimit kufitar', 'Stamp of the border crossing point',
      'ndalim hyrjeje i konfirmuar', 'nuk ka mjete të mjaftueshme jetese', 'does not have sufficient means of subsistence'];
    const missing = want.filter((w) => !flow.includes(w));
    if (missing.length) return 'missing: ' + missing.join(' | ');
    const ticked = layout.split('\n').filter((l) => l.includes('\u2612')).map((l) => (l.match(/\(([A-J])\)/) || [])[1]);
    const open = layout.split('\n').filter((l) => /\u2610\s*\([A-J]\)/.test(l)).length;
    return (ticked.join(',') === 'E,H' && open === 8) || `ticked: ${ticked.join(',')}, unticked: ${open}`;
  });

  await check('a crossing receipt: admitted, printed the same way, as PDF', async () => {
    await page.keyboard.press('Escape');
    await read(page, CLEAN);
    await waitText(page, '#summary', /^Shifrat e kontrollit të MRZ të vlefshme · asnjë gjetje/);
    await page.keyboard.press('Alt+A');
    await waitText(page, '#receipt', /PRANUAR/);
    await page.keyboard.press('Alt+P');
    await page.waitForFunction(() => window.__printed === 2, null, { timeout: WAIT });
    if ((await page.getAttribute('#print-area', 'data-form')) !== 'receipt') return 'not the receipt';
    const txt = (await pdfText('i18n-receipt')).flow;
    const want = ['Dëshmi e kalimit të kufirit', 'Border crossing receipt', 'HOLM', 'ERIK', 'hyrje / entry',
      'PRANUAR / ADMITTED', ORIGIN, 'besa'];
    const missing = want.filter((w) => !txt.includes(w));
    return missing.length === 0 || 'missing: ' + missing.join(' | ');
  });

  await check('no script error and no CSP violation', async () => errors.length === 0 || errors.slice(0, 3).join(' | '));
} finally {
  await browser.close();
}
process.stdout.write('end\tdone\n');
process.exit(failed() ? 1 : 0);
