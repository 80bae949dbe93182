// lib.mjs — what the browser tests share: TAP-like reporting for the shell
// script that runs them, waiting for text on the page, TOTP codes.
import { execFileSync } from 'node:child_process';

let failures = 0;

// One line per check: "ok<TAB>name" or "fail<TAB>name<TAB>detail".
export function report(ok, name, detail = '') {
  if (!ok) failures++;
  const d = String(detail).replace(/\t/g, ' ').replace(/\\/g, '\\\\').replace(/\n/g, '\\n').slice(0, 1500);
  process.stdout.write(`${ok ? 'ok' : 'fail'}\t${name}\t${d}\n`);
}

// A check passes when fn returns anything but false or a string (the reason).
export async function check(name, fn) {
  try {
    const r = await fn();
    if (r === false) report(false, name, 'condition is false');
    else if (typeof r === 'string') report(false, name, r);
    else report(true, name);
  } catch (e) {
    report(false, name, e.message.split('\n').slice(0, 6).join('\n'));
  }
}

export const failed = () => failures;

export function totp(secret) {
  return execFileSync('oathtool', ['--totp', '-b', secret], { encoding: 'utf8' }).trim();
}

// Wait until the element's text matches re; on timeout say what it was.
export async function waitText(page, sel, re, timeout = 10000) {
  try {
    await page.waitForFunction(([s, src, flags]) => {
      const e = document.querySelector(s);
      return !!e && new RegExp(src, flags).test(e.textContent);
    }, [sel, re.source, re.flags], { timeout });
  } catch (e) {
    const got = await page.$eval(sel, (n) => n.textContent).catch(() => '(no such element)');
    throw new Error(`${sel}: no match for ${re} in: ${got.replace(/\s+/g, ' ').slice(0, 400)}`);
  }
  return true;
}

export const launchArgs = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking'];

// A keyboard-wedge reader: the keys of each line, then Enter, at a reader's
// pace. The key events go to the browser through the DevTools protocol
// without waiting for each one's answer, so they arrive back to back (a
// reader's few ms apart) however slow the machine running the test is —
// page.keyboard.type waits a round trip per key, which on a loaded machine
// is a person's pace, not a reader's. Each key is a real keydown with its
// text (the browser inserts it where the focus is), then a keyup.
export async function readerType(page, lines, { enter = true } = {}) {
  const cdp = await page.context().newCDPSession(page);
  const sends = [];
  const key = (k, text, vk, code) => {
    sends.push(cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', key: k, code, text, unmodifiedText: text,
      windowsVirtualKeyCode: vk }));
    sends.push(cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key: k, code, windowsVirtualKeyCode: vk }));
  };
  for (const l of lines) {
    for (const c of l) {
      if (c === '<') key('<', '<', 188, 'Comma');
      else if (/[0-9]/.test(c)) key(c, c, c.charCodeAt(0), 'Digit' + c);
      else key(c, c, c.toUpperCase().charCodeAt(0), 'Key' + c.toUpperCase());
    }
    if (enter) key('Enter', '\r', 13, 'Enter');
  }
  await Promise.all(sends);
  await cdp.detach();
}

// A line for the TAP output as it is ("# TEXT"): figures the test measured.
export function note(text) {
  process.stdout.write(`note\t${String(text).replace(/[\t\n]/g, ' ')}\n`);
}

// ICAO 9303 check digit (weights 7 3 1; '<' 0, digits, A=10 .. Z=35).
export function mrzDigit(s) {
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const v = c === '<' ? 0 : /[0-9]/.test(c) ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 55;
    sum += v * [7, 3, 1][i % 3];
  }
  return String(sum % 10);
}

// A TD3 (passport) MRZ with every check digit right: dates YYMMDD.
export function td3({ surname, given, nat, number, birth, sex, expiry, issuer = nat }) {
  const pad = (s, n) => (s + '<'.repeat(n)).slice(0, n);
  const l1 = pad('P<' + issuer + surname.replace(/ /g, '<') + '<<' + given.replace(/ /g, '<'), 44);
  const doc = pad(number, 9) + mrzDigit(pad(number, 9));
  const b = birth + mrzDigit(birth);
  const e = expiry + mrzDigit(expiry);
  const opt = '<'.repeat(14) + '<';
  const l2 = doc + nat + b + sex + e + opt;
  return [l1, l2 + mrzDigit(doc + b + e + opt)];
}
