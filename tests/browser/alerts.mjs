// alerts.mjs — the dashboard's alerts queue (web/dashboard/) driven in
// Debian's headless Chromium by playwright-core, run by tests/e2e/alerts.sh
// against a real centre holding an unusual-reading alert.
//
// Environment (set by alerts.sh): URL (the centre), SHOTS, CHROMIUM,
// PASSWORD, S_SUP (the TOTP secret of supervisor SUP), SUP, ASSIGNEE (an
// analyst of the centre), ALERT_ID (a severe unusual-reading alert).
//
// Prints "ok<TAB>name", "fail<TAB>name<TAB>detail", and "end<TAB>done" last.
import { chromium } from 'playwright-core';
import { check, failed, launchArgs, totp, waitText as wait } from './lib.mjs';

const env = (k) => {
  if (!process.env[k]) throw new Error(`alerts.mjs: ${k} is not set (run tests/e2e/alerts.sh)`);
  return process.env[k];
};
const URL = env('URL');
const SHOTS = env('SHOTS');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ID = env('ALERT_ID');
const WAIT = 15000;
const waitText = (page, sel, re, timeout = WAIT) => wait(page, sel, re, timeout);
const shot = (page, name) => page.screenshot({ path: `${SHOTS}/alerts-${name}.png`, fullPage: true });
const row = `#alerts tbody tr[data-id="${ID}"]`;

const browser = await chromium.launch({ executablePath: CHROMIUM, args: launchArgs, timeout: 30000 });
try {
  const errors = [];
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1366, height: 900 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  await page.goto(`${URL}/`);

  await check('login: the supervisor logs in', async () => {
    await page.waitForSelector('#l-officer', { state: 'visible', timeout: WAIT });
    await page.fill('#l-officer', env('SUP'));
    await page.fill('#l-password', env('PASSWORD'));
    await page.fill('#l-code', totp(env('S_SUP')));
    await page.press('#l-code', 'Enter');
    await page.waitForSelector('#dash', { state: 'visible', timeout: WAIT });
    return true;
  });
  await check('queue: the unusual-reading alert is on the panel, severe, open', async () => {
    await page.waitForSelector(row, { timeout: WAIT });
    return waitText(page, row, /unusual-reading \(severe\).*many-identities.*officer nina.*open/);
  });
  await shot(page, 'open');
  await check('queue: the supervisor acknowledges it; a severe alert stays on the panel', async () => {
    await page.locator(row).locator('button.ack').click();
    await page.waitForSelector('#alert-form', { state: 'visible', timeout: WAIT });
    await page.click('#af-ack');
    await waitText(page, row, new RegExp(`acknowledged by ${env('SUP')}`));
    return waitText(page, '#alerts-msg', /Acknowledged/);
  });
  await check('queue: it is assigned to an analyst of the centre', async () => {
    await page.fill('#af-officer', env('ASSIGNEE'));
    await page.click('#af-assign');
    return waitText(page, row, new RegExp(`assigned to ${env('ASSIGNEE')}`));
  });
  await shot(page, 'assigned');
  await check('queue: a close without a note is not sent', async () => {
    await page.fill('#af-note', '   ');
    await page.click('#af-close');
    await waitText(page, '#alerts-msg', /closing note is required/);
    return (await page.isVisible(row)) || 'the alert left the panel';
  });
  await check('queue: closed with a note, it leaves the panel', async () => {
    await page.fill('#af-note', 'checked with the post: training exercise');
    await page.click('#af-close');
    await page.waitForSelector(row, { state: 'detached', timeout: WAIT });
    return waitText(page, '#alerts-msg', /Closed/);
  });
  await check('queue: the closed alert is listed with who closed it, the assignee and the note', async () => {
    await page.click('#alerts-closed-box summary');
    const closed = `#alerts-closed tbody tr[data-id="${ID}"]`;
    await page.waitForSelector(closed, { timeout: WAIT });
    return waitText(page, closed, new RegExp(`${env('SUP')}.*${env('ASSIGNEE')}.*checked with the post: training exercise`));
  });
  await shot(page, 'closed');
  await check('the page ran with no script error', () => errors.length === 0 || errors.join(' | '));
  await ctx.close();
} finally {
  await browser.close();
}
process.stdout.write(`end\tdone\t${failed()} failed\n`);
process.exit(0);
