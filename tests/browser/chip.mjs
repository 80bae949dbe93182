// chip.mjs — the chip's outcome and the DG2 photo on the booth console
// (tests/e2e/booth-chip.sh runs it against its post). The officer picks the
// files the reader wrote, the MRZ is typed by the wedge: the console shows
// the post's outcome ("authenticated") and the photo beside the traveller,
// really decoded by Chromium (its natural size is the JPEG's 8x8); then a
// chip whose DG2 was altered: the headline says "possibly altered", the
// photo is marked unverified and Admit stays disabled. Then active
// authentication as the officer does it: the chip panel shows the post's
// challenge, the reader's answer to it (made here with the chip's key, as
// `tims epassport read --challenge` writes aa-response.bin) is picked with
// the files, and the post authenticates the chip; an answer to the
// previous challenge (a replayed one) fails, "possibly a cloned chip".
//
// Environment: URL, CHROMIUM, S_OFF (TOTP secret of ivanova), PW, PKI (the
// mkpki.sh directory), MRZ1, MRZ2 (the printed MRZ's lines).
import { chromium } from 'playwright-core';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { check, failed, launchArgs, readerType, totp, waitText } from './lib.mjs';

const { URL, CHROMIUM, S_OFF, PW, PKI, MRZ1, MRZ2 } = process.env;
const WAIT = 15000;

/* The chip's answer to INTERNAL AUTHENTICATE with challenge (hex): ISO
 * 9796-2 scheme 1, SHA-1, F = 6A || M1 || SHA-1(M1 || challenge) || BC
 * raised to the chip key's d (RSA without padding), in dir/aa-response.bin. */
function aaAnswer(dir, challenge) {
  const key = crypto.createPrivateKey(fs.readFileSync(`${PKI}/aa.key`));
  const kl = key.asymmetricKeyDetails.modulusLength / 8;
  const m1 = Buffer.alloc(kl - 22, 7);
  const h = crypto.createHash('sha1').update(m1).update(Buffer.from(challenge, 'hex')).digest();
  const f = Buffer.concat([Buffer.from([0x6a]), m1, h, Buffer.from([0xbc])]);
  const sig = crypto.privateDecrypt({ key, padding: crypto.constants.RSA_NO_PADDING }, f);
  const file = path.join(dir, 'aa-response.bin');
  fs.writeFileSync(file, sig);
  return file;
}
const AA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'chip-aa-'));

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

  let previous = '';
  await check('active authentication: the post\'s challenge shown, the chip\'s answer to it sent, authenticated', async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.getElementById('chip-sum').textContent === '');
    await page.evaluate(() => { document.getElementById('chip').open = true; });
    await waitText(page, '#chip-challenge', /^[0-9a-f]{16}$/);
    previous = await page.textContent('#chip-challenge');
    await waitText(page, '#chip-challenge-help', new RegExp(`--challenge ${previous} --out DIR`));
    await page.setInputFiles('#chip-files', [`${PKI}/sod-aa.bin`, `${PKI}/dg1.bin`, `${PKI}/dg2.bin`, `${PKI}/dg15.bin`,
      aaAnswer(AA_DIR, previous)]);
    await waitText(page, '#chip-sum', /SOD DG1 DG2 DG15/);
    await page.focus('#mrz');
    await readerType(page, [MRZ1, MRZ2]);
    await waitText(page, '#chip-state', /Chip authenticated by this post/);
    return !(await page.isDisabled('#admit')) || 'Admit is disabled for an authenticated chip';
  });

  await check('active authentication: the answer to the previous challenge (replayed) fails, possibly a cloned chip', async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.getElementById('chip-sum').textContent === '');
    await page.evaluate(() => { document.getElementById('chip').open = true; });
    await page.waitForFunction((p) => /^[0-9a-f]{16}$/.test(document.getElementById('chip-challenge').textContent) &&
      document.getElementById('chip-challenge').textContent !== p, previous);
    fs.rmSync(path.join(AA_DIR, 'aa-response.bin'));
    await page.setInputFiles('#chip-files', [`${PKI}/sod-aa.bin`, `${PKI}/dg1.bin`, `${PKI}/dg2.bin`, `${PKI}/dg15.bin`,
      aaAnswer(AA_DIR, previous)]);
    await waitText(page, '#chip-sum', /SOD DG1 DG2 DG15/);
    await page.focus('#mrz');
    await readerType(page, [MRZ1, MRZ2]);
    await waitText(page, '#chip-state', /does not verify: possibly a cloned chip/);
    return (await page.isDisabled('#admit')) || 'Admit is enabled for a chip that failed active authentication';
  });
} finally {
  fs.rmSync(AA_DIR, { recursive: true, force: true });
  await browser.close();
}
process.stdout.write('end\tdone\n');
process.exit(failed() ? 1 : 0);
