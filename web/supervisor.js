/*
 * supervisor.js — the post's supervisor page and wall display
 * (docs/supervisor.md). Two modes of one page:
 *
 *   supervisor.html        a supervisor logs in (the console's login); the
 *                          page polls GET /api/v1/supervisor/summary every
 *                          REFRESH_MS (not activity: the session still ends
 *                          after its idle time, as the booth's does)
 *   supervisor.html#wall   the post's wall key (tims post wall-key), typed
 *                          once or given as #wall=KEY (then dropped from the
 *                          address); kept in this browser's localStorage;
 *                          polls GET /api/v1/wall: counts only, never logs
 *                          out. A revoked key (401) asks for a new one.
 *
 * Everything shown is a number, a list name, a version or a catalogue text.
 */
'use strict';

(function () {
  const API = '/api/v1';
  const REFRESH_MS = 5000;
  const TOKEN_KEY = 'tims.supervisor';
  const WALL_KEY = 'tims.wall';
  const LANG_KEY = 'tims.lang';
  const I = window.TimsI18n;
  const t = (k, p) => I.t(k, p);
  const $ = (id) => document.getElementById(id);
  let session = null;
  let wallKey = null;
  let timer = null;
  let last = null;

  const wall = /^#wall(=|$)/.test(location.hash);

  function show(id) {
    ['sup-login', 'sup-wallkey', 'sup-board'].forEach((x) => { $(x).hidden = x !== id; });
  }

  function auth() {
    return wall ? 'Wall ' + wallKey : 'Bearer ' + session.token; // i18n-ok: HTTP
  }

  function age(s) {
    if (typeof s !== 'number' || s < 0) return t('sup.age_unknown');
    if (s < 3600) return t('sup.age_min', { n: Math.floor(s / 60) });
    if (s < 172800) return t('sup.age_hours', { n: Math.floor(s / 3600) });
    return t('sup.age_days', { n: Math.floor(s / 86400) });
  }

  function cell(tr, text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
  }

  function render(d) {
    last = d;
    const c = d.crossings || {};
    const en = c.entry || {};
    const ex = c.exit || {};
    const sy = d.sync || {};
    $('sup-heading').textContent = t(wall ? 'sup.wall_heading' : 'sup.heading');
    $('sup-post').textContent = d.post || '';
    $('sup-asof').textContent = t('sup.as_of', { day: d.day, time: new Date(d.as_of_ms).toLocaleTimeString(I.lang()) });
    $('n-booths').textContent = String((d.sessions || {}).booths || 0);
    $('n-entry').textContent = String(en.total || 0);
    $('n-exit').textContent = String(ex.total || 0);
    $('n-refused').textContent = String((en.refuse || 0) + (ex.refuse || 0));
    $('n-second').textContent = String((en['second-line'] || 0) + (ex['second-line'] || 0));
    $('n-hits').textContent = String(d.hits || 0);
    $('n-waiting').textContent = String((sy.records_waiting || 0) + (sy.events_waiting || 0));
    $('n-centre').textContent = t('sup.centre_' + (sy.state || 'not-enrolled').replace('-', '_'));
    $('n-centre').title = sy.last_ok_ms ? t('sup.centre_last', { when: new Date(sy.last_ok_ms).toLocaleString(I.lang()) }) : '';
    const lb = $('sup-lists').tBodies[0];
    lb.textContent = '';
    ((d.watchlists || {}).lists || []).forEach((l) => {
      const tr = document.createElement('tr');
      cell(tr, l.list);
      cell(tr, String(l.version));
      cell(tr, age(l.age_s));
      cell(tr, t('sup.origin_' + l.origin));
      cell(tr, t(l.stale ? 'sup.stale' : 'sup.current'), l.stale ? 'stale' : '');
      lb.appendChild(tr);
    });
    const people = (d.sessions || {}).list;
    $('sup-people').hidden = !people;
    if (people) {
      const sb = $('sup-sessions').tBodies[0];
      sb.textContent = '';
      people.forEach((p) => {
        const tr = document.createElement('tr');
        cell(tr, p.booth);
        cell(tr, p.officer);
        cell(tr, t('sup.role_' + p.role));
        cell(tr, new Date(p.since_ms).toLocaleTimeString(I.lang()));
        sb.appendChild(tr);
      });
    }
  }

  async function poll() {
    let res;
    try {
      res = await fetch(API + (wall ? '/wall' : '/supervisor/summary'), {
        headers: { Authorization: auth() }, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer',
      });
    } catch (e) {
      $('sup-error').textContent = t('sup.node_unreachable');
      return;
    }
    if (res.status === 401) {
      stop();
      if (wall) {
        localStorage.removeItem(WALL_KEY);
        wallKey = null;
        $('sup-wallkey-msg').textContent = t('sup.wall_refused');
        show('sup-wallkey');
      } else {
        sessionStorage.removeItem(TOKEN_KEY);
        session = null;
        $('sup-login-msg').textContent = t('session.ended');
        $('sup-logout').hidden = true;
        show('sup-login');
      }
      return;
    }
    if (res.status === 429) { /* this address failed too often: polling goes on */
      $('sup-error').textContent = t('sup.wait', { wait: res.headers.get('Retry-After') || '?' }); // i18n-ok: HTTP
      return;
    }
    if (res.status === 403) {
      $('sup-error').textContent = t('sup.not_supervisor');
      return;
    }
    if (!res.ok) {
      $('sup-error').textContent = t('sup.unavailable', { status: res.status });
      return;
    }
    $('sup-error').textContent = '';
    render(await res.json());
  }

  function start() {
    show('sup-board');
    stop();
    poll();
    timer = setInterval(poll, REFRESH_MS);
  }

  function stop() {
    if (timer) clearInterval(timer);
    timer = null;
  }

  async function login(ev) {
    ev.preventDefault();
    const body = {
      officer: $('sup-officer').value.trim(), password: $('sup-password').value,
      code: $('sup-code').value.trim(), booth: $('sup-booth').value.trim(),
    };
    $('sup-password').value = '';
    let res;
    try {
      res = await fetch(API + '/session', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, // i18n-ok: HTTP
        body: JSON.stringify(body), cache: 'no-store', credentials: 'omit',
      });
    } catch (e) {
      $('sup-login-msg').textContent = t('sup.node_unreachable');
      return;
    }
    const d = await res.json().catch(() => ({}));
    if (!res.ok) {
      $('sup-login-msg').textContent = t('sup.login_failed');
      return;
    }
    if (d.role !== 'supervisor') {
      /* not a supervisor: end the session made for nothing */
      fetch(API + '/session', { method: 'DELETE', headers: { Authorization: 'Bearer ' + d.token } }); // i18n-ok: HTTP
      $('sup-login-msg').textContent = t('sup.not_supervisor');
      return;
    }
    session = { token: d.token, officer: d.officer };
    sessionStorage.setItem(TOKEN_KEY, JSON.stringify(session));
    $('sup-login-msg').textContent = '';
    $('sup-logout').hidden = false;
    /* the officer's language, unless the address asks for one (?lang=) */
    if (!urlLang() && d.lang && I.valid(d.lang) && d.lang !== I.lang()) await setLang(d.lang);
    start();
  }

  async function logout() {
    stop();
    if (session) {
      await fetch(API + '/session', { method: 'DELETE', headers: { Authorization: auth() } }).catch(() => null);
    }
    sessionStorage.removeItem(TOKEN_KEY);
    session = null;
    $('sup-logout').hidden = true;
    show('sup-login');
  }

  function useKey(ev) {
    ev.preventDefault();
    const k = $('sup-key').value.trim().toLowerCase();
    $('sup-key').value = '';
    if (!/^[0-9a-f]{64}$/.test(k)) {
      $('sup-wallkey-msg').textContent = t('sup.wall_bad_key');
      return;
    }
    wallKey = k;
    localStorage.setItem(WALL_KEY, k);
    $('sup-wallkey-msg').textContent = '';
    start();
  }

  async function setLang(l) {
    const used = await I.use(l);
    localStorage.setItem(LANG_KEY, used);
    $('lang').value = used;
    if (last) render(last);
  }

  function urlLang() {
    const q = new URLSearchParams(location.search).get('lang');
    return q && I.valid(q) ? q : null;
  }

  async function init() {
    const l = urlLang() || localStorage.getItem(LANG_KEY);
    await setLang(l || 'en');
    $('lang').addEventListener('change', () => setLang($('lang').value));
    $('sup-login-form').addEventListener('submit', login);
    $('sup-wallkey-form').addEventListener('submit', useKey);
    $('sup-logout').addEventListener('click', logout);
    if (wall) {
      const m = /^#wall=([0-9a-fA-F]{64})$/.exec(location.hash);
      if (m) {
        localStorage.setItem(WALL_KEY, m[1].toLowerCase());
        history.replaceState(null, '', location.pathname + location.search + '#wall');
      }
      wallKey = localStorage.getItem(WALL_KEY);
      if (wallKey) start(); else show('sup-wallkey');
      return;
    }
    try { session = JSON.parse(sessionStorage.getItem(TOKEN_KEY) || 'null'); } catch (e) { session = null; }
    $('sup-booth').value = localStorage.getItem('tims.booth') || '';
    if (session && session.token) {
      $('sup-logout').hidden = false;
      start();
    } else {
      show('sup-login');
    }
  }

  document.addEventListener('DOMContentLoaded', init);
})();
