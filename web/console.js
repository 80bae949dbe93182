/*
 * console.js — the booth console (docs/console.md): log in with password and
 * TOTP, read an MRZ from a keyboard-wedge reader (or type an unreadable
 * document's data by hand), show the node's check (document, its own status,
 * screening hits, the national stay), register the officer's decision bound
 * to that check (check_id) and show the record's log index with its
 * inclusion proof checked against the signed checkpoint's root. A vehicle
 * session reads every occupant in turn under one typed plate; a second-line
 * view records the outcome of a referral.
 *
 * Plain JavaScript, no framework, no external URL, no inline script or style:
 * it runs under Content-Security-Policy default-src 'self'. Data from the
 * node is only ever put into the page as text (textContent), never as HTML.
 *
 * The server decides what the record says about the screening: the console
 * sends only the check's id, the decision, the refusal reasons and, to admit
 * with a hit, the hit it confirms. A discreet-check hit never reaches the
 * booth (the node reports it to the centre); should an answer still carry
 * one, the console drops it unseen.
 */
'use strict';

(function () {
  const API = '/api/v1';
  const STATUS_EVERY_MS = 10000;
  const TOKEN_KEY = 'tims.session';

  const $ = (id) => document.getElementById(id);
  /* every text from the catalogue (i18n.js, web/i18n/LANG.json) */
  const t = (key, p) => window.TimsI18n.t(key, p);
  const LANG_KEY = 'tims.lang';

  const state = {
    session: null,        /* {token, officer, role, booth, idle_timeout_s} */
    lastActivity: Date.now(),
    statusTimer: 0,
    idleTimer: 0,
    check: null,          /* the last /check answer */
    checkedMrz: '',       /* the MRZ text it answered ('' for a manual entry) */
    checking: false,
    crossingId: '',       /* client id of this traveller's crossing: retries reuse it */
    registered: null,     /* the /crossings answer once registered */
    busy: false,
    escArmed: 0,
    autoTimer: 0,
    readNote: '',         /* what the reader's start of a new traveller has to say */
    checkSeq: 0,          /* bumped by newTraveller: a late answer for an earlier traveller is dropped */
    reasons: null,        /* the refusal reasons: [{code, text}] from the node */
    vs: null,             /* the vehicle session: {plate, country, vin, make_model, lead, occupants} */
    keys: 0,              /* the officer's keystrokes for the current occupant (reader keys excluded) */
    referrals: [],        /* this console's second-line referrals: {index, name} */
  };
  /* ---- small helpers ------------------------------------------------- */

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function setMsg(id, text, info) {
    const m = $(id);
    m.textContent = text || '';
    m.classList.toggle('info', !!info);
  }

  function ago(ms) {
    if (!(ms >= 0)) return '?';
    const s = Math.round(ms / 1000);
    if (s < 90) return t('ago.s', { n: s });
    const m = Math.round(s / 60);
    if (m < 90) return t('ago.min', { n: m });
    const h = Math.round(m / 60);
    if (h < 48) return t('ago.h', { n: h });
    return t('ago.days', { n: Math.round(h / 24) });
  }

  function hhmm(ms) {
    const d = new Date(ms);
    const p = (n) => String(n).padStart(2, '0');
    return p(d.getHours()) + ':' + p(d.getMinutes());
  }

  /* A client id for the crossing (docs/formats.md §4): booth, time, random. */
  function newCrossingId() {
    const r = new Uint8Array(6);
    crypto.getRandomValues(r);
    let hex = '';
    r.forEach((b) => { hex += b.toString(16).padStart(2, '0'); });
    const booth = (state.session ? state.session.booth : 'booth').replace(/[^A-Za-z0-9._:@/-]/g, '_');
    return (booth + '-' + Date.now().toString(36) + '-' + hex).slice(0, 64);
  }

  /* ---- the API ------------------------------------------------------- */

  class ApiError extends Error {
    constructor(status, body, unreachable) {
      super(body && body.message ? body.message : (unreachable ? 'node unreachable' : 'HTTP ' + status)); // i18n-ok: for the developer's console; the page shows errText()
      this.status = status;
      this.body = body || {};
      this.unreachable = !!unreachable;
    }
  }

  async function api(method, path, body, opts) {
    const headers = {};
    if (state.session && !(opts && opts.noAuth)) headers.Authorization = 'Bearer ' + state.session.token; // i18n-ok: HTTP
    if (body !== undefined) headers['Content-Type'] = 'application/json'; // i18n-ok: HTTP
    let res;
    try {
      res = await fetch(API + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
    } catch (e) {
      showNode(false);
      throw new ApiError(0, null, true);
    }
    showNode(true);
    let data = null;
    const text = await res.text();
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = { message: text.slice(0, 200) }; }
    if (res.status === 401 && state.session && !(opts && opts.noAuth)) {
      sessionEnded(t('session.ended'));
      throw new ApiError(401, data);
    }
    if (!res.ok) throw new ApiError(res.status, data);
    return { status: res.status, data };
  }

  /* ---- header: node, centre, watchlists ------------------------------- */

  function showNode(up) {
    const n = $('node-state');
    if (up) {
      if (n.dataset.up !== '1') {
        n.textContent = t('node.connected');
        n.className = 'item state ok';
        n.dataset.up = '1';
      }
    } else {
      n.textContent = t('node.unreachable');
      n.className = 'item state bad';
      n.dataset.up = '0';
      $('centre-state').textContent = t('centre.unknown');
      $('centre-state').className = 'item state';
    }
  }

  function showStatus(st) {
    state.origin = st.origin || state.origin;
    $('post-origin').textContent = t('bar.post', { post: st.origin || '?' });
    const now = st.server_time_ms || Date.now();
    const c = st.centre || {};
    const cs = $('centre-state');
    if (!c.configured) {
      cs.textContent = t('centre.standalone');
      cs.className = 'item state warn';
    } else if (c.state === 'online') {
      cs.textContent = c.lag ? t('centre.online_lag', { n: c.lag }) : t('centre.online');
      cs.className = 'item state ok';
    } else if (c.state === 'offline') {
      const since = c.since_ms ? t('centre.since', { time: hhmm(c.since_ms), ago: ago(now - c.since_ms) }) : '';
      cs.textContent = t('centre.offline', { since }) + (c.lag ? t('centre.offline_lag', { n: c.lag }) : '');
      cs.className = 'item state bad';
    } else {
      cs.textContent = t('centre.connecting');
      cs.className = 'item state warn';
    }
    const s = st.screening || {};
    const ls = $('lists-state');
    if (!s.available) {
      ls.textContent = t('lists.none');
      ls.className = 'item state bad';
    } else {
      const lists = s.lists || [];
      const fc = (s.from_centre || []).filter((b) => b.kind === 'watchlist');
      let txt = t('lists.count', { n: lists.length });
      let cls = 'item state ok';
      if (fc.length) {
        /* the age of the oldest bundle from the centre */
        let oldest = Infinity;
        fc.forEach((b) => { if (b.time_s && b.time_s * 1000 < oldest) oldest = b.time_s * 1000; });
        if (oldest < Infinity) {
          const age = now - oldest;
          txt += t('lists.from_centre', { age: ago(age) });
          if (age > 24 * 3600 * 1000) cls = 'item state warn';
        }
      } else {
        /* imported here: the age of the list changed longest ago */
        let oldest = -1;
        lists.forEach((l) => { if (typeof l.age_s === 'number' && l.age_s > oldest) oldest = l.age_s; });
        txt += oldest >= 0 ? t('lists.local_age', { age: ago(oldest * 1000) }) : t('lists.local');
        cls = 'item state warn';
      }
      /* a copy of a centre list that does not match its signed digest:
         no screening until it is repaired from the centre */
      const bad = ((s.integrity || {}).mismatched || []);
      if (bad.length) {
        txt = t('lists.altered', { lists: bad.map((m) => m.list).join(', ') });
        cls = 'item state bad';
      }
      ls.textContent = txt;
      ls.className = cls;
      /* each list's own age: when it last changed at this post; next to
         lists from the centre, the post's own marked local (all of them
         local: the text says "imported here" already) */
      ls.title = lists.map((l) => t('lists.one', { list: l.list, version: l.version, n: l.active }) +
        (fc.length && l.origin === 'local' ? t('lists.one_local') : '') +
        (typeof l.age_s === 'number' && l.age_s >= 0 ? t('lists.changed', { ago: ago(l.age_s * 1000) }) : '')).join('; ');
    }
  }

  async function refreshStatus() {
    if (!state.session) return;
    try {
      const r = await api('GET', '/status');
      showStatus(r.data);
    } catch (e) { /* unreachable or session ended: already shown */ }
  }

  function tickClock() {
    const d = new Date();
    const p = (n) => String(n).padStart(2, '0');
    $('clock').textContent = p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds());
  }

  /* ---- session ------------------------------------------------------- */

  function showLogin(msg) {
    $('booth-screen').hidden = true;
    $('second-screen').hidden = true;
    $('search-screen').hidden = true;
    $('login-screen').hidden = false;
    $('logout').hidden = true;
    $('view-second').hidden = true;
    $('who').hidden = true;
    setMsg('login-msg', msg || '');
    $('login-password').value = '';
    $('login-code').value = '';
    const f = $('login-officer').value ? ($('login-booth').value ? $('login-password') : $('login-booth'))
                                      : $('login-officer');
    f.focus();
  }

  function showBooth() {
    $('login-screen').hidden = true;
    $('booth-screen').hidden = false;
    $('second-screen').hidden = true;
    $('search-screen').hidden = true;
    $('logout').hidden = false;
    $('view-second').hidden = false;
    $('who').hidden = false;
    $('who').textContent = t('bar.who', { officer: state.session.officer, booth: state.session.booth });
    newTraveller();
    $('mrz').focus();
  }

  function startSession(s) {
    state.session = s;
    sessionStorage.setItem(TOKEN_KEY, JSON.stringify(s));
    state.lastActivity = Date.now();
    clearInterval(state.statusTimer);
    state.statusTimer = setInterval(refreshStatus, STATUS_EVERY_MS);
    clearInterval(state.idleTimer);
    state.idleTimer = setInterval(checkIdle, 5000);
    showBooth();
    refreshStatus();
    loadReasons();
  }

  function endSession() {
    state.session = null;
    sessionStorage.removeItem(TOKEN_KEY);
    clearInterval(state.statusTimer);
    clearInterval(state.idleTimer);
    /* not polled while logged out: say so rather than show stale states */
    $('centre-state').textContent = t('centre.after_login');
    $('centre-state').className = 'item state';
    $('lists-state').textContent = t('lists.after_login');
    $('lists-state').className = 'item state';
    $('lists-state').title = '';
    endVehicle(true);
    state.referrals = [];
    clearSearch(true);
    newTraveller();
  }

  function sessionEnded(msg) {
    if (!state.session) return;
    endSession();
    showLogin(msg);
  }

  async function logout(msg) {
    if (!state.session) return;
    try { await api('DELETE', '/session'); } catch (e) { /* ending it anyway */ }
    endSession();
    showLogin(msg || t('session.logged_out'));
  }

  /* The node keeps a session alive while it is used, and the status poll
   * uses it: so the console itself logs out an unattended booth. */
  function checkIdle() {
    if (!state.session) return;
    const limit = (state.session.idle_timeout_s || 900) * 1000;
    if (Date.now() - state.lastActivity >= limit) {
      const min = Math.round(limit / 60000);
      logout(t('session.idle', { n: min }));
    }
  }

  async function onLogin(ev) {
    ev.preventDefault();
    const body = {
      officer: $('login-officer').value.trim(),
      password: $('login-password').value,
      code: $('login-code').value.trim(),
      booth: $('login-booth').value.trim(),
    };
    const missing = [['officer', 'login-officer'], ['password', 'login-password'],
                     ['code', 'login-code'], ['booth', 'login-booth']]
      .find(([k]) => !body[k]);
    if (missing) {
      setMsg('login-msg', t('login.enter_' + missing[0]));
      $(missing[1]).focus();
      return;
    }
    if (!/^[0-9]{6}$/.test(body.code)) {
      setMsg('login-msg', t('login.code_digits'));
      $('login-code').focus();
      return;
    }
    $('login-submit').disabled = true;
    setMsg('login-msg', t('login.busy'), true);
    try {
      const r = await api('POST', '/session', body, { noAuth: true });
      localStorage.setItem('tims.booth', body.booth); /* not personal: the booth's own name */
      setMsg('login-msg', '');
      /* the officer's own language (or the installation's default) */
      if (r.data && window.TimsI18n.valid(r.data.lang)) await setLang(r.data.lang, false);
      startSession(r.data);
    } catch (e) {
      setMsg('login-msg', e.unreachable ? t('login.unreachable') : errText(e));
      $('login-password').value = '';
      $('login-code').value = '';
      $(e.unreachable ? 'login-submit' : 'login-password').focus();
    } finally {
      $('login-submit').disabled = false;
    }
  }

  /* ---- the MRZ -------------------------------------------------------- */

  /* Lines as a reader sends them: upper case, spaces around them dropped.
   * Returns the MRZ text when it forms a complete zone, else ''. */
  function completeMrz(text) {
    let lines = text.toUpperCase().split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length);
    if (lines.length === 1) { /* a reader that sends no line ends */
      const l = lines[0];
      const w = l.length === 88 ? 44 : l.length === 72 ? 36 : l.length === 90 ? 30 : 0;
      if (w) lines = l.match(new RegExp('.{' + w + '}', 'g'));
    }
    const ok = (lines.length === 2 && lines[0].length === lines[1].length &&
                (lines[0].length === 44 || lines[0].length === 36)) ||
               (lines.length === 3 && lines.every((l) => l.length === 30));
    return ok ? lines.join('\n') : '';
  }


  /* The vehicle's fields as typed (before a session) or as the session holds them. */
  function vehicleInput() {
    if (state.vs) {
      const v = { plate: state.vs.plate, country: state.vs.country, make_model: state.vs.make_model, vin: state.vs.vin };
      Object.keys(v).forEach((k) => { if (!v[k]) delete v[k]; });
      return v;
    }
    const v = {
      plate: $('veh-plate').value.trim().toUpperCase(),
      country: $('veh-country').value.trim().toUpperCase(),
      make_model: $('veh-make').value.trim(),
      vin: $('veh-vin').value.trim().toUpperCase(),
    };
    Object.keys(v).forEach((k) => { if (!v[k]) delete v[k]; });
    return v;
  }

  /* What a check sends of the vehicle (the screening: plate, VIN, country). */
  function vehicleForCheck() {
    const v = vehicleInput();
    if (!v.plate && !v.vin) return null;
    const out = {};
    ['plate', 'vin', 'country'].forEach((k) => { if (v[k]) out[k] = v[k]; });
    return out;
  }

  /* The check: the MRZ read (reason 'auto' or 'manual' = Ctrl+Enter). */
  async function runCheck(reason) {
    const text = $('mrz').value;
    let mrz = completeMrz(text);
    if (!mrz) {
      if (reason !== 'manual') return;
      mrz = text.toUpperCase().split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length).join('\n');
      if (!mrz) {
        setSummary(t('sum.scan_first'), 'warn');
        $('mrz').focus();
        return;
      }
    }
    if (state.checking) return;
    if (state.registered && mrz === state.checkedMrz) return; /* already done: Esc for the next */
    if (state.registered) newTraveller({ keepMrz: true });
    if (!state.vs && !vehicleStartIfTyped()) return;
    await doCheck({ mrz }, mrz, null);
  }

  /* A manual entry: the document could not be read (or is forged); the
   * officer types what can be read, and the node screens by name and birth date. */
  function manualInput() {
    const m = {
      surname: $('man-surname').value.trim().toUpperCase(),
      given_names: $('man-given').value.trim().toUpperCase(),
      birth_date: $('man-birth').value.trim(),
      nationality: $('man-nationality').value.trim().toUpperCase(),
      sex: $('man-sex').value,
      doc_number: $('man-docno').value.trim().toUpperCase().replace(/[\s<-]/g, ''),
      issuer: $('man-issuer').value.trim().toUpperCase(),
      doc_code: $('man-code').value.trim().toUpperCase(),
    };
    Object.keys(m).forEach((k) => { if (!m[k]) delete m[k]; });
    return m;
  }

  const MANUAL_RULES = [
    ['surname', 'man-surname', /^[A-Z][A-Z '\-]{0,63}$/, 'man.rule_surname'],
    ['given_names', 'man-given', /^[A-Z '\-]{0,64}$/, 'man.rule_given'],
    ['birth_date', 'man-birth', /^\d{4}-\d{2}-\d{2}$/, 'man.rule_birth'],
    ['nationality', 'man-nationality', /^[A-Z]{3}$/, 'man.rule_nationality'],
    ['doc_number', 'man-docno', /^[A-Z0-9]{1,24}$/, 'man.rule_docno'],
    ['issuer', 'man-issuer', /^[A-Z]{1,3}$/, 'man.rule_issuer'],
    ['doc_code', 'man-code', /^[A-Z][A-Z<]?$/, 'man.rule_code'],
  ];

  async function runManualCheck() {
    if (state.checking) return;
    const m = manualInput();
    for (const [k, id, re, msg] of MANUAL_RULES) {
      const required = k === 'surname' || k === 'birth_date' || k === 'nationality';
      if ((required && !m[k]) || (m[k] && !re.test(m[k]))) {
        setMsg('manual-msg', t(msg));
        $('manual').open = true;
        $(id).focus();
        return;
      }
    }
    setMsg('manual-msg', '');
    if (state.registered) newTraveller({ keepManual: true });
    if (!state.vs && !vehicleStartIfTyped()) return;
    $('mrz').value = '';
    await doCheck({ manual: m }, '', JSON.stringify(m));
  }

  /* The chip's files, as `tims epassport read --out DIR` wrote them from the
   * booth's reader: each classified by its tag (0x77 EF.SOD, 0x61 DG1, 0x75
   * DG2, 0x6E DG14, 0x6F DG15; EF.COM and others are not sent) and sent
   * base64 with the check. The post verifies them: the console decides
   * nothing about the chip. */
  const CHIP_TAGS = { 0x77: 'sod', 0x61: 'dg1', 0x75: 'dg2', 0x6E: 'dg14', 0x6F: 'dg15' };

  /* Active authentication: the post issues the challenge (one check, this
   * session, two minutes); the officer gives it to the reader
   * (tims epassport read --challenge CODE --out DIR) and chooses its
   * aa-response.bin with the files. The post verifies the answer. */
  async function newChipChallenge() {
    state.aaChallenge = null;
    $('chip-challenge').textContent = '';
    setMsg('chip-challenge-help', '');
    try {
      const r = await api('POST', '/chip/challenge', undefined);
      state.aaChallenge = r.data.challenge;
      $('chip-challenge').textContent = r.data.challenge;
      setMsg('chip-challenge-help', t('chip.challenge_help', { code: r.data.challenge, seconds: r.data.lifetime_s }));
    } catch (e) {
      setMsg('chip-challenge-help', t('chip.challenge_failed'));
    }
  }

  async function readChipFiles() {
    const files = Array.from($('chip-files').files || []);
    const chip = {};
    if (state.registered) newTraveller({ keepChip: true, keepMrz: true }); /* the next traveller's chip */
    let answer = null;
    for (const f of files) {
      const b = new Uint8Array(await f.arrayBuffer());
      const isAnswer = f.name === 'aa-response.bin'; // i18n-ok: the reader's file name
      const key = isAnswer ? 'aa_response' : b.length ? CHIP_TAGS[b[0]] : undefined;
      if (!key) continue;
      let bin = '';
      for (let i = 0; i < b.length; i += 0x8000) bin += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
      if (isAnswer) answer = btoa(bin);
      else chip[key] = btoa(bin);
    }
    state.chip = Object.keys(chip).length ? chip : null;
    if (state.chip && answer && state.aaChallenge) {
      state.chip.aa_challenge = state.aaChallenge;
      state.chip.aa_response = answer;
    }
    $('chip-sum').textContent = state.chip ? Object.keys(chip).map((k) => k.toUpperCase()).join(' ') : '';
    setMsg('chip-msg', files.length && !state.chip ? t('chip.no_files') : answer && !state.aaChallenge ? t('chip.no_challenge') : '');
    /* a document already read is checked again, now with its chip */
    if (state.chip && state.check && !state.registered) {
      if (state.checkedManual !== null) await runManualCheck();
      else await runCheck('manual');
    }
  }

  async function doCheck(body, mrz, manualKey) {
    const veh = vehicleForCheck();
    if (veh) body.vehicle = veh;
    if (state.chip) body.chip = state.chip;
    const seq = state.checkSeq;
    state.checking = true;
    setSummary(t('sum.checking'), '');
    updateButtons();
    try {
      const r = await api('POST', '/check', body);
      if (seq !== state.checkSeq) return; /* another traveller's document was read meanwhile */
      state.check = r.data;
      if (manualKey !== null) state.check.manual = true;
      state.checkedMrz = mrz;
      state.checkedManual = manualKey;
      if (!state.crossingId) state.crossingId = newCrossingId();
      renderCheck(state.check);
    } catch (e) {
      if (e.status === 401 || seq !== state.checkSeq) return;
      if (e.status === 503 && e.body && e.body.error === 'screening_failed') {
        /* Fail closed: a failed look-up is never "no hit". The traveller may
         * be refused or sent to second line, never admitted. */
        state.check = Object.assign({}, e.body, { screening_failed: true, message: errText(e),
          document: e.body.document || null, stay: e.body.stay || null,
          manual: !!e.body.manual || manualKey !== null });
        state.checkedMrz = mrz;
        state.checkedManual = manualKey;
        if (!state.crossingId) state.crossingId = newCrossingId();
        renderCheck(state.check);
        return;
      }
      state.check = null;
      renderNothing();
      if (e.body && e.body.error === 'unreadable_document') {
        /* what could be read, with the MRZ's errors; the manual entry is the way on */
        renderUnreadable(e.body);
        return;
      }
      /* an MRZ that cannot be read: the manual entry is the way on */
      const toManual = body.mrz && !e.unreachable && /by hand|manual/i.test(e.message);
      if (toManual) $('manual').open = true;
      setSummary(e.unreachable ? t('sum.check_unreachable')
                               : t('sum.check_refused', { why: errText(e) }) + (toManual ? t('sum.to_manual') : ''), 'bad');
    } finally {
      if (seq === state.checkSeq) {
        state.checking = false;
        updateButtons();
      }
    }
  }

  function onMrzInput() {
    clearTimeout(state.autoTimer);
    const mrz = completeMrz($('mrz').value);
    if (mrz && mrz !== state.checkedMrz)
      /* a short pause lets a trailing line end from the reader arrive */
      state.autoTimer = setTimeout(() => runCheck('auto'), 150);
  }

  /* ---- rendering the check -------------------------------------------- */

  /* a field's name (catalogue f.FIELD), the field's own name when unknown */
  const fieldName = (f) => (window.TimsI18n.has('f.' + f) ? t('f.' + f) : String(f));
  const partName = (p) => t('part.' + p);
  const dirName = (d) => (window.TimsI18n.has('dir.' + d) ? t('dir.' + d) : String(d));

  /* The text of a refused request: the catalogue's text for its code
   * (err.CODE, with the answer's params), the node's English message only
   * for a code the catalogue does not know. */
  function errText(e) {
    const b = (e && e.body) || {};
    if (e && e.unreachable) return t('err.unreachable');
    if (b.error && window.TimsI18n.has('err.' + b.error)) {
      const p = Object.assign({}, b.params || {});
      if (p.field) p.field = fieldName(p.field);
      if (Array.isArray(p.values)) p.values = p.values.join(', ');
      /* a rule of its own (err.CODE.RULE), else the code's text */
      const k = p.rule && window.TimsI18n.has('err.' + b.error + '.' + p.rule) ? 'err.' + b.error + '.' + p.rule : 'err.' + b.error;
      return t(k, p);
    }
    return b.message || t('err.http', { status: e ? e.status : '?' });
  }

  /* One MRZ error of the document: its rule's text when the node gave a
   * code (mrz.CODE with params), else the node's message less the field. */
  function issueText(e) {
    if (e.code && window.TimsI18n.has('mrz.' + e.code)) return t('mrz.' + e.code, e.params || {});
    const msg = String(e.message || '');
    return msg.startsWith(e.field + ': ') ? msg.slice(e.field.length + 2) : msg;
  }
  const PART_BY_NUMBER = { 1: 'document', 2: 'person', 3: 'vehicle' };

  function setSummary(text, cls) {
    const s = $('summary');
    s.textContent = text;
    s.className = 'summary' + (cls ? ' ' + cls : '');
  }

  /* The decisive line (the headline of hits, else the summary) on screen
   * after a check: on a small screen or at 200 % zoom the page is one
   * column, the MRZ field above the result (console.css), and the reader's
   * typing in it may have left the result below the screen. Scrolled to just
   * under the header when the header is sticky, to the top otherwise. */
  function keepInView() {
    const e = !$('headline').hidden ? $('headline') : $('summary');
    const r = e.getBoundingClientRect();
    const bar = $('bar');
    const top = getComputedStyle(bar).position === 'sticky' ? bar.getBoundingClientRect().bottom : 0;
    const bottom = Math.max(r.bottom, $('summary').getBoundingClientRect().bottom);
    if (r.top < top || bottom > window.innerHeight) window.scrollBy(0, r.top - top - 4);
  }

  function renderNothing() {
    $('result').hidden = true;
    renderHeadline(null);
  }

  /* The hits the booth may show: the answer's list (each with its part),
   * or, from an older node, the hits of each part. A hit marked discreet is
   * dropped unseen: nothing of it may reach the booth's screen. */
  function shownHits(screen) {
    const out = [];
    if (!screen) return out;
    if (Array.isArray(screen.hits)) {
      screen.hits.forEach((h) => {
        if (!h || h.discreet) return;
        const part = PART_BY_NUMBER[h.part] || h.part || 'person';
        out.push({ part, hit: h });
      });
      return out;
    }
    ['document', 'person', 'vehicle'].forEach((part) => {
      const p = screen[part];
      (p && Array.isArray(p.hits) ? p.hits : []).forEach((h) => { if (h && !h.discreet) out.push({ part, hit: h }); });
    });
    return out;
  }

  /* The screening's state: 'done', 'failed' (a look-up failed: never "no
   * hits") or 'unavailable' (no watchlist loaded). */
  function screenStatus(c) {
    if (c.screening_failed) return 'failed';
    const s = c.screening;
    if (!s) return 'failed';
    if (typeof s.status === 'string') {
      if (s.status === 'done' || s.status === 'ok') return 'done';
      if (s.status === 'unavailable' || s.status === 'not_screened' || s.status === 'not-screened') return 'unavailable';
      return 'failed';
    }
    if (s.available === false) return 'unavailable';
    if (s.skipped) return 'unavailable';
    return 'done';
  }

  function hitScore(h) {
    if (typeof h.score === 'number') return h.score;
    if (typeof h.score_pm === 'number') return h.score_pm / 1000;
    return null;
  }

  function hitKind(h) {
    return String(h.alert || h.status || 'hit');
  }

  /* a hit's kind as shown: the catalogue's word (kind.KIND), upper case */
  function kindName(h) {
    const k = hitKind(h);
    return (window.TimsI18n.has('kind.' + k) ? t('kind.' + k) : k).toUpperCase();
  }

  /* a document's status (lost, stolen …) as shown */
  function statusName(s) {
    return window.TimsI18n.has('dstatus.' + s) ? t('dstatus.' + s) : String(s);
  }

  function hitRef(h) {
    return (h.list || '?') + '/' + (h.ref || '?');
  }

  function fact(dl, label, value, cls) {
    dl.appendChild(el('dt', '', label));
    const dd = el('dd', cls || '', value === null || value === undefined || value === '' ? '—' : value);
    dl.appendChild(dd);
    return dd;
  }

  function ageOn(iso, now) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
    if (!m) return null;
    let a = now.getFullYear() - Number(m[1]);
    if (now.getMonth() + 1 < Number(m[2]) || (now.getMonth() + 1 === Number(m[2]) && now.getDate() < Number(m[3]))) a--;
    return a;
  }

  function isoOf(v) {
    if (!v) return '';
    if (typeof v === 'string') return v;
    return v.iso || '';
  }

  /* "SURNAME, GIVEN NAMES"; a holder with one name has no comma. */
  function holderName(d) {
    if (!d) return '';
    return [d.surname, d.given_names].filter(Boolean).join(', ');
  }

  function docNumber(d) {
    return d ? d.document_number || d.doc_number || '' : '';
  }

  /* The headline: every hit of this traveller (the document's, the
   * person's, the vehicle's) and of the vehicle's earlier occupants, large;
   * a failed screening; a document reported lost, stolen or revoked. */
  function renderHeadline(c) {
    const h = $('headline');
    clear(h);
    const lines = [];
    let clearLine = '';
    if (c) {
      const st = screenStatus(c);
      if (st === 'failed')
        lines.push(['alarm', t('hl.failed')]);
      else if (st === 'unavailable')
        lines.push(['alarm', t('hl.unavailable')]);
      if (c.chip && c.chip.outcome === 'failed')
        lines.push(['alarm', t('hl.chip_altered')]);
      shownHits(c.screening).forEach(({ part, hit }) => {
        lines.push(['hit', t('hl.hit', { kind: kindName(hit), ref: hitRef(hit), part: partName(part) })]);
      });
      /* the carriers' list, screened at the centre before the landing
       * (docs/paxlst.md "At the booth"): shown when the traveller is on one */
      const pre = c.prescreen;
      if (pre && pre.outcome === 'unavailable')
        lines.push(['alarm', t('hl.prescreen_unavailable', { message: pre.message || '' })]);
      else if (pre) {
        const when = (pre.arrival || '').replace('T', ' ');
        const today = new Date().toISOString().slice(0, 10);
        const time = when.slice(0, 10) === today ? when.slice(11) : when;
        if (pre.outcome === 'hit')
          lines.push(['hit', t('hl.prescreen_hit', { flight: pre.flight, time,
            refs: (pre.hits || []).map((x) => kindName(x) + ' ' + x.ref).join('; ') })]);
        else /* no hits: a plain line under the summary, not the red headline */
          clearLine = t('hl.prescreen_clear', { flight: pre.flight, time });
      }
      const ds = c.document_status;
      if (ds && ds.status && ds.status !== 'ok' && ds.status !== 'not_listed' && ds.status !== 'not listed') // i18n-ok: the node's value
        lines.push(['hit', t(['lost', 'stolen', 'revoked'].includes(ds.status) ? 'hl.doc_reported' : 'hl.doc_status',
                             { status: statusName(ds.status).toUpperCase() }) + (ds.source ? ' (' + ds.source + ')' : '')]);
    }
    if (state.vs) {
      state.vs.occupants.forEach((o, i) => {
        if (o.hits.length)
          lines.push(['other', t('hl.vehicle', { n: i + 1, name: o.name || o.doc }) +
                      o.hits.map((x) => x.kind.toUpperCase() + ' ' + x.ref).join('; ')]);
      });
    }
    lines.forEach(([cls, txt]) => h.appendChild(el('div', 'hl-' + cls, txt)));
    h.hidden = lines.length === 0;
    $('prescreen').textContent = clearLine;
    $('prescreen').hidden = !clearLine;
  }

  /* The chip's outcome, as the post decided it, and the DG2 photo beside
   * the traveller. Chromium cannot show JPEG 2000: the console says so
   * rather than showing a blank. */
  function renderChip(ch) {
    const cs = $('chip-state');
    const fig = $('chip-photo');
    const img = $('chip-img');
    const note = $('chip-photo-note');
    clear(cs);
    fig.hidden = true;
    img.removeAttribute('src');
    note.textContent = '';
    if (!ch || !ch.outcome || ch.outcome === 'not_read') {
      cs.appendChild(el('span', 'caution', t('chip.not_read')));
      return;
    }
    if (ch.outcome === 'authenticated') {
      cs.appendChild(el('span', 'valid', '\u2713 ' + t('chip.authenticated', { state: ch.issuing_state || '', signer: ch.signer || '' })));
    } else {
      const why = (ch.reasons || []).map((r) => (window.TimsI18n.has('chip.reason.' + r) ? t('chip.reason.' + r) : r)).join('; ');
      cs.appendChild(el('span', 'invalid alarm', '\u2717 ' + t('chip.failed', { reasons: why })));
    }
    const ph = ch.photo;
    if (!ph) return;
    fig.hidden = false;
    if (ph.error) {
      note.textContent = t('chip.photo_unreadable');
    } else if (ph.type === 'image/jpeg') {
      img.src = 'data:image/jpeg;base64,' + ph.data; // i18n-ok: a data URL, not words
      note.textContent = ph.verified ? t('chip.photo_verified') : t('chip.photo_unverified');
      note.className = ph.verified ? '' : 'invalid';
    } else {
      note.textContent = t('chip.photo_jp2');
      note.className = 'caution';
    }
  }

  function renderCheck(c) {
    const d = c.document || {};
    const st = screenStatus(c);
    const shown = shownHits(c.screening);
    const manual = !!c.manual;
    $('result').hidden = false;

    /* document: what "valid" means, then the document's own status */
    const ds = $('doc-state');
    clear(ds);
    /* what "valid" means: the node's words only for a meaning the catalogue lacks */
    const means = !d.valid_means || d.valid_means === 'MRZ check digits' ? t('doc.means_mrz') : d.valid_means; // i18n-ok: the node's value
    const fmt = d.format && d.format !== 'unknown' ? ' (' + d.format + ')' : '';
    if (manual) {
      ds.appendChild(el('span', 'caution', '\u270E ' + t('doc.manual')));
    } else if (c.screening_failed && !c.document) {
      ds.appendChild(el('span', 'caution', t('doc.no_check')));
    } else if (d.valid) {
      ds.appendChild(el('span', 'valid', '\u2713 ' + t('doc.valid', { means }) + (d.format ? ' (' + d.format + ')' : '')));
    } else {
      ds.appendChild(el('span', 'invalid', '\u2717 ' + t('doc.invalid', { means }) + fmt));
    }
    if (d.expired) ds.appendChild(el('span', 'invalid', ' — ' + (d.expiry_date ? t('doc.expired_on', { date: isoOf(d.expiry_date) }) : t('doc.expired'))));
    if (d.specimen) ds.appendChild(el('span', 'caution', ' — ' + t('doc.specimen')));
    const dst = $('doc-status');
    clear(dst);
    const dss = c.document_status;
    const sk = dss && dss.source ? 'dsource.' + String(dss.source).replace(/ /g, '_') : '';
    const src = dss && dss.source ? ' (' + (window.TimsI18n.has(sk) ? t(sk) : dss.source) + ')' : '';
    if (!dss || !dss.status) {
      dst.appendChild(el('span', 'caution', t('dstatus.unchecked')));
    } else if (['ok', 'not_listed', 'not listed'].includes(dss.status)) { // i18n-ok: the node's value
      dst.appendChild(el('span', 'valid', t('dstatus.not_listed', { source: src })));
    } else if (['lost', 'stolen', 'revoked', 'invalidated'].includes(dss.status)) {
      dst.appendChild(el('span', 'invalid', t('dstatus.listed', { status: statusName(dss.status).toUpperCase(), source: src })));
    } else {
      dst.appendChild(el('span', 'invalid', t('dstatus.unknown', { source: dss.source || dss.status })));
    }
    renderIssues(d);
    renderChip(c.chip);

    /* traveller */
    const tv = $('traveller');
    clear(tv);
    if (manual || (d.format && d.format !== 'unknown')) {
      fact(tv, t('fact.name'), holderName(d));
      fact(tv, t('f.nationality'), d.nationality);
      const bd = isoOf(d.birth_date);
      const age = bd ? ageOn(bd, new Date()) : null;
      fact(tv, t('fact.born'), bd ? bd + (age !== null ? ' (' + age + ')' : '') : null);
      fact(tv, t('f.sex'), d.sex);
      fact(tv, t('fact.document'), [d.document_code || d.doc_code, d.issuing_state || d.issuer, docNumber(d)].filter(Boolean).join(' '));
      fact(tv, t('fact.expiry'), d.expiry_date ? isoOf(d.expiry_date) : null, d.expired ? 'invalid' : '');
      if (manual) fact(tv, t('fact.entry'), t('fact.entry_manual'), 'caution');
      if (age !== null && age < 18) fact(tv, t('fact.minor'), t('fact.yes'), 'caution');
      if (c.visa_required !== undefined) {
        const v = c.visa;
        fact(tv, t('fact.visa'), c.visa_required ? (v ? [v.kind, v.number, v.valid_until ? t('fact.until', { date: v.valid_until }) : ''].filter(Boolean).join(' ') :
          t('fact.visa_missing')) : (v ? [v.kind, v.number].filter(Boolean).join(' ') : t('fact.visa_not_required')),
             c.visa_required && !v ? 'invalid' : '');
      }
    }

    /* screening */
    const hs = $('hits-state');
    const list = $('hits');
    clear(list);
    if (st === 'failed') {
      hs.className = 'invalid alarm';
      hs.textContent = t('hits.failed', { why: screenWhy(c, t('hits.failed_default')) });
    } else if (st === 'unavailable') {
      hs.className = 'invalid alarm';
      hs.textContent = t('hits.unavailable', { why: screenWhy(c, t('hits.unavailable_default')) });
    } else if (!shown.length) {
      hs.className = '';
      hs.textContent = manual ? t('hits.none_manual') : t('hits.none');
    } else {
      hs.className = 'invalid';
      hs.textContent = t('hits.count', { n: shown.length });
    }
    shown.forEach(({ part, hit }) => list.appendChild(hitItem(part, hit)));

    renderStay(c);
    renderHeadline(c);

    /* summary line (read out by screen readers) */
    if (st === 'failed') {
      const who = holderName(d) ? ' — ' + holderName(d) : '';
      setSummary(t('sum.failed') + who, 'bad alarm');
      setMsg('decide-msg', state.readNote);
      keepInView();
      return;
    }
    const parts = [];
    let cls = 'ok';
    const s = c.stay;
    /* "valid" says what it checks: the MRZ's check digits, nothing more */
    if (manual) { parts.push(t('sum.manual')); cls = 'warn'; } else if (!d.valid) { parts.push(t('sum.mrz_invalid')); cls = 'bad'; } else if (d.expired) { parts.push(t('sum.expired')); cls = 'bad'; } else parts.push(t('sum.mrz_valid'));
    if (c.chip && c.chip.outcome === 'failed') { parts.push(t('sum.chip_failed')); cls = 'bad'; }
    if (dss && ['lost', 'stolen', 'revoked', 'invalidated'].includes(dss.status)) { parts.push(t('sum.doc_status', { status: statusName(dss.status).toUpperCase() })); cls = 'bad'; }
    if (st === 'unavailable') { parts.push(t('sum.not_screened')); cls = 'bad'; } else if (shown.length) { parts.push(t('sum.hits', { n: shown.length })); cls = 'bad'; } else parts.push(t('sum.no_hits'));
    if (s && s.overstay > 0) { parts.push(t('sum.overstay', { n: s.overstay })); cls = 'bad'; } else if (s && typeof s.left === 'number') parts.push(t('sum.left', { n: s.left }));
    if (cls === 'ok' && (d.specimen || (s && s.inconsistent))) cls = 'warn';
    const name = holderName(d) ? ' — ' + holderName(d) : '';
    setSummary(parts.join(' · ') + name, cls);
    setMsg('decide-msg', state.readNote);
    keepInView();
  }

  /* 422 unreadable_document: the document's errors, field by field, and
   * the way on (manual entry). Nothing can be registered on it. */
  function renderUnreadable(b) {
    const d = b.document || {};
    $('result').hidden = false;
    const ds = $('doc-state');
    clear(ds);
    ds.appendChild(el('span', 'invalid', '\u2717 ' + t('doc.unreadable') + (d.format && d.format !== 'unknown' ? ' (' + d.format + ')' : '')));
    clear($('doc-status'));
    renderIssues(d);
    clear($('traveller'));
    $('hits-state').className = 'caution';
    $('hits-state').textContent = t('hits.unreadable');
    clear($('hits'));
    clear($('stay'));
    clear($('stay-national'));
    $('last-crossings').hidden = true;
    renderHeadline(null);
    $('manual').open = true;
    setSummary(t('sum.unreadable', { why: errText({ body: b }) }) +
               t('sum.to_manual'), 'bad');
  }

  /* The document's errors, field by field, and its warnings. */
  function renderIssues(d) {
    const errs = $('doc-errors');
    clear(errs);
    (d.errors || []).forEach((e) => {
      const li = el('li');
      li.appendChild(el('span', 'field', fieldName(e.field) + ': '));
      li.appendChild(document.createTextNode(issueText(e)));
      li.dataset.field = e.field;
      errs.appendChild(li);
    });
    (d.warnings || []).forEach((w) => {
      const text = w.rule && window.TimsI18n.has('mrzw.' + w.rule) ? t('mrzw.' + w.rule) : (w.message || w);
      errs.appendChild(el('li', 'caution', t('doc.warning', { text })));
    });
  }

  /* Why screening failed or was not done: the node's code when the
   * catalogue knows it (screen.CODE), else its words, else dflt. */
  function screenWhy(c, dflt) {
    const s = c.screening || {};
    const code = s.code || (c.screening_failed ? c.error : '');
    if (code && window.TimsI18n.has('screen.' + code)) return t('screen.' + code, s.params || c.params || {});
    return s.error || s.reason || s.skipped || (c.screening_failed && c.message) || dflt;
  }

  function fmtWhen(v) {
    if (v === null || v === undefined || v === '') return '?';
    if (typeof v === 'number') {
      const ms = v < 1e11 ? v * 1000 : v; /* seconds or milliseconds */
      return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
    }
    return String(v);
  }

  function renderStay(c) {
    const st = $('stay');
    clear(st);
    const nat = $('stay-national');
    clear(nat);
    nat.className = 'hint';
    const tbl = $('last-crossings');
    const tb = tbl.querySelector('tbody');
    clear(tb);
    tbl.hidden = true;
    const s = c.stay;
    if (!s) {
      st.textContent = c.screening_failed ? t('stay.none_failed') : t('stay.none_unreadable');
      return;
    }
    const main = el('span', s.overstay > 0 ? 'invalid' : '', t('stay.days', { used: s.used, max: s.max_days,
      window: s.window_days, left: s.left }));
    main.id = 'stay-days';
    st.appendChild(main);
    if (s.overstay > 0) st.appendChild(el('span', 'invalid', ' · ' + t('stay.overstay', { n: s.overstay })));
    const rk = 'regime.' + String(s.regime).replace(/ /g, '_');
    const extra = [t('stay.regime', { regime: window.TimsI18n.has(rk) ? t(rk) : s.regime })];
    if (s.exempt) extra.push(t('stay.exempt') + (typeof s.exempt === 'string' ? ' (' + s.exempt + ')' : ''));
    if (s.in_country) extra.push(t('stay.in_country'));
    st.appendChild(el('div', 'hint', extra.join(' · ')));
    if (s.inconsistent) st.appendChild(el('div', 'caution', t('stay.inconsistent')));
    /* whose figures: the national history (all posts), current or as of when */
    const n = s.national || c.national;
    if (!n) {
      nat.className = 'caution';
      nat.textContent = t('nat.none');
    } else if (n.current) {
      nat.textContent = n.as_of ? t('nat.current_as_of', { when: fmtWhen(n.as_of) }) : t('nat.current');
    } else if (n.as_of && !n.error) {
      nat.className = 'caution';
      nat.textContent = t('nat.stale', { when: fmtWhen(n.as_of) });
    } else {
      /* never caught up, or unreadable: the node's code (nat.CODE) says
         which; its note only for a code the catalogue lacks */
      nat.className = 'caution';
      if (n.code && window.TimsI18n.has('nat.' + n.code)) {
        nat.textContent = t('nat.' + n.code, n.params || {});
      } else {
        const note = String(n.note || t('nat.no_data'));
        nat.textContent = note.charAt(0).toUpperCase() + note.slice(1) + '.';
      }
    }
    const last = Array.isArray(s.last_crossings) ? s.last_crossings : Array.isArray(c.last_crossings) ? c.last_crossings : null;
    if (last && last.length) {
      last.forEach((x) => {
        const tr = el('tr');
        tr.appendChild(el('td', '', fmtWhen(x.date)));
        tr.appendChild(el('td', '', x.direction ? dirName(x.direction) : '?'));
        tr.appendChild(el('td', '', (x.post || '?') + (x.own ? t('stay.this_post') : '')));
        tb.appendChild(tr);
      });
      tbl.hidden = false;
    } else if (last) {
      st.appendChild(el('div', 'hint', t('stay.no_earlier')));
    }
  }

  /* A hit's or a match's reasons in the page's language: each coded
   * reason (match.CODE) when the node gives one and the catalogue knows it,
   * else the node's English. */
  function reasonTexts(h) {
    const codes = Array.isArray(h.reason_codes) ? h.reason_codes : [];
    return h.reasons.map((r, i) => window.TimsI18n.coded('match.', codes[i], r));
  }

  function hitItem(part, h) {
    const li = el('li');
    const what = h.name || h.number || h.plate || h.vin || '';
    const sc = hitScore(h);
    const score = sc !== null ? ' · ' + t('hit.score', { score: sc.toFixed(2) }) : '';
    li.appendChild(el('div', 'head', kindName(h) + ' — ' + (h.list || '?') + ' ' + (h.ref || '') + score +
                      ' (' + partName(part) + ')'));
    const facts = [];
    if (what) facts.push(what);
    if (h.dob) facts.push(t('hit.born', { date: h.dob }));
    if (h.nationality) facts.push(h.nationality);
    if (h.issuing_state) facts.push(h.issuing_state);
    if (h.country) facts.push(h.country);
    if (h.authority) facts.push(t('hit.by', { authority: h.authority }));
    if (typeof h.version === 'number') facts.push(t('hit.version', { version: h.version }));
    if (facts.length) li.appendChild(el('div', '', facts.join(' · ')));
    if (h.instruction) li.appendChild(el('div', 'instr', h.instruction));
    if (Array.isArray(h.reasons) && h.reasons.length) {
      const ul = el('ul', 'reasons');
      /* each reason's code (match.CODE) when the node gives one */
      reasonTexts(h).forEach((r) => ul.appendChild(el('li', '', r)));
      li.appendChild(ul);
    }
    li.dataset.part = part;
    return li;
  }

  /* ---- refusal reasons: the node's list --------------------------------- */

  /* The node's default reasons (lib/booth: Regulation (EU) 2016/399 Annex V
   * Part B): shown only when the node has sent no list; the node validates
   * the codes against its configured list either way. */
  const STANDARD_REASONS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J'].map((code) => ({ code, text: '', std: true }));

  /* A reason's text: the catalogue's for the standard codes A-J (annex.X),
   * the node's own for a code the installation added. */
  function reasonText(r) {
    /* an installation's own wording of A-J (booth.conf) is its own: kept */
    if (/^[A-J]$/.test(r.code) && (r.std || !r.text || r.text === window.TimsI18n.text('en', 'annex.' + r.code)))
      return t('annex.' + r.code);
    return r.text;
  }

  function parseReasons(x) {
    const list = Array.isArray(x) ? x : x && Array.isArray(x.reasons) ? x.reasons : null;
    if (list) {
      const out = list.map((r) => (typeof r === 'string' ? { code: r, text: '' }
        : { code: String(r.code || ''), text: String(r.text || r.label || r.description || r.reason || '') }))
        .filter((r) => /^[A-Za-z0-9]{1,8}$/.test(r.code));
      return out.length ? out : null;
    }
    if (x && typeof x === 'object') {
      const out = Object.keys(x).filter((k) => /^[A-Za-z0-9]{1,8}$/.test(k) && typeof x[k] === 'string')
        .map((k) => ({ code: k, text: x[k] }));
      return out.length ? out : null;
    }
    return null;
  }

  async function loadReasons() {
    try {
      const r = await api('GET', '/refusal-reasons');
      state.reasons = parseReasons(r.data);
      state.reasonsFrom = state.reasons ? 'node' : '';
    } catch (e) {
      state.reasons = null;
      state.reasonsFrom = '';
    }
    renderReasons();
  }

  function currentReasons() {
    if (state.reasons) return state.reasons;
    const fromCheck = state.check && parseReasons(state.check.refusal_reasons);
    return fromCheck || STANDARD_REASONS;
  }

  function renderCodes(box, prefix) {
    const before = new Set(checkedCodes(box));
    clear(box);
    currentReasons().forEach((r) => {
      const lab = el('label', 'check');
      const cb = el('input');
      cb.type = 'checkbox';
      cb.value = r.code;
      cb.id = prefix + r.code;
      cb.checked = before.has(r.code);
      lab.appendChild(cb);
      const text = reasonText(r);
      lab.appendChild(document.createTextNode(' ' + r.code + (text ? ' — ' + text : '')));
      box.appendChild(lab);
    });
  }

  function renderReasons() {
    renderCodes($('refuse-codes'), 'rc-');
    renderCodes($('sl-codes'), 'slc-');
  }

  function checkedCodes(box) {
    return Array.from(box.querySelectorAll('input[type=checkbox]')).filter((x) => x.checked).map((x) => x.value);
  }

  /* ---- the vehicle session -------------------------------------------- */

  function updateVehicleSummary() {
    const v = vehicleInput();
    const cty = v.country ? ' (' + v.country + ')' : '';
    $('vehicle-sum').textContent = state.vs ? t('veh.sum_session', { what: (v.plate || t('veh.group')) + cty, n: state.vs.occupants.length })
      : v.plate ? '— ' + v.plate + cty : '';
  }

  /* A plate typed before the first check starts the session by itself. */
  function vehicleStartIfTyped() {
    if (state.vs) return true;
    const v = vehicleInput();
    if (!v.plate && !v.vin && !v.country && !v.make_model) return true;
    return startVehicle();
  }

  function startVehicle() {
    if (state.vs) return true;
    const v = vehicleInput();
    if (!v.plate && (v.vin || v.country || v.make_model)) {
      setMsg('vehicle-msg', t('veh.plate_first'));
      $('vehicle').open = true;
      $('veh-plate').focus();
      return false;
    }
    if (v.plate && !/^[A-Z0-9 .\-]{1,20}$/.test(v.plate)) {
      setMsg('vehicle-msg', t('veh.plate_rule'));
      $('vehicle').open = true;
      $('veh-plate').focus();
      return false;
    }
    if (v.country && !/^[A-Z]{1,3}$/.test(v.country)) {
      setMsg('vehicle-msg', t('veh.country_rule'));
      $('vehicle').open = true;
      $('veh-country').focus();
      return false;
    }
    state.vs = { plate: v.plate || '', country: v.country || '', vin: v.vin || '', make_model: v.make_model || '',
                 lead: null, occupants: [], armed: 0 };
    ['veh-plate', 'veh-country', 'veh-make', 'veh-vin'].forEach((id) => { $(id).readOnly = true; });
    $('veh-start').hidden = true;
    $('veh-form').hidden = true;  /* the banner names the vehicle; nothing to retype */
    $('veh-hint').hidden = true;
    $('veh-session').hidden = false;
    $('vehicle').open = true;
    setMsg('vehicle-msg', '');
    renderVehicle();
    if (state.check && !state.registered) {
      /* the traveller on screen is the driver: screened again with the vehicle */
      if (state.check.manual) runManualCheck(); else runCheck('manual');
    }
    $('mrz').focus();
    return true;
  }

  function renderVehicle() {
    updateVehicleSummary();
    const vs = state.vs;
    if (!vs) return;
    const n = vs.occupants.length;
    $('veh-banner').textContent = (vs.plate ? t(n === 0 ? 'veh.banner_driver' : 'veh.banner', { plate: vs.plate + (vs.country ? ' (' + vs.country + ')' : ''), n: n + 1 })
      : t(n === 0 ? 'veh.banner_group_lead' : 'veh.banner_group', { n: n + 1 })) + t('veh.banner_end');
    const ol = $('veh-occupants');
    clear(ol);
    vs.occupants.forEach((o) => {
      const li = el('li', '', (o.name || o.doc) + ' — ' + t('role.' + o.role) + ' — ' + t('decision.' + o.decision) +
        (o.codes ? ' (' + o.codes + ')' : '') + ' — ' + t('veh.log_index', { index: o.index }) +
        (o.hits.length ? ' — ' + t('veh.hits', { n: o.hits.length }) : '') + ' — ' + t('veh.keys', { n: o.keys }));
      li.dataset.index = String(o.index);
      li.dataset.keys = String(o.keys);
      li.dataset.role = o.role;
      ol.appendChild(li);
    });
  }

  /* Ending is explicit. An occupant checked but not decided is warned about
   * once: a second End ends anyway. */
  function endVehicle(force) {
    const vs = state.vs;
    if (!vs) return;
    if (!force && state.check && !state.registered && Date.now() - vs.armed > 5000) {
      vs.armed = Date.now();
      setMsg('vehicle-msg', t('veh.end_pending'));
      return;
    }
    const n = vs.occupants.length;
    state.vs = null;
    ['veh-plate', 'veh-country', 'veh-make', 'veh-vin'].forEach((id) => { $(id).readOnly = false; $(id).value = ''; });
    $('veh-start').hidden = false;
    $('veh-form').hidden = false;
    $('veh-hint').hidden = false;
    $('veh-session').hidden = true;
    clear($('veh-occupants'));
    $('vehicle').open = false;
    if (!force) {
      newTraveller();
      setMsg('vehicle-msg', t(vs.plate ? 'veh.ended' : 'veh.ended_group', { plate: vs.plate, n }) +
        (n ? t('veh.ended_index', { list: vs.occupants.map((o) => o.index).join(', ') }) : '') + '.', true);
      $('vehicle-sum').textContent = t('veh.sum_ended', { what: vs.plate || t('veh.group_short'), n });
      $('mrz').focus();
    } else {
      setMsg('vehicle-msg', '');
      updateVehicleSummary();
    }
  }

  /* ---- the decision --------------------------------------------------- */

  /* A traveller the officer may decide on: a valid document, a manual entry,
   * or a failed screening (refuse or second line only). */
  function decidable(c) {
    if (!c) return false;
    if (c.manual) return true;
    if (c.screening_failed && !c.document) return true;
    return !!(c.document && c.document.valid);
  }

  function admissible(c) {
    return !!c && !c.manual && screenStatus(c) !== 'failed' && !(c.chip && c.chip.outcome === 'failed');
  }

  function updateButtons() {
    const can = !!state.check && !state.registered && !state.busy && !state.checking && decidable(state.check);
    $('admit').disabled = !can || !admissible(state.check);
    $('refuse').disabled = !can;
    $('second').disabled = !can;
    $('refuse-confirm').disabled = !can;
    $('confirm-admit').disabled = !can;
  }

  function openRefuse() {
    if ($('refuse').disabled) return;
    closeConfirm();
    renderCodes($('refuse-codes'), 'rc-');
    $('refuse-box').hidden = false;
    const first = $('refuse-codes').querySelector('input');
    if (first) first.focus();
  }

  function closeRefuse() {
    $('refuse-box').hidden = true;
  }

  function openConfirm(hits) {
    closeRefuse();
    const box = $('confirm-box');
    const names = hits.map(({ part, hit }) => kindName(hit) + ' ' + hitRef(hit) + ' (' + partName(part) + ')');
    $('confirm-text').textContent = t('confirm.text', { n: hits.length, hits: names.join('; ') });
    $('confirm-label').textContent = t('confirm.label', { n: hits.length, refs: hits.map(({ hit }) => hitRef(hit)).join(', ') });
    $('confirm-hit').checked = false;
    box.hidden = false;
    $('confirm-hit').focus();
  }

  function closeConfirm() {
    $('confirm-box').hidden = true;
    $('confirm-hit').checked = false;
  }

  const FIELD_INPUT = {
    'vehicle.plate': 'veh-plate', 'vehicle.country': 'veh-country', 'vehicle.make_model': 'veh-make',
    'vehicle.vin': 'veh-vin', remarks: 'remarks', direction: 'direction', mrz: 'mrz',
  };

  /* decide('admit' | 'refuse' | 'second-line'); confirmed: the admit box was ticked. */
  async function decide(decision, confirmed) {
    if (!state.check || state.registered || state.busy) return;
    const c = state.check;
    if (decision === 'admit' && screenStatus(c) === 'failed') {
      setMsg('decide-msg', t('dec.failed_no_admit'));
      return;
    }
    if (decision === 'admit' && c.manual) {
      setMsg('decide-msg', t('dec.manual_no_admit'));
      return;
    }
    if (!decidable(c)) {
      setMsg('decide-msg', t('dec.invalid_doc'));
      return;
    }
    if (!c.manual && completeMrz($('mrz').value) !== state.checkedMrz) {
      setMsg('decide-msg', t('dec.mrz_changed'));
      $('mrz').focus();
      return;
    }
    if (c.manual && JSON.stringify(manualInput()) !== state.checkedManual) {
      setMsg('decide-msg', t('dec.manual_changed'));
      $('manual').open = true;
      $('man-surname').focus();
      return;
    }
    if (!c.check_id) {
      setMsg('decide-msg', t('dec.no_check_id'));
      return;
    }
    const body = {
      id: state.crossingId,
      check_id: c.check_id,
      direction: $('direction').value,
      decision,
    };
    const hits = shownHits(c.screening);
    if (decision === 'admit' && hits.length) {
      if (!confirmed) { openConfirm(hits); return; }
      if (!$('confirm-hit').checked) {
        setMsg('decide-msg', t('dec.tick_box'));
        $('confirm-hit').focus();
        return;
      }
      body.confirm_hit = hitRef(hits[0].hit);
    }
    const remarks = $('remarks').value.trim();
    if (remarks) body.remarks = remarks;
    if (decision === 'refuse') {
      const codes = checkedCodes($('refuse-codes'));
      if (!codes.length) {
        setMsg('decide-msg', t('dec.choose_reason'));
        openRefuse();
        return;
      }
      body.refusal_codes = codes;
    }
    const vs = state.vs;
    if (vs) {
      if (vs.plate) {
        body.vehicle = vehicleInput();
        body.role = vs.lead === null ? 'driver' : 'passenger';
      }
      if (vs.lead !== null) body.accompanies = vs.lead;
    }

    state.busy = true;
    updateButtons();
    setMsg('decide-msg', t('dec.registering'), true);
    try {
      const r = await api('POST', '/crossings', body);
      state.registered = r.data;
      closeRefuse();
      closeConfirm();
      setMsg('decide-msg', '');
      const name = holderName(c.document) || docNumber(c.document);
      if (decision === 'second-line' && !r.data.duplicate)
        state.referrals.push({ index: r.data.index, name });
      if (vs && state.vs === vs) {
        if (vs.lead === null) vs.lead = r.data.index;
        vs.occupants.push({ name, doc: docNumber(c.document), role: body.role || (vs.lead === r.data.index ? 'lead' : 'with_lead'), index: r.data.index,
          decision, codes: body.refusal_codes ? body.refusal_codes.join(',') : '',
          keys: state.keys, hits: hits.map(({ hit }) => ({ kind: hitKind(hit), ref: hitRef(hit) })) });
        state.keys = 0;
        renderVehicle();
        renderHeadline(c);
      }
      await showReceipt(r.data, body);
    } catch (e) {
      if (e.status === 401) return;
      if (e.unreachable) {
        setMsg('decide-msg', t('dec.unreachable'));
      } else if (e.body && e.body.error === 'not_confirmed') {
        /* Maybe stored, maybe not (an I/O error at the post): never "not registered". */
        setMsg('decide-msg', t('dec.not_confirmed'));
      } else {
        const msg = e.body && e.body.errors ? e.body.errors.map((x) => (x.code && window.TimsI18n.has('err.' + x.code)
          ? errText({ body: { error: x.code, params: x.params } }) : x.message)).join('; ') : errText(e);
        setMsg('decide-msg', t('dec.not_registered', { why: msg }));
        const field = (e.body && e.body.params && e.body.params.field) || (e.message || '').split(':')[0];
        if (FIELD_INPUT[field]) {
          if (field.startsWith('vehicle')) $('vehicle').open = true;
          $(FIELD_INPUT[field]).focus();
        }
      }
    } finally {
      state.busy = false;
      updateButtons();
    }
  }
  /* ---- the receipt: index, leaf hash, inclusion proof ---------------- */

  function unhex(h) {
    const b = new Uint8Array(h.length / 2);
    for (let i = 0; i < b.length; i++) b[i] = parseInt(h.substr(i * 2, 2), 16);
    return b;
  }

  function hex(b) {
    return Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
  }

  async function nodeHash(l, r) {
    const buf = new Uint8Array(65);
    buf[0] = 1;
    buf.set(l, 1);
    buf.set(r, 33);
    return new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
  }

  /* RFC 9162 §2.1.3.2: the root that the leaf and proof lead to. */
  async function inclusionRoot(index, size, leaf, proof) {
    if (index >= size) return null;
    let fn = index, sn = size - 1, r = leaf;
    for (const p of proof) {
      if (sn === 0) return null;
      if ((fn & 1) === 1 || fn === sn) {
        r = await nodeHash(p, r);
        if ((fn & 1) === 0) while ((fn & 1) === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 ? hex(r) : null;
  }

  async function showReceipt(a, body) {
    state.receiptArgs = [a, body];
    if (!state.printData || state.printData.a !== a)
      state.printData = { a, body, c: state.check, at: Date.now(), proofOk: false };
    const box = $('receipt');
    clear(box);
    let proofOk = false;
    try {
      const root = await inclusionRoot(a.index, a.checkpoint.size, unhex(a.leaf_hash),
                                       (a.inclusion_proof || []).map(unhex));
      proofOk = root !== null && root === a.checkpoint.root;
    } catch (e) { proofOk = false; }
    const dec = { admit: body.confirm_hit ? t('rc.admitted_hit', { ref: body.confirm_hit }) : t('rc.admitted'),
                  refuse: t('rc.refused', { codes: (body.refusal_codes || []).join(',') }),
                  'second-line': t('rc.second') }[body.decision];
    const big = el('div', 'big', t(a.duplicate ? 'rc.already' : 'rc.registered', { direction: dirName(body.direction), decision: dec }));
    const idx = el('span', '', a.index);
    idx.id = 'record-index';
    big.appendChild(idx);
    box.appendChild(big);
    if (a.duplicate)
      box.appendChild(el('div', 'caution', t('rc.duplicate')));
    const lh = el('div', '', t('rc.leaf') + ' ');
    lh.appendChild(el('code', '', a.leaf_hash));
    box.appendChild(lh);
    const pr = el('div', proofOk ? 'valid' : 'invalid',
      proofOk ? '\u2713 ' + t('rc.proof_ok', { origin: a.checkpoint.origin, size: a.checkpoint.size })
              : '\u2717 ' + t('rc.proof_bad'));
    pr.id = 'proof-state';
    box.appendChild(pr);
    state.printData.proofOk = proofOk;
    if (state.check && state.check.manual) box.appendChild(el('div', 'caution', t('rc.manual')));
    if (body.vehicle) box.appendChild(el('div', '', t('rc.vehicle', { plate: body.vehicle.plate }) + (body.role ? ' (' + t('role.' + body.role) + ')' : '') +
      (body.accompanies !== undefined ? t('rc.with_driver', { index: body.accompanies }) : '') + '.'));
    else if (body.accompanies !== undefined) box.appendChild(el('div', '', t('rc.with_record', { index: body.accompanies })));
    if (body.decision === 'second-line') box.appendChild(el('div', '', t('rc.second_hint', { index: a.index })));
    const pb = el('button', 'quiet', t(body.decision === 'refuse' ? 'print.refusal' : 'print.receipt') + ' ');
    pb.type = 'button';
    pb.id = 'print-form';
    pb.setAttribute('aria-keyshortcuts', 'Alt+P');
    pb.appendChild(el('kbd', '', 'Alt+P'));
    pb.addEventListener('click', () => printForm());
    box.appendChild(pb);
    box.appendChild(el('div', 'hint', state.vs ? t('rc.next_occupant') : t('rc.next')));
    box.hidden = false;
    box.tabIndex = -1;
    box.focus();
    refreshStatus();
  }

  /* ---- printed forms: the refusal form and the crossing receipt ------- */

  /*
   * One action (Alt+P, or the button under the receipt) prints what was just
   * registered: a refusal as the standard form of Regulation (EU) 2016/399,
   * Annex V Part B (the reasons A-J, those given ticked, the traveller, the
   * post, the officer, the date and time, the traveller's signature line,
   * the officer's signature and stamp); anything else as a crossing receipt.
   * Both in Albanian and English at once, whatever the screen's language.
   * The form is built in #print-area, which only the print style sheet
   * shows (console.css, @media print), then the browser's print runs.
   */
  function bi(key, p) {
    return [window.TimsI18n.tIn('sq', key, p), window.TimsI18n.tIn('en', key, p)];
  }

  function biEl(tag, cls, key, p) {
    const e = el(tag, cls);
    const [sq, en] = bi(key, p);
    e.appendChild(el('span', 'sq', sq));
    if (en !== sq) {
      e.appendChild(el('span', 'sep', ' / '));
      e.appendChild(el('span', 'en', en));
    }
    return e;
  }

  function biRow(tb, key, value) {
    const tr = el('tr');
    const th = biEl('th', '', key);
    th.scope = 'row';
    tr.appendChild(th);
    tr.appendChild(el('td', '', value === undefined || value === null || value === '' ? '—' : value));
    tb.appendChild(tr);
  }

  function biValue(key, p) {
    const [sq, en] = bi(key, p);
    return sq === en ? sq : sq + ' / ' + en;
  }

  function stampOf(ms) {
    const d = new Date(ms);
    const p = (n) => String(n).padStart(2, '0');
    const off = -d.getTimezoneOffset();
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + p(d.getHours()) + ':' +
      p(d.getMinutes()) + ' (UTC' + (off >= 0 ? '+' : '-') + p(Math.floor(Math.abs(off) / 60)) + ':' + p(Math.abs(off) % 60) + ')';
  }

  function formFacts(box, x) {
    const tbl = el('table', 'form-facts');
    const tb = el('tbody');
    biRow(tb, 'form.post', state.origin || '?');
    biRow(tb, 'form.booth', state.session ? state.session.booth : '');
    biRow(tb, 'form.datetime', stampOf(x.at));
    biRow(tb, 'form.officer', state.session ? state.session.officer : '');
    tbl.appendChild(tb);
    box.appendChild(tbl);
  }

  function formTraveller(box, x) {
    const d = (x.c && x.c.document) || {};
    box.appendChild(biEl('h2', '', 'form.traveller'));
    const tbl = el('table', 'form-facts');
    const tb = el('tbody');
    biRow(tb, 'f.surname', d.surname);
    biRow(tb, 'f.given_names', d.given_names);
    biRow(tb, 'f.birth_date', isoOf(d.birth_date));
    biRow(tb, 'f.nationality', d.nationality);
    biRow(tb, 'f.sex', d.sex);
    biRow(tb, 'form.document', [d.document_code || d.doc_code, docNumber(d)].filter(Boolean).join(' '));
    biRow(tb, 'f.issuing_state', d.issuing_state || d.issuer);
    biRow(tb, 'f.expiry_date', isoOf(d.expiry_date));
    if (x.c && x.c.manual) biRow(tb, 'fact.entry', biValue('fact.entry_manual'));
    tbl.appendChild(tb);
    box.appendChild(tbl);
  }

  function formRecord(box, x) {
    const tbl = el('table', 'form-facts');
    const tb = el('tbody');
    biRow(tb, 'form.record', String(x.a.index));
    biRow(tb, 'form.log', x.a.checkpoint ? x.a.checkpoint.origin : '');
    tbl.appendChild(tb);
    box.appendChild(tbl);
  }

  function signLine(box, key, extra) {
    const d = el('div', 'sign');
    d.appendChild(el('div', 'line'));
    d.appendChild(biEl('div', 'label', key));
    if (extra) d.appendChild(el('div', 'label', extra));
    box.appendChild(d);
  }

  function buildRefusalForm(box, x) {
    box.appendChild(biEl('p', 'form-legal', 'form.legal'));
    box.appendChild(biEl('h1', 'form-title', 'form.refusal_title'));
    formFacts(box, x);
    formTraveller(box, x);
    box.appendChild(biEl('p', 'form-statement', 'form.statement'));
    const ticked = new Set(x.body.refusal_codes || []);
    const ul = el('ul', 'form-reasons');
    currentReasons().forEach((r) => {
      const li = el('li', ticked.has(r.code) ? 'ticked' : '');
      li.dataset.code = r.code;
      li.appendChild(el('span', 'box', ticked.has(r.code) ? '\u2612' : '\u2610'));
      li.appendChild(el('span', 'code', '(' + r.code + ')'));
      const std = /^[A-J]$/.test(r.code) && (r.std || !r.text || r.text === window.TimsI18n.text('en', 'annex.' + r.code));
      const txt = el('span', 'text');
      if (std) {
        const [sq, en] = bi('annex.' + r.code);
        txt.appendChild(el('span', 'sq', sq));
        txt.appendChild(el('span', 'en', en));
      } else {
        txt.appendChild(el('span', 'en', r.text));
      }
      li.appendChild(txt);
      ul.appendChild(li);
    });
    box.appendChild(ul);
    const rm = el('table', 'form-facts');
    const rtb = el('tbody');
    biRow(rtb, 'form.remarks', x.body.remarks || '');
    rm.appendChild(rtb);
    box.appendChild(rm);
    formRecord(box, x);
    box.appendChild(biEl('p', 'form-note', 'form.appeal'));
    const sg = el('div', 'signs');
    signLine(sg, 'form.sign_traveller');
    signLine(sg, 'form.sign_officer', state.session ? state.session.officer : '');
    const st = el('div', 'sign stamp');
    st.appendChild(biEl('div', 'label', 'form.stamp'));
    sg.appendChild(st);
    box.appendChild(sg);
    box.appendChild(biEl('p', 'form-note', 'form.refused_to_sign'));
    box.appendChild(biEl('p', 'form-note', 'form.copy'));
  }

  function buildReceipt(box, x) {
    box.appendChild(biEl('h1', 'form-title', 'form.receipt_title'));
    formFacts(box, x);
    formTraveller(box, x);
    const tbl = el('table', 'form-facts');
    const tb = el('tbody');
    biRow(tb, 'f.direction', biValue('dir.' + x.body.direction));
    const dec = { admit: 'rc.admitted', refuse: 'rc.refused', 'second-line': 'rc.second' }[x.body.decision];
    biRow(tb, 'f.decision', biValue(x.body.confirm_hit ? 'rc.admitted_hit' : dec,
                                    { ref: x.body.confirm_hit, codes: (x.body.refusal_codes || []).join(',') }));
    if (x.body.vehicle) biRow(tb, 'f.vehicle.plate', x.body.vehicle.plate);
    biRow(tb, 'form.record', String(x.a.index));
    biRow(tb, 'form.log', x.a.checkpoint ? x.a.checkpoint.origin + ' (' + x.a.checkpoint.size + ')' : '');
    biRow(tb, 'rc.leaf', x.a.leaf_hash);
    biRow(tb, 'form.proof', biValue(x.proofOk ? 'form.proof_ok' : 'form.proof_bad'));
    tbl.appendChild(tb);
    box.appendChild(tbl);
    box.appendChild(biEl('p', 'form-note', 'form.receipt_note'));
    signLine(box, 'form.sign_officer', state.session ? state.session.officer : '');
  }

  async function printForm() {
    const x = state.printData;
    if (!x || !state.registered) {
      setMsg('decide-msg', t('print.nothing'));
      return;
    }
    try {
      await window.TimsI18n.ensure('sq');
    } catch (e) {
      setMsg('decide-msg', t('print.no_catalogue'));
      return;
    }
    const box = $('print-area');
    clear(box);
    const refusal = x.body.decision === 'refuse';
    box.className = 'print-only form ' + (refusal ? 'refusal' : 'receipt');
    box.dataset.form = refusal ? 'refusal' : 'receipt';
    if (refusal) buildRefusalForm(box, x); else buildReceipt(box, x);
    window.print();
  }

  /* ---- the reader: a document read anywhere on the page --------------- */

  /*
   * A keyboard-wedge reader types the MRZ as keystrokes wherever the focus
   * happens to be: on the receipt after a registration, in Remarks, on a
   * list. Those keystrokes must start the next traveller, not vanish or land
   * in another field. The heuristic (docs/console.md, "Reader bursts"):
   *
   *  - a chain: consecutive keydowns of one MRZ character each (A-Z in either
   *    case, 0-9, '<') in one element, no Ctrl/Alt/Meta, no auto-repeat,
   *    none more than READER_PAUSE_MS after the one before. Anything else
   *    breaks the chain (a space, punctuation, Enter, Tab, a shortcut, a
   *    pause, a focus change). Shift and Caps Lock are ignored (a reader
   *    presses Shift for '<' and capitals).
   *  - it is a reader when the chain's last READER_KEYS keys or more (from
   *    some key on) begin as an MRZ's first line does — a document code
   *    letter A C I P V, a code character, an issuing state of letters or
   *    '<' — hold a '<' or a digit, and came with a median gap of at most
   *    READER_GAP_MS.
   *
   * A reader types a key every 1-20 ms; a person, even a fast typist, every
   * 100-250 ms, with only the odd pair of keys under 50 ms: a median under
   * 50 ms over ten keys is 240 words a minute, which no one types in
   * Remarks. The median, not every gap, so that a stall of the booth's
   * computer in the middle of a read does not hide it. Key auto-repeat (a
   * held key) is marked by the browser and excluded.
   *
   * Once it is a reader, the field the keystrokes fell into gets back what it
   * held before the read's first key, the old result is blanked at once (a
   * new traveller when there was a check or a receipt on screen; a vehicle
   * or remarks typed before the first check stay), and the rest of the read
   * goes into the MRZ field, whose own rule runs the check when the zone is
   * complete. The read goes on while keys come at most READER_STALL_MS apart
   * within a line and READER_PAUSE_MS after an Enter; it ends at the Enter
   * that completes a zone, at any other key, or when the focus leaves the
   * MRZ field — then keys are the officer's again.
   */
  const READER_GAP_MS = 50;     /* the median gap of a read, at most */
  const READER_KEYS = 10;       /* keys before a chain is judged */
  const READER_STALL_MS = 250;  /* within a line, once it is a read */
  const READER_PAUSE_MS = 500;  /* after a line end, once it is a read; and between keys of a chain */
  const READER_JOIN_MS = 2000;  /* a read that resumes after a longer pause, into an incomplete zone */
  const MRZ_START = /^[ACIPV][A-Z0-9<][A-Z<]{3}/;

  const reader = {
    keys: [],         /* the chain: {ch, t, saved} — saved: the field before this key */
    origin: null,     /* the element the chain is typed into */
    last: -1e9,       /* time stamp of the last key taken */
    active: false,    /* a read is going into the MRZ field */
    lineEnd: false,   /* its last key was Enter */
    ended: -1e9,      /* time stamp of the last read's last keystroke */
  };

  function saveField(e) {
    if (!e) return null;
    if (e.tagName === 'SELECT') return { value: e.value };
    if (e.tagName === 'INPUT' || e.tagName === 'TEXTAREA')
      return { value: e.value, start: e.selectionStart, end: e.selectionEnd };
    return null;
  }

  function restoreField(e, saved) {
    if (!e || !saved) return;
    e.value = saved.value;
    if (saved.start !== undefined && saved.start !== null) {
      try { e.setSelectionRange(saved.start, saved.end); } catch (x) { /* not a text field */ }
    }
  }

  function readerAppend(text) {
    const m = $('mrz');
    m.value += text;
    m.setSelectionRange(m.value.length, m.value.length);
    onMrzInput();
  }

  function median(a) {
    const b = a.slice().sort((x, y) => x - y);
    return b[Math.floor(b.length / 2)];
  }

  /* The first key of the chain from which it is a read, or -1. */
  function readerFrom() {
    const k = reader.keys;
    for (let i = 0; i + READER_KEYS <= k.length; i++) {
      const text = k.slice(i).map((x) => x.ch).join('');
      if (!MRZ_START.test(text) || !/[<0-9]/.test(text)) continue;
      const gaps = [];
      for (let j = i + 1; j < k.length; j++) gaps.push(k[j].t - k[j - 1].t);
      if (median(gaps) <= READER_GAP_MS) return i;
    }
    return -1;
  }

  /* The chain is a reader from key i on: blank the old result, move the read
   * to the MRZ field. */
  function readerStart(i, ts) {
    const m = $('mrz');
    const text = reader.keys.slice(i).map((x) => x.ch).join('');
    restoreField(reader.origin, reader.keys[i].saved); /* the MRZ field too: the text is appended below */
    const resume = ts - reader.ended <= READER_JOIN_MS && m.value.trim() !== '' && !completeMrz(m.value) &&
                   !state.check && !state.registered;
    if (!resume) {
      const unregistered = state.check && !state.registered;
      const prev = unregistered && state.check.document ? holderName(state.check.document).split(',')[0] : '';
      if (state.check || state.registered || state.checking) newTraveller();
      m.value = '';
      if (unregistered) {
        state.readNote = t(prev ? 'read.unregistered_name' : 'read.unregistered', { name: prev });
        setMsg('decide-msg', state.readNote);
      }
    }
    /* the chain's keys before this one were counted as the officer's */
    state.keys = Math.max(0, state.keys - (reader.keys.length - 1 - i));
    reader.keys = [];
    reader.active = true;
    reader.lineEnd = false;
    reader.ended = ts;
    m.focus();
    setSummary(t('sum.reading'), '');
    readerAppend(text);
  }

  /* Called first for every keydown on the booth screen; true when the key
   * was taken as part of a read (the caller does nothing more with it). */
  function readerKey(ev) {
    if (['Shift', 'CapsLock'].includes(ev.key)) return false; /* a reader's Shift for '<' and capitals */
    const ts = ev.timeStamp;
    const gap = ts - reader.last;
    const plain = !ev.ctrlKey && !ev.altKey && !ev.metaKey;
    const ch = plain && ev.key.length === 1 ? ev.key.toUpperCase() : plain && ev.key === 'Enter' ? '\n' : null;
    const focus = document.activeElement;
    reader.last = ts;
    if (reader.active) {
      const limit = reader.lineEnd ? READER_PAUSE_MS : READER_STALL_MS;
      if (ch !== null && !ev.repeat && gap <= limit && /^[A-Z0-9<\n]$/.test(ch) && focus === $('mrz')) {
        ev.preventDefault();
        ev.stopImmediatePropagation();
        reader.ended = ts;
        reader.lineEnd = ch === '\n';
        readerAppend(ch);
        /* a complete zone and its last Enter: the read is over */
        if (reader.lineEnd && completeMrz($('mrz').value)) reader.active = false;
        return true;
      }
      reader.active = false; /* the read is over: this key is the officer's */
    }
    if (ch === null || ev.repeat || !/^[A-Z0-9<]$/.test(ch)) {
      reader.keys = [];
      return false;
    }
    if (gap > READER_PAUSE_MS || focus !== reader.origin) reader.keys = [];
    if (!reader.keys.length) reader.origin = focus;
    reader.keys.push({ ch, t: ts, saved: saveField(focus) });
    if (reader.keys.length > 60) reader.keys.shift();
    const from = reader.keys.length >= READER_KEYS ? readerFrom() : -1;
    if (from < 0) return false;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    readerStart(from, ts);
    return true;
  }


  /* ---- the next traveller -------------------------------------------- */

  /* opts.keepMrz: the MRZ field stays (a new read is in it); opts.keepManual:
   * the manual entry's fields stay. A vehicle session stays: the next
   * traveller is the next occupant. */
  function newTraveller(opts) {
    const o = opts || {};
    clearTimeout(state.autoTimer);
    state.checkSeq++;
    state.checking = false;
    state.readNote = '';
    state.check = null;
    state.checkedMrz = '';
    state.checkedManual = null;
    state.crossingId = '';
    state.registered = null;
    state.escArmed = 0;
    if (!state.vs) state.keys = 0;
    if (!o.keepMrz) $('mrz').value = '';
    if (!o.keepManual) {
      ['man-surname', 'man-given', 'man-birth', 'man-nationality', 'man-docno', 'man-issuer', 'man-code']
        .forEach((id) => { $(id).value = ''; });
      $('man-sex').value = '';
      $('manual').open = false;
      setMsg('manual-msg', '');
    }
    $('remarks').value = '';
    if (!o.keepChip) {
      state.chip = null;
      $('chip-files').value = '';
      $('chip-sum').textContent = '';
      $('chip').open = false;
      setMsg('chip-msg', '');
      state.aaChallenge = null;
      $('chip-challenge').textContent = '';
      setMsg('chip-challenge-help', '');
    }
    if (!state.vs) {
      ['veh-plate', 'veh-country', 'veh-make', 'veh-vin'].forEach((id) => { $(id).value = ''; });
      $('vehicle').open = false;
      setMsg('vehicle-msg', '');
    } else {
      renderVehicle();
    }
    $('refuse-codes').querySelectorAll('input').forEach((x) => { x.checked = false; });
    closeRefuse();
    closeConfirm();
    updateVehicleSummary();
    renderNothing();
    clear($('receipt'));
    $('receipt').hidden = true;
    state.printData = null;
    clear($('print-area'));
    setMsg('decide-msg', '');
    setSummary(state.vs ? t(state.vs.plate ? 'sum.waiting_vehicle' : 'sum.waiting_group', { plate: state.vs.plate, n: state.vs.occupants.length + 1 })
                        : t('sum.waiting'), '');
    updateButtons();
  }

  function onEscape() {
    if (!$('confirm-box').hidden) {
      closeConfirm();
      setMsg('decide-msg', t('dec.not_admitted'));
      $('admit').focus();
      return;
    }
    if (!$('refuse-box').hidden) {
      closeRefuse();
      $('refuse').focus();
      return;
    }
    const pending = state.check && !state.registered;
    if (pending && Date.now() - state.escArmed > 5000) {
      state.escArmed = Date.now();
      setMsg('decide-msg', t('dec.esc_pending'));
      return;
    }
    newTraveller();
    $('mrz').focus();
  }

  /* ---- second line: the outcome of a referral ------------------------- */

  function showSecond() {
    if (!state.session) return;
    $('booth-screen').hidden = true;
    $('search-screen').hidden = true;
    $('second-screen').hidden = false;
    renderCodes($('sl-codes'), 'slc-');
    const ul = $('sl-pending');
    clear(ul);
    state.referrals.forEach((r) => {
      const li = el('li');
      const b = el('button', 'quiet', t('sl.record', { index: r.index }) + (r.name ? ' — ' + r.name : ''));
      b.type = 'button';
      b.addEventListener('click', () => { $('sl-first').value = String(r.index); $('sl-decision').focus(); });
      li.appendChild(b);
      ul.appendChild(li);
    });
    if (!$('sl-first').value && state.referrals.length)
      $('sl-first').value = String(state.referrals[state.referrals.length - 1].index);
    onSecondDecision();
    $('sl-first').focus();
  }

  function showBoothAgain() {
    $('second-screen').hidden = true;
    $('search-screen').hidden = true;
    $('booth-screen').hidden = false;
    $('mrz').focus();
  }

  function onSecondDecision() {
    $('sl-codes-box').hidden = $('sl-decision').value !== 'refuse';
  }

  async function onSecondSubmit(ev) {
    ev.preventDefault();
    if (state.busy) return;
    const first = $('sl-first').value.trim();
    if (!/^[0-9]{1,15}$/.test(first)) {
      setMsg('sl-msg', t('sl.first_rule'));
      $('sl-first').focus();
      return;
    }
    const body = { first: Number(first), decision: $('sl-decision').value };
    /* a retry of the same outcome (no answer) reuses its id: never stored twice */
    const key = first + '|' + body.decision;
    if (state.slKey !== key) { state.slKey = key; state.slId = newCrossingId(); }
    body.id = state.slId;
    if (body.decision === 'refuse') {
      body.refusal_codes = checkedCodes($('sl-codes'));
      if (!body.refusal_codes.length) {
        setMsg('sl-msg', t('dec.choose_reason'));
        const f = $('sl-codes').querySelector('input');
        if (f) f.focus();
        return;
      }
    }
    const remarks = $('sl-remarks').value.trim();
    if (remarks) body.remarks = remarks;
    state.busy = true;
    $('sl-submit').disabled = true;
    setMsg('sl-msg', t('sl.recording'), true);
    const box = $('sl-receipt');
    clear(box);
    box.hidden = true;
    try {
      const r = await api('POST', '/second-line', body);
      setMsg('sl-msg', '');
      const a = r.data || {};
      const big = el('div', 'big', t('sl.recorded', { decision: t('decision.' + body.decision).toUpperCase() +
        (body.refusal_codes ? ' (' + body.refusal_codes.join(',') + ')' : ''), first: body.first }) +
        (typeof a.index === 'number' ? t('sl.log_index') : ''));
      if (typeof a.index === 'number') {
        const idx = el('span', '', a.index);
        idx.id = 'sl-index';
        big.appendChild(idx);
      }
      box.appendChild(big);
      box.hidden = false;
      state.referrals = state.referrals.filter((x) => x.index !== body.first);
      state.slKey = '';
      $('sl-first').value = '';
      $('sl-remarks').value = '';
      $('sl-codes').querySelectorAll('input').forEach((x) => { x.checked = false; });
    } catch (e) {
      if (e.status === 401) return;
      if (e.status === 404 || e.status === 405)
        setMsg('sl-msg', t('sl.no_route'));
      else setMsg('sl-msg', t('sl.not_recorded', { why: errText(e) }));
    } finally {
      state.busy = false;
      $('sl-submit').disabled = false;
    }
  }

  /* ---- history search by name (POST /api/v1/history/search) ----------- */

  /*
   * A person in this post's own records by name, as screening compares
   * names (diacritics, scripts, transliterations, typos; the full birth
   * date finds a misspelt surname). The node requires a purpose (a code of
   * GET /api/v1/purposes and a text), refuses without one, audits every
   * search and refusal and counts it as a history read; it answers 503
   * rather than "nobody" while it cannot search. The console checks only
   * its own rule (a surname) and the birth date's form: the purpose is the
   * node's to judge, so a search without one is a refusal on the trail.
   * Every text of an answer is the catalogue's, from the node's code.
   */
  function showSearch() {
    if (!state.session) return;
    $('booth-screen').hidden = true;
    $('second-screen').hidden = true;
    $('search-screen').hidden = false;
    if (!state.purposes) loadPurposes();
    $('hs-surname').focus();
  }

  /* logout: the query, the purpose and the matches leave the page */
  function clearSearch(all) {
    state.search = null;
    clear($('hs-table').querySelector('tbody'));
    clear($('hs-summary'));
    $('hs-results').hidden = true;
    setMsg('hs-msg', '');
    if (all) {
      ['hs-surname', 'hs-given', 'hs-birth', 'hs-purpose'].forEach((id) => { $(id).value = ''; });
      $('hs-purpose-code').value = '';
      state.purposes = null;
      renderPurposes();
    }
  }

  /* an officer's role in the catalogue's words (the supervisor page's) */
  function roleName(r) {
    return window.TimsI18n.has('sup.role_' + r) ? t('sup.role_' + r) : String(r || '?');
  }

  async function loadPurposes() {
    try {
      const r = await api('GET', '/purposes');
      const d = r.data || {};
      state.purposes = { list: Array.isArray(d.purposes) ? d.purposes : [], min: d.text_min, max: d.text_max };
      renderPurposes();
    } catch (e) {
      if (e.status === 401) return;
      state.purposes = null;
      setMsg('hs-msg', searchErr(e));
    }
  }

  /* A purpose's words: the catalogue's for the built-in codes, the
   * installation's own description for a code it added. */
  function purposeText(p) {
    return window.TimsI18n.has('purpose.' + p.code) ? t('purpose.' + p.code) : String(p.description || p.code);
  }

  function renderPurposes() {
    const sel = $('hs-purpose-code');
    const keep = sel.value;
    while (sel.options.length > 1) sel.remove(1);
    sel.options[0].textContent = t('hs.choose_purpose');
    const ps = state.purposes;
    (ps ? ps.list : []).forEach((p) => {
      const o = el('option', '', p.code + ' — ' + purposeText(p));
      o.value = p.code;
      sel.appendChild(o);
    });
    sel.value = keep && ps && ps.list.some((p) => p.code === keep) ? keep : '';
    $('hs-purpose-help').textContent = ps && ps.min && ps.max ? t('hs.purpose_help', { min: ps.min, max: ps.max }) : t('hs.purpose_help_any');
  }

  /* A refused search in the catalogue's words: the node's code, and what
   * the search itself makes of it. */
  function searchErr(e) {
    const b = (e && e.body) || {};
    const p = b.params || {};
    if (e && e.status === 403 && b.error === 'forbidden')
      return t('hs.forbidden', { role: roleName(state.session ? state.session.role : '') });
    if (b.error === 'token_unavailable') return t(p.rule === 'names_owed' ? 'hs.names_owed' : p.rule === 'token' ? 'hs.token_out' : 'hs.unavailable');
    if (b.error === 'bad_field' && p.field === 'purpose' && state.purposes)
      return t('hs.rule_purpose', { min: state.purposes.min, max: state.purposes.max });
    if (b.error === 'bad_field' && p.field === 'birth_date') return t('hs.rule_birth');
    /* a code the catalogue does not know: the code, never the node's English */
    if (b.error && !window.TimsI18n.has('err.' + b.error)) return t('hs.code', { code: b.error, status: e.status });
    return errText(e);
  }

  async function onSearchSubmit(ev) {
    ev.preventDefault();
    if (state.busy) return;
    const q = {
      surname: $('hs-surname').value.trim(),
      given_names: $('hs-given').value.trim(),
      birth_date: $('hs-birth').value.trim(),
      purpose_code: $('hs-purpose-code').value,
      purpose: $('hs-purpose').value.trim(),
    };
    Object.keys(q).forEach((k) => { if (!q[k]) delete q[k]; });
    if (!q.surname) {
      setMsg('hs-msg', t('hs.rule_surname'));
      $('hs-surname').focus();
      return;
    }
    if (q.birth_date && !/^\d{4}(-\d{2}(-\d{2})?)?$/.test(q.birth_date)) {
      setMsg('hs-msg', t('hs.rule_birth'));
      $('hs-birth').focus();
      return;
    }
    state.busy = true;
    $('hs-submit').disabled = true;
    clearSearch(false);
    setMsg('hs-msg', t('hs.searching'), true);
    try {
      const r = await api('POST', '/history/search', q);
      setMsg('hs-msg', '');
      state.search = r.data || {};
      renderSearch(state.search);
    } catch (e) {
      if (e.status === 401) return;
      setMsg('hs-msg', t('hs.refused', { why: searchErr(e) }));
      const f = { purpose_required: q.purpose_code ? 'hs-purpose' : 'hs-purpose-code', bad_purpose: 'hs-purpose-code' }[(e.body || {}).error];
      if (f) $(f).focus();
    } finally {
      state.busy = false;
      $('hs-submit').disabled = false;
    }
  }

  /* The node's answer as it is: its rows, its counts; nothing added. */
  function renderSearch(a) {
    const tb = $('hs-table').querySelector('tbody');
    clear(tb);
    const rows = Array.isArray(a.matches) ? a.matches : [];
    const found = typeof a.found === 'number' ? a.found : rows.length;
    const p = { n: found, shown: rows.length, candidates: a.candidates, threshold: typeof a.threshold === 'number' ? a.threshold.toFixed(2) : '?' };
    $('hs-summary').textContent = (found ? t('hs.found', p) : t('hs.none', p)) +
      (found > rows.length ? ' ' + t('hs.cut', p) : '') + ' ' + t('hs.compared', { n: a.candidates, threshold: p.threshold });
    /* each cell names its column: on a narrow screen the rows are stacked
       and the header row is not shown (console.css) */
    const heads = [...$('hs-table').tHead.rows[0].cells].map((h) => h.textContent);
    rows.forEach((m) => {
      const tr = el('tr');
      tr.dataset.document = String(m.document || '');
      tr.appendChild(el('td', 'score', typeof m.score === 'number' ? m.score.toFixed(2) : '?'));
      tr.appendChild(el('td', 'name', holderName(m)));
      tr.appendChild(el('td', 'date', m.birth_date || '—'));
      tr.appendChild(el('td', '', m.nationality || '—'));
      tr.appendChild(el('td', '', m.sex || '—'));
      tr.appendChild(el('td', 'doc', [m.issuer, m.document].filter(Boolean).join(' ')));
      tr.appendChild(el('td', '', t('hs.crossings', { n: m.crossings, last: fmtWhen(m.last_ms), index: m.last_index })));
      const why = el('td');
      if (Array.isArray(m.reasons) && m.reasons.length) {
        const ul = el('ul', 'reasons');
        reasonTexts(m).forEach((r) => ul.appendChild(el('li', '', r)));
        why.appendChild(ul);
      }
      tr.appendChild(why);
      [...tr.cells].forEach((c, i) => { c.dataset.label = heads[i] || ''; });
      tb.appendChild(tr);
    });
    $('hs-table').hidden = rows.length === 0;
    $('hs-results').hidden = false;
  }

  /* ---- keyboard ------------------------------------------------------- */

  const MODIFIERS = ['Shift', 'Control', 'Alt', 'AltGraph', 'Meta', 'CapsLock', 'OS'];

  /* A letter typed in the refusal box ticks (or unticks) that reason. */
  function refuseLetter(ev, box) {
    if (ev.ctrlKey || ev.altKey || ev.metaKey || ev.key.length !== 1) return false;
    const cb = box.querySelector('input[value="' + ev.key.toUpperCase().replace(/[^A-Z0-9]/g, '') + '"]');
    if (!cb) return false;
    ev.preventDefault();
    cb.checked = !cb.checked;
    cb.focus();
    return true;
  }

  function onKey(ev) {
    state.lastActivity = Date.now();
    if (!state.session) return;
    if (!$('search-screen').hidden) {
      const alt = ev.altKey && !ev.ctrlKey && !ev.metaKey;
      if ((alt && ev.code === 'KeyH') || ev.key === 'Escape') { ev.preventDefault(); showBoothAgain(); return; }
      if (alt && ev.code === 'KeyL') { ev.preventDefault(); logout(); return; }
      return;
    }
    if (!$('second-screen').hidden) {
      if (ev.altKey && !ev.ctrlKey && !ev.metaKey && ev.code === 'KeyO') { ev.preventDefault(); showBoothAgain(); return; }
      if (ev.altKey && !ev.ctrlKey && !ev.metaKey && ev.code === 'KeyH') { ev.preventDefault(); showSearch(); return; }
      if (ev.altKey && !ev.ctrlKey && !ev.metaKey && ev.code === 'KeyL') { ev.preventDefault(); logout(); return; }
      if ($('sl-codes').contains(document.activeElement) && refuseLetter(ev, $('sl-codes'))) return;
      return;
    }
    if ($('booth-screen').hidden) return;
    if (readerKey(ev)) return;
    /* the officer's own keystrokes (a chord such as Alt+A is one) */
    if (!MODIFIERS.includes(ev.key) && !ev.repeat) state.keys++;
    if (ev.key === 'Escape') {
      ev.preventDefault();
      onEscape();
      return;
    }
    if (ev.key === 'Enter' && ev.ctrlKey) {
      ev.preventDefault();
      if ($('manual').contains(document.activeElement)) runManualCheck();
      else runCheck('manual');
      return;
    }
    const a = document.activeElement;
    if (!$('refuse-box').hidden && $('refuse-codes').contains(a) && refuseLetter(ev, $('refuse-codes'))) return;
    if (ev.key === 'Enter' && !ev.ctrlKey && !ev.altKey) {
      if ($('refuse-codes').contains(a)) { ev.preventDefault(); decide('refuse'); return; }
      if (a === $('confirm-hit')) { ev.preventDefault(); decide('admit', true); return; }
      if (a === $('remarks') && !$('refuse-box').hidden) { ev.preventDefault(); decide('refuse'); return; }
      if ($('veh-form').contains(a) && !state.vs) { ev.preventDefault(); startVehicle(); return; }
      if ($('manual').contains(a) && a.tagName !== 'BUTTON' && a.tagName !== 'SUMMARY') { ev.preventDefault(); runManualCheck(); return; }
    }
    if (!ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const acts = {
      KeyA: () => decide('admit'),
      KeyR: () => openRefuse(),
      KeyS: () => decide('second-line'),
      KeyM: () => $('mrz').focus(),
      KeyE: () => { $('direction').value = 'entry'; },
      KeyX: () => { $('direction').value = 'exit'; },
      KeyV: () => { $('vehicle').open = true; (state.vs ? $('veh-end') : $('veh-plate')).focus(); },
      KeyN: () => { $('manual').open = true; $('man-surname').focus(); },
      KeyO: () => showSecond(),
      KeyH: () => showSearch(),
      KeyL: () => logout(),
      KeyG: () => $('lang').focus(),
      KeyP: () => printForm(),
    };
    const f = acts[ev.code];
    if (f) {
      ev.preventDefault();
      f();
    }
  }

  /* ---- the language ---------------------------------------------------- */

  /* The language of the page: the officer's once logged in (the login's
   * answer carries it: the officer's preference, else the installation's
   * default), before that the one last used on this booth, else the
   * installation's default (GET /api/v1/languages). The switch in the bar
   * changes it at once and, logged in, stores it as the officer's
   * preference (PUT /api/v1/preferences). */
  async function setLang(l, persist) {
    let used;
    try {
      used = await window.TimsI18n.use(l);
    } catch (e) {
      return; /* a catalogue that cannot be fetched: the page stays as it is */
    }
    $('lang').value = used;
    localStorage.setItem(LANG_KEY, used);
    rerender();
    if (persist && state.session) {
      try {
        await api('PUT', '/preferences', { lang: used });
        state.session.lang = used;
        sessionStorage.setItem(TOKEN_KEY, JSON.stringify(state.session));
      } catch (e) {
        if (e.status !== 401) setMsg('decide-msg', t('lang.not_saved', { why: errText(e) }));
      }
    }
  }

  /* Every text drawn by the script, drawn again in the new language. */
  function rerender() {
    renderReasons();
    const n = $('node-state');
    if (n.dataset.up === '1') n.textContent = t('node.connected');
    else if (n.dataset.up === '0') n.textContent = t('node.unreachable');
    if (state.origin) $('post-origin').textContent = t('bar.post', { post: state.origin });
    if (!state.session) return;
    $('who').textContent = t('bar.who', { officer: state.session.officer, booth: state.session.booth });
    refreshStatus();
    if (state.vs) renderVehicle();
    renderPurposes();
    if (state.search) renderSearch(state.search);
    if (state.check) renderCheck(state.check);
    else if (!$('booth-screen').hidden) setSummary(t('sum.waiting'), '');
    if (state.registered && state.receiptArgs) {
      const f = document.activeElement;
      showReceipt(state.receiptArgs[0], state.receiptArgs[1]).then(() => { if (f) f.focus(); });
    }
  }

  async function startLang() {
    let l = localStorage.getItem(LANG_KEY);
    if (!window.TimsI18n.valid(l)) {
      try {
        const r = await fetch(API + '/languages', { cache: 'no-store', credentials: 'omit' });
        const j = r.ok ? await r.json() : null;
        l = j && j.default;
      } catch (e) { l = 'en'; }
    }
    await setLang(window.TimsI18n.valid(l) ? l : 'en', false);
  }

  /* ---- start ---------------------------------------------------------- */

  async function init() {
    await startLang();
    $('lang').addEventListener('change', () => setLang($('lang').value, true));
    $('login-form').addEventListener('submit', onLogin);
    $('logout').addEventListener('click', () => logout());
    $('view-second').addEventListener('click', () => { if ($('second-screen').hidden) showSecond(); else showBoothAgain(); });
    $('mrz').addEventListener('input', onMrzInput);
    $('mrz').addEventListener('keydown', (ev) => {
      /* the next passport scanned after a registration starts afresh */
      if (state.registered && ev.key.length === 1 && !ev.ctrlKey && !ev.altKey && !ev.metaKey) newTraveller();
    });
    $('check').addEventListener('click', () => runCheck('manual'));
    $('chip-files').addEventListener('change', () => { readChipFiles(); });
    $('chip').addEventListener('toggle', () => { if ($('chip').open && !state.aaChallenge) newChipChallenge(); });
    $('chip-challenge-new').addEventListener('click', () => { newChipChallenge(); });
    $('admit').addEventListener('click', () => decide('admit'));
    $('confirm-admit').addEventListener('click', () => decide('admit', true));
    $('confirm-cancel').addEventListener('click', () => onEscape());
    $('refuse').addEventListener('click', openRefuse);
    $('refuse-confirm').addEventListener('click', () => decide('refuse'));
    $('refuse-cancel').addEventListener('click', () => { closeRefuse(); $('refuse').focus(); });
    $('second').addEventListener('click', () => decide('second-line'));
    $('veh-start').addEventListener('click', () => startVehicle());
    $('veh-end').addEventListener('click', () => endVehicle(false));
    ['veh-plate', 'veh-country', 'veh-make', 'veh-vin'].forEach((id) => $(id).addEventListener('input', updateVehicleSummary));
    $('man-check').addEventListener('click', () => runManualCheck());
    $('sl-form').addEventListener('submit', onSecondSubmit);
    $('view-search').addEventListener('click', () => showSearch());
    $('hs-back').addEventListener('click', () => showBoothAgain());
    $('hs-form').addEventListener('submit', onSearchSubmit);
    $('sl-decision').addEventListener('change', onSecondDecision);
    document.addEventListener('keydown', onKey, true);
    /* the sticky headline sits right under the header, however many lines
       the header wraps to (console.css: top: var(--bar-h)) */
    if (window.ResizeObserver)
      new ResizeObserver(() => document.documentElement.style.setProperty('--bar-h', $('bar').offsetHeight + 'px')).observe($('bar'));
    document.addEventListener('mousedown', () => { state.lastActivity = Date.now(); }, true);
    renderReasons();
    tickClock();
    setInterval(tickClock, 1000);
    $('login-booth').value = localStorage.getItem('tims.booth') || '';
    let saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(TOKEN_KEY) || 'null'); } catch (e) { saved = null; }
    if (saved && saved.token && window.TimsI18n.valid(saved.lang) && saved.lang !== window.TimsI18n.lang())
      await setLang(saved.lang, false);
    if (saved && saved.token) {
      /* a reload keeps the session if the node still knows it */
      state.session = saved;
      api('GET', '/status').then((r) => { startSession(saved); showStatus(r.data); })
        .catch((e) => { if (e.status !== 401) { state.session = null; showLogin(e.unreachable ? t('login.unreachable_short') : errText(e)); } });
    } else {
      showLogin('');
      fetch(API + '/checkpoint', { cache: 'no-store' })
        .then((r) => { showNode(true); return r.text(); })
        .then((txt) => { const o = txt.split('\n')[0]; if (o) { state.origin = o; $('post-origin').textContent = t('bar.post', { post: o }); } })
        .catch(() => showNode(false));
    }
  }

  document.addEventListener('DOMContentLoaded', init);
})();
