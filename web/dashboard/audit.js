/* audit.js — the auditors' view of the audit logs (docs/dashboard.md, "Audit
 * view"). Plain JS under Content-Security-Policy default-src 'self'.
 *
 * The centre answers GET /api/v1/audit/search with, for each event, its
 * bytes and salt, its 42-byte leaf entry and index, an RFC 9162 inclusion
 * proof, the signed checkpoint of its log and the verifier key(s). This page
 * believes none of the centre's words about the event: it decodes the bytes
 * itself (docs/formats.md §9) and shows only what it decoded; it recomputes
 * SHA-256(salt ‖ event) against the entry, the leaf hash, folds the proof to
 * a root, compares it with the root of the checkpoint, and checks the
 * checkpoint's Ed25519 signature with WebCrypto. Each row says "proof
 * checked" or "proof FAILED: reason".
 *
 * Where the keys come from: the same server. A server that lies about an
 * event can lie about the key too, so each key is pinned in this browser the
 * first time it is seen (localStorage) and shown with its fingerprint, for
 * the auditor to compare with the key printed at installation (`cat
 * CENTRE/audit.vkey`, a post's post.vkey); a key that differs from the one
 * pinned fails every proof that depends on it. */
(function () {
  'use strict';

  const PAGE = 50;
  const PIN_STORE = 'tims-audit-pins';
  const enc = new TextEncoder();
  const st = { api: null, touch: null, page: 0, q: null, on: false };
  const $ = (id) => document.getElementById(id);
  /* every text from the catalogue (i18n.js); a failed check names its rule */
  const t = (k, p) => window.TimsI18n.t(k, p);
  function fail(key, p) {
    const e = new Error(t(key, p));
    e.key = key;
    return e;
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  /* ---- bytes ------------------------------------------------------------- */

  function unb64(s) {
    if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4)
      throw fail('v.not_base64');
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function cat(...parts) {
    const n = parts.reduce((a, p) => a + p.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    parts.forEach((p) => { out.set(p, o); o += p.length; });
    return out;
  }

  function same(a, b) {
    if (a.length !== b.length) return false;
    let d = 0;
    for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
    return d === 0;
  }

  function hex(b) { return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(''); }

  async function sha256(b) { return new Uint8Array(await crypto.subtle.digest('SHA-256', b)); }

  /* ---- the event encoding, version 1 (docs/formats.md §9) ------------------ */

  const TEXTS = [['actor', 64], ['role', 15], ['booth', 31], ['addr', 63], ['action', 63], ['purpose', 255]];
  const utf8 = new TextDecoder('utf-8', { fatal: true });

  function decodeEvent(b) {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let o = 0;
    const need = (n, f) => { if (o + n > b.length) throw fail('v.truncated', { f }); };
    const text = (f, n, max) => {
      if (n > max) throw fail('v.too_long', { f, n, max });
      need(n, f);
      let s;
      try { s = utf8.decode(b.subarray(o, o + n)); } catch (e) { throw fail('v.not_utf8', { f }); }
      o += n;
      if (/[\u0000-\u001f\u007f-\u009f]/.test(s)) throw fail('v.control', { f });
      return s;
    };
    const ev = {};
    need(1, 'version');
    if (b[o] !== 1) throw fail('v.version', { v: b[o] });
    o += 1;
    need(8, 'time');
    ev.time_ms = v.getBigInt64(o);
    o += 8;
    for (const [f, max] of TEXTS) {
      need(2, f);
      const n = v.getUint16(o);
      o += 2;
      ev[f] = text(f, n, max);
    }
    if (!ev.action) throw fail('v.action_empty');
    need(8, 'crossing');
    ev.crossing = v.getBigInt64(o);
    o += 8;
    if (ev.crossing < -1n) throw fail('v.crossing_negative');
    need(4, 'status');
    ev.status = v.getInt32(o);
    o += 4;
    if (ev.status < 100 || ev.status > 599) throw fail('v.status', { status: ev.status });
    for (const f of ['query', 'result']) {
      need(4, f);
      const n = v.getUint32(o);
      o += 4;
      if (n === 0) { ev[f] = null; continue; }
      const s = text(f, n, 65536);
      try { ev[f] = JSON.parse(s); } catch (e) { throw fail('v.not_json', { f }); }
      ev[f + '_text'] = s;
    }
    if (o !== b.length) throw fail('v.trailing');
    return ev;
  }

  /* ---- RFC 9162 2.1.3.2 --------------------------------------------------- */

  async function node(l, r) { return sha256(cat(Uint8Array.of(1), l, r)); }

  async function rootFromProof(index, size, leaf, proof) {
    if (index >= size) throw fail('v.index', { index, size });
    let fn = index, sn = size - 1n, r = leaf;
    for (const p of proof) {
      if (p.length !== 32) throw fail('v.proof_hash');
      if (sn === 0n) throw fail('v.proof_long');
      if ((fn & 1n) === 1n || fn === sn) {
        r = await node(p, r);
        if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      } else {
        r = await node(r, p);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    if (sn !== 0n) throw fail('v.proof_short');
    return r;
  }

  /* ---- signed notes (c2sp.org/signed-note) and checkpoints ------------------ */

  function pins() {
    try { return JSON.parse(localStorage.getItem(PIN_STORE) || '{}') || {}; } catch (e) { return {}; }
  }

  /* "NAME+HHHHHHHH+BASE64(0x01 || pub)": checked, pinned, imported. */
  async function parseKey(line) {
    const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m) throw fail('v.key_malformed');
    const raw = unb64(m[3]);
    if (raw.length !== 33 || raw[0] !== 1) throw fail('v.key_not_ed25519', { name: m[1] });
    const id = (await sha256(cat(enc.encode(m[1] + '\n'), raw))).subarray(0, 4);
    if (hex(id) !== m[2]) throw fail('v.key_hash', { name: m[1] });
    const p = pins();
    let pinned = p[m[1]];
    if (!pinned) {
      pinned = p[m[1]] = { key: line, since: new Date().toISOString() };
      try { localStorage.setItem(PIN_STORE, JSON.stringify(p)); } catch (e) { /* private mode */ }
    }
    const fpr = hex((await sha256(enc.encode(line))).subarray(0, 8));
    const k = { name: m[1], line, id, fpr, pinned: pinned.key === line, since: pinned.since };
    k.crypto = await crypto.subtle.importKey('raw', raw.subarray(1), { name: 'Ed25519' }, false, ['verify']);
    return k;
  }

  /* The checkpoint of a log: its signature by one of the keys, then its body. */
  async function checkNote(note, keys, origin) {
    const cut = note.lastIndexOf('\n\n');
    if (cut < 0 || !note.endsWith('\n')) throw fail('v.cp_not_note');
    const text = note.slice(0, cut + 1);
    const sigs = note.slice(cut + 2, -1).split('\n');
    let good = 0;
    const signers = [];
    for (const s of sigs) {
      const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(s);
      if (!m) throw fail('v.cp_sig_line');
      const sig = unb64(m[2]);
      for (const k of keys) {
        if (k.name !== m[1] || sig.length < 4 || !same(sig.subarray(0, 4), k.id)) continue;
        if (!k.pinned) throw fail('v.key_differs', { name: k.name, since: k.since });
        if (sig.length !== 68 ||
            !(await crypto.subtle.verify({ name: 'Ed25519' }, k.crypto, sig.subarray(4), enc.encode(text))))
          throw fail('v.cp_sig_bad', { name: k.name });
        good++;
        signers.push(k.name);
      }
    }
    if (!good) throw fail('v.cp_no_key');
    const lines = text.split('\n');
    if (lines.length < 4 || !/^(0|[1-9][0-9]{0,18})$/.test(lines[1])) throw fail('v.cp_body');
    if (origin !== undefined && lines[0] !== origin) throw fail('v.cp_origin', { got: lines[0], want: origin });
    /* an audit log's: "<the signer's name>/audit" (a post) or the signer's own
     * name ending in /audit (the centre) — never another log of the same key */
    if (!/\/audit$/.test(lines[0]) || !signers.some((n) => lines[0] === n || lines[0] === n + '/audit'))
      throw fail('v.cp_not_audit', { got: lines[0] });
    const root = unb64(lines[2]);
    if (root.length !== 32) throw fail('v.cp_root');
    return { origin: lines[0], size: BigInt(lines[1]), root };
  }

  /* ---- one result ------------------------------------------------------------ */

  async function checkRow(r, log) {
    if (r.problem) throw fail('v.no_proof_why', { why: r.problem });
    if (!log) throw fail('v.no_checkpoint');
    const cp = await log.cp;
    const entry = unb64(r.entry);
    if (entry.length !== 42 || entry[0] !== 1 || entry[1] !== 2) throw fail('v.leaf');
    const out = { erased: !!r.erased };
    if (!r.erased) {
      const ev = unb64(r.event), salt = unb64(r.salt);
      if (salt.length !== 32) throw fail('v.salt');
      out.ev = decodeEvent(ev);
      const etime = new DataView(entry.buffer, entry.byteOffset).getBigInt64(2);
      if (etime !== out.ev.time_ms) throw fail('v.time');
      if (!same(await sha256(cat(salt, ev)), entry.subarray(10))) throw fail('v.commitment');
    } else {
      out.time_ms = new DataView(entry.buffer, entry.byteOffset).getBigInt64(2);
    }
    if (!Array.isArray(r.proof)) throw fail('v.no_proof');
    const leaf = await sha256(cat(Uint8Array.of(0), entry));
    const root = await rootFromProof(BigInt(r.index), cp.size, leaf, r.proof.map(unb64));
    if (!same(root, cp.root)) throw fail('v.root');
    return out;
  }

  function iso(ms) {
    const n = Number(ms);
    return Number.isFinite(n) ? new Date(n).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '?';
  }

  function brief(s) { return s && s.length > 160 ? s.slice(0, 157) + '…' : (s || '—'); }

  async function render(d) {
    const keysBox = $('audit-keys');
    keysBox.replaceChildren();
    const logs = {};
    for (const l of d.logs || []) {
      logs[l.post] = l;
      l.cp = (async () => {
        const keys = [];
        for (const line of l.keys || []) keys.push(await parseKey(line));
        keys.forEach((k) => {
          const li = el('li', (l.post ? t('keys.post', { post: l.post }) : t('keys.centre')) + ': ' + k.line +
            t('keys.fpr', { fpr: k.fpr }) +
            (k.pinned ? t('keys.pinned', { since: k.since }) :
              t('keys.differs', { since: k.since, key: (pins()[k.name] || {}).key || '?' })),
          k.pinned ? '' : 'bad');
          keysBox.appendChild(li);
        });
        return checkNote(l.checkpoint, keys, l.origin);
      })();
      l.cp.catch(() => {});
    }
    const tb = $('audit-results').tBodies[0];
    tb.replaceChildren();
    let checked = 0, failed = 0;
    const rows = d.results || [];
    for (const r of rows) {
      const tr = el('tr');
      tr.dataset.post = r.post;
      tr.dataset.index = r.index;
      let res = null, why = null;
      try { res = await checkRow(r, logs[r.post]); } catch (e) { why = e.message; }
      const ev = res && res.ev;
      const cells = ev ? [
        iso(ev.time_ms), r.post || t('col.centre'), r.index,
        ev.actor + ' (' + ev.role + ')', (ev.booth ? ev.booth + ', ' : '') + ev.addr,
        ev.action, ev.purpose || '—', ev.status, brief(ev.query_text),
      ] : res ? [iso(res.time_ms), r.post || t('col.centre'), r.index, t('audit.erased'), '', '', '', '', ''] :
        [t('audit.not_shown'), r.post || t('col.centre'), r.index, '', '', '', '', '', ''];
      cells.forEach((c) => tr.appendChild(el('td', c)));
      const mark = el('td', why ? t('audit.failed', { why }) : t('audit.checked'), why ? 'proof bad' : 'proof ok');
      tr.appendChild(mark);
      if (why) { tr.classList.add('alarm'); failed++; } else checked++;
      tb.appendChild(tr);
    }
    $('audit-sum').textContent = '(' + t('audit.events', { n: d.total }) + (d.total > rows.length ? '; ' +
      (d.page * d.page_size + 1) + '-' + (d.page * d.page_size + rows.length) : '') + '; ' +
      t('audit.n_checked', { n: checked }) + (failed ? t('audit.n_failed', { n: failed }) : '') + ')';
    $('audit-newer').disabled = d.page === 0;
    $('audit-older').disabled = (d.page + 1) * d.page_size >= d.total;
    $('audit-results').dataset.done = String(Date.now());
  }

  function localMs(v) {
    if (!v) return null;
    const ms = new Date(v).getTime();
    return Number.isFinite(ms) ? ms : NaN;
  }

  async function run() {
    const q = st.q;
    const p = new URLSearchParams();
    Object.keys(q).forEach((k) => { if (q[k] !== '' && q[k] !== null) p.set(k, q[k]); });
    p.set('page', st.page);
    p.set('page_size', PAGE);
    $('audit-msg').textContent = t('audit.searching');
    const r = await st.api('GET', '/api/v1/audit/search?' + p.toString());
    if (r.status !== 200) {
      $('audit-msg').textContent = (r.data && r.data.error && window.TimsI18n.has('err.' + r.data.error)) ? t('err.' + r.data.error, r.data.params || {})
        : (r.data && r.data.message) || t('msg.refused', { status: r.status });
      return;
    }
    $('audit-msg').textContent = '';
    try {
      await render(r.data);
    } catch (e) {
      $('audit-msg').textContent = t('audit.unchecked', { why: e.message });
    }
  }

  function search(ev) {
    ev.preventDefault();
    if (st.touch) st.touch();
    const from = localMs($('a-from').value), to = localMs($('a-to').value);
    if (Number.isNaN(from) || Number.isNaN(to)) {
      $('audit-msg').textContent = t('audit.from_to');
      return;
    }
    st.q = { officer: $('a-officer').value.trim(), doc: $('a-doc').value.trim().toUpperCase(),
             purpose: $('a-purpose').value.trim(), post: $('a-post').value,
             from: from === null ? '' : from, to: to === null ? '' : to };
    st.page = 0;
    run();
  }

  function page(dir) {
    if (!st.q) return;
    if (st.touch) st.touch();
    st.page = Math.max(0, st.page + dir);
    run();
  }

  async function posts() {
    const r = await st.api('GET', '/api/v1/dashboard/posts');
    if (r.status !== 200) return;
    const sel = $('a-post');
    const keep = sel.value;
    sel.replaceChildren();
    [['', t('audit.any')], ['centre', t('audit.centre_itself')]].concat(r.data.posts.map((x) => [x.name, x.name]))
      .forEach(([v, text]) => { const o = el('option', text); o.value = v; sel.appendChild(o); });
    sel.value = keep;
  }

  window.TimsAudit = {
    /* called by dashboard.js after a login: only auditors see the view */
    start(role, api, touch) {
      const p = $('p-audit');
      if (!p) return;
      p.hidden = role !== 'auditor';
      st.on = role === 'auditor';
      if (!st.on) return;
      st.api = api;
      st.touch = touch;
      posts();
    },
    /* the page's language changed: the results and the list again */
    relabel() {
      if (!st.on) return;
      posts();
      if (st.q) run();
    },
    stop() {
      st.on = false;
      st.q = null;
      if ($('p-audit')) {
        $('p-audit').hidden = true;
        $('audit-results').tBodies[0].replaceChildren();
        $('audit-keys').replaceChildren();
        $('audit-sum').textContent = '';
      }
    },
    /* for tests and the curious: the checks themselves */
    decodeEvent, rootFromProof,
  };

  document.addEventListener('DOMContentLoaded', () => {
    if (!$('audit-form')) return;
    $('audit-form').addEventListener('submit', search);
    $('audit-newer').addEventListener('click', () => page(-1));
    $('audit-older').addEventListener('click', () => page(1));
  });
}());
