// chip.mjs — the chip's outcome and the DG2 photo on the booth console
// (tests/e2e/booth-chip.sh runs it against its post). The officer picks the
// files the reader wrote, the MRZ is typed by the wedge: the console shows
// the post's outcome ("authenticated") and the photo beside the traveller,
// really decoded by Chromium (its natural size is the JPEG's 8x8); then a
// chip whose DG2 was altered: the headline says "possibly altered", the
// photo is marked unverified and Admit stays disabled.
//
// Environment: URL, CHROMIUM, S_OFF (TOTP secret of ivanova), PW, PKI (the
// mkpki.sh directory), MRZ1, MRZ2 (the printed MRZ's lines).
import { chromium } from 'playwright-core';
import { check, failed, launchArgs, readerType, totp, waitText } from './lib.mjs';

const { URL, CHROMIUM, S_OFF, PW, PKI, MRZ1, MRZ2 } = process.env;
const WAIT = 15000;

const browser = await chromium.launch({ executablePath: CHROMIUM, args: launchArgs, timeout: 30000 });
try {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1366, height: 768 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(WAIT);
  await page.goto(`${URL}/`);
  await page.fill('#login-officer', 'ivanova');
  await page.fill('#login-password', PW);
  await page.fill('#login-code', totp(S_OFF));
  await page.fill('#login-booth', 'B2');
  await page.press('#login-booth', 'Enter');
  await page.waitForSelector('#booth-screen', { state: 'visible', timeout: 30000 });

  await check('genuine chip: the console shows the post\'s outcome and the photo beside the traveller', async () => {
    await page.evaluate(() => { document.getElementById('chip').open = true; });
    await page.setInputFiles('#chip-files', [`${PKI}/sod-face.bin`, `${PKI}/dg1.bin`, `${PKI}/dg2-face.bin`, `${PKI}/mrz.txt`]);
    await waitText(page, '#chip-sum', /SOD DG1 DG2/);
    await page.focus('#mrz');
    await readerType(page, [MRZ1, MRZ2]);
    await waitText(page, '#chip-state', /Chip authenticated by this post: issued by NLD, signed by CN=Test DS RSA/);
    await waitText(page, '#chip-photo-note', /signed by the issuing state/);
    await page.waitForFunction(() => {
      const i = document.getElementById('chip-img');
      return i.complete && i.naturalWidth > 0;
    }, null, { timeout: WAIT });
    const size = await page.$eval('#chip-img', (i) => `${i.naturalWidth}x${i.naturalHeight}`);
    if (size !== '8x8') return `the photo decoded as ${size}, not the chip's 8x8 JPEG`;
    if (await page.isHidden('#chip-photo')) return 'the photo is hidden';
    return !(await page.isDisabled('#admit')) || 'Admit is disabled for an authenticated chip';
  });

  await check('altered DG2: "possibly altered" in the headline, photo unverified, Admit disabled', async () => {
    await page.keyboard.press('Escape'); /* the first one only warns: a check is pending */
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.getElementById('chip-sum').textContent === '');
    await page.evaluate(() => { document.getElementById('chip').open = true; });
    await page.setInputFiles('#chip-files', [`${PKI}/sod-face.bin`, `${PKI}/dg1.bin`, `${PKI}/dg2-alt.bin`]);
    await waitText(page, '#chip-sum', /SOD DG1 DG2/);
    await page.focus('#mrz');
    await readerType(page, [MRZ1, MRZ2]);
    await waitText(page, '#headline', /CHIP FAILED — document possibly altered or chip cloned: refer to second line/);
    await waitText(page, '#chip-state', /data on the chip was changed after signing/);
    await waitText(page, '#chip-photo-note', /NOT verified/);
    return (await page.isDisabled('#admit')) || 'Admit is enabled for a failed chip';
  });
} finally {
  await browser.close();
}
process.stdout.write('end\tdone\n');
process.exit(failed() ? 1 : 0);
