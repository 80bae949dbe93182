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
