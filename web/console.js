/*
 * console.js — the booth console (docs/console.md): log in with password and
 * TOTP, read an MRZ from a keyboard-wedge reader, show the node's check
 * (document, traveller, screening hits, stay), register the officer's
 * decision and show the record's log index with its inclusion proof checked
 * against the signed checkpoint's root.
 *
 * Plain JavaScript, no framework, no external URL, no inline script or style:
 * it runs under Content-Security-Policy default-src 'self'. Data from the
 * node is only ever put into the page as text (textContent), never as HTML.
 *
 * A discreet-check hit (hit.discreet, SPEC §3 step 3) is never written on the
 * screen as words: the console shows only the quiet marker MARKER next to the
 * document number, and the record's screening summary carries the hit to the
 * centre.
 */
'use strict';

(function () {
  const API = '/api/v1';
  const MARKER = '\u25C7'; /* ◇ WHITE DIAMOND: the quiet marker */
  const STATUS_EVERY_MS = 10000;
  const TOKEN_KEY = 'tims.session';

  const $ = (id) => document.getElementById(id);

  const state = {
    session: null,        /* {token, officer, role, booth, idle_timeout_s} */
    lastActivity: Date.now(),
    statusTimer: 0,
    idleTimer: 0,
    check: null,          /* the last /check answer */
    checkedMrz: '',       /* the MRZ text it answered */
    checkedVehicle: '',   /* the vehicle it was screened with */
    checking: false,
    crossingId: '',       /* client id of this traveller's crossing: retries reuse it */
    registered: null,     /* the /crossings answer once registered */
    busy: false,
    companions: [],       /* {relation, issuer, number, label, discreet} */
    escArmed: 0,
    autoTimer: 0,
    compChecking: false,
    compTimer: 0,
    readNote: '',         /* what the reader's start of a new traveller has to say */
    checkSeq: 0,          /* bumped by newTraveller: a late answer for an earlier traveller is dropped */
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
    if (s < 90) return s + ' s';
    const m = Math.round(s / 60);
    if (m < 90) return m + ' min';
    const h = Math.round(m / 60);
    if (h < 48) return h + ' h';
    return Math.round(h / 24) + ' days';
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
      super(body && body.message ? body.message : (unreachable ? 'node unreachable' : 'HTTP ' + status));
      this.status = status;
      this.body = body || {};
      this.unreachable = !!unreachable;
    }
  }

  async function api(method, path, body, opts) {
    const headers = {};
    if (state.session && !(opts && opts.noAuth)) headers.Authorization = 'Bearer ' + state.session.token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
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
      sessionEnded('Your session has ended (expired, logged out elsewhere or disabled). Log in again.');
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
        n.textContent = 'node: connected';
        n.className = 'item state ok';
        n.dataset.up = '1';
      }
    } else {
      n.textContent = 'node unreachable';
      n.className = 'item state bad';
      n.dataset.up = '0';
      $('centre-state').textContent = 'centre: unknown';
      $('centre-state').className = 'item state';
    }
  }

  function showStatus(st) {
    $('post-origin').textContent = 'post: ' + (st.origin || '?');
    const now = st.server_time_ms || Date.now();
    const c = st.centre || {};
    const cs = $('centre-state');
    if (!c.configured) {
      cs.textContent = 'centre: not enrolled (stand-alone post)';
      cs.className = 'item state warn';
    } else if (c.state === 'online') {
      cs.textContent = 'centre: online' + (c.lag ? ' (' + c.lag + ' records to send)' : '');
      cs.className = 'item state ok';
    } else if (c.state === 'offline') {
      const since = c.since_ms ? ' since ' + hhmm(c.since_ms) + ' (' + ago(now - c.since_ms) + ')' : '';
      cs.textContent = 'centre: OFFLINE' + since + ' — working locally' + (c.lag ? ', ' + c.lag + ' records to send' : '');
      cs.className = 'item state bad';
    } else {
      cs.textContent = 'centre: connecting…';
      cs.className = 'item state warn';
    }
    const s = st.screening || {};
    const ls = $('lists-state');
    if (!s.available) {
      ls.textContent = 'watchlists: NOT LOADED — no screening';
      ls.className = 'item state bad';
    } else {
      const lists = s.lists || [];
      const fc = (s.from_centre || []).filter((b) => b.kind === 'watchlist');
      let txt = 'watchlists: ' + lists.length + (lists.length === 1 ? ' list' : ' lists');
      let cls = 'item state ok';
      if (fc.length) {
        /* the age of the oldest bundle from the centre */
        let oldest = Infinity;
        fc.forEach((b) => { if (b.time_s && b.time_s * 1000 < oldest) oldest = b.time_s * 1000; });
        if (oldest < Infinity) {
          const age = now - oldest;
          txt += ', from the centre, ' + ago(age) + ' old';
          if (age > 24 * 3600 * 1000) cls = 'item state warn';
        }
      } else {
        /* imported here: the age of the list changed longest ago */
        let oldest = -1;
        lists.forEach((l) => { if (typeof l.age_s === 'number' && l.age_s > oldest) oldest = l.age_s; });
        txt += ', imported here' + (oldest >= 0 ? ', ' + ago(oldest * 1000) + ' old' : '') +
               ' (not from the centre)';
        cls = 'item state warn';
      }
      ls.textContent = txt;
      ls.className = cls;
      /* each list's own age: when it last changed at this post */
      ls.title = lists.map((l) => l.list + ' v' + l.version + ', ' + l.active +
        (l.active === 1 ? ' entry' : ' entries') +
        (typeof l.age_s === 'number' && l.age_s >= 0 ? ', changed ' + ago(l.age_s * 1000) + ' ago' : '')).join('; ');
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
    $('login-screen').hidden = false;
    $('logout').hidden = true;
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
    $('logout').hidden = false;
    $('who').hidden = false;
    $('who').textContent = 'officer ' + state.session.officer + ' · booth ' + state.session.booth;
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
  }

  function endSession() {
    state.session = null;
    sessionStorage.removeItem(TOKEN_KEY);
    clearInterval(state.statusTimer);
    clearInterval(state.idleTimer);
    /* not polled while logged out: say so rather than show stale states */
    $('centre-state').textContent = 'centre: (after login)';
    $('centre-state').className = 'item state';
    $('lists-state').textContent = 'watchlists: (after login)';
    $('lists-state').className = 'item state';
    $('lists-state').title = '';
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
    showLogin(msg || 'Logged out.');
  }

  /* The node keeps a session alive while it is used, and the status poll
   * uses it: so the console itself logs out an unattended booth. */
  function checkIdle() {
    if (!state.session) return;
    const limit = (state.session.idle_timeout_s || 900) * 1000;
    if (Date.now() - state.lastActivity >= limit) {
      const min = Math.round(limit / 60000);
      logout('Logged out after ' + min + ' minutes without activity. Log in again.');
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
    const missing = [['officer', 'login-officer', 'officer ID'], ['password', 'login-password', 'password'],
                     ['code', 'login-code', 'code'], ['booth', 'login-booth', 'booth']]
      .find(([k]) => !body[k]);
    if (missing) {
      setMsg('login-msg', 'Enter your ' + missing[2] + '.');
      $(missing[1]).focus();
      return;
    }
    if (!/^[0-9]{6}$/.test(body.code)) {
      setMsg('login-msg', 'The code has 6 digits.');
      $('login-code').focus();
      return;
    }
    $('login-submit').disabled = true;
    setMsg('login-msg', 'Logging in…', true);
    try {
      const r = await api('POST', '/session', body, { noAuth: true });
      localStorage.setItem('tims.booth', body.booth); /* not personal: the booth's own name */
      setMsg('login-msg', '');
      startSession(r.data);
    } catch (e) {
      setMsg('login-msg', e.unreachable ? 'The node is unreachable: check the network and try again.'
                                        : e.message);
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

  function vehicleInput() {
    const v = {
      plate: $('veh-plate').value.trim().toUpperCase(),
      country: $('veh-country').value.trim().toUpperCase(),
      make_model: $('veh-make').value.trim(),
      vin: $('veh-vin').value.trim().toUpperCase(),
    };
    Object.keys(v).forEach((k) => { if (!v[k]) delete v[k]; });
    return v;
  }

  function vehicleKey() {
    const v = vehicleInput();
    return (v.plate || '') + '|' + (v.vin || '');
  }

  async function runCheck(reason) {
    const text = $('mrz').value;
    let mrz = completeMrz(text);
    if (!mrz) {
      if (reason !== 'manual') return;
      mrz = text.toUpperCase().split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length).join('\n');
      if (!mrz) {
        setSummary('Scan or type the MRZ first.', 'warn');
        $('mrz').focus();
        return;
      }
    }
    if (state.checking) return;
    if (state.registered && mrz === state.checkedMrz) return; /* already done: Esc for the next */
    if (state.registered) newTraveller(true);
    const v = vehicleInput();
    const body = { mrz };
    if (v.plate || v.vin) body.vehicle = { plate: v.plate, vin: v.vin };
    Object.keys(body.vehicle || {}).forEach((k) => { if (!body.vehicle[k]) delete body.vehicle[k]; });
    const seq = state.checkSeq;
    state.checking = true;
    setSummary('Checking…', '');
    try {
      const r = await api('POST', '/check', body);
      if (seq !== state.checkSeq) return; /* another traveller's document was read meanwhile */
      state.check = r.data;
      state.checkedMrz = mrz;
      state.checkedVehicle = vehicleKey();
      if (!state.crossingId) state.crossingId = newCrossingId();
      renderCheck(r.data);
    } catch (e) {
      if (e.status === 401 || seq !== state.checkSeq) return;
      if (e.status === 503 && e.body && e.body.error === 'screening_failed') {
        /* Fail closed: a failed look-up is never "no hit". The traveller may
         * be refused or sent to second line, never admitted. */
        state.check = { screening_failed: true, message: e.message, document: e.body.document || null,
                        stay: e.body.stay || null, screening: null, check_id: e.body.check_id || null };
        state.checkedMrz = mrz;
        state.checkedVehicle = vehicleKey();
        if (!state.crossingId) state.crossingId = newCrossingId();
        renderCheck(state.check);
        return;
      }
      if (e.status === 422 && e.body && e.body.document) {
        /* Not readable as a document: its errors; the node's answer names
         * the manual check (the document typed by hand). */
        state.check = { document: e.body.document, stay: null, check_id: null,
                        screening: { available: true, skipped: 'not screened: ' + e.message } };
        state.checkedMrz = mrz;
        state.checkedVehicle = vehicleKey();
        renderCheck(state.check);
        return;
      }
      state.check = null;
      renderNothing();
      setSummary(e.unreachable ? 'Node unreachable: the check did not run. Try again (Ctrl+Enter).'
                               : 'The check was refused: ' + e.message, 'bad');
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
    if (mrz && (mrz !== state.checkedMrz || state.checkedVehicle !== vehicleKey()))
      /* a short pause lets a trailing line end from the reader arrive */
      state.autoTimer = setTimeout(() => runCheck('auto'), 150);
  }

  /* ---- rendering the check -------------------------------------------- */

  const FIELD_NAMES = {
    document_number: 'Document number', birth_date: 'Birth date', expiry_date: 'Expiry date',
    composite: 'Composite check digit', optional_data: 'Optional data', nationality: 'Nationality',
    issuing_state: 'Issuing state', sex: 'Sex', name: 'Name', surname: 'Surname',
    given_names: 'Given names', document_code: 'Document code', mrz: 'MRZ',
  };

  function setSummary(text, cls) {
    const s = $('summary');
    s.textContent = text;
    s.className = 'summary' + (cls ? ' ' + cls : '');
  }

  function renderNothing() {
    $('result').hidden = true;
  }

  function allHits(screen) {
    const out = [];
    ['document', 'person', 'vehicle'].forEach((part) => {
      const p = screen && screen[part];
      (p && Array.isArray(p.hits) ? p.hits : []).forEach((h) => out.push({ part, hit: h }));
    });
    return out;
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

  /* "SURNAME, GIVEN NAMES"; a holder with one name has no comma. */
  function holderName(d) {
    return [d.surname, d.given_names].filter(Boolean).join(', ');
  }

  function renderCheck(c) {
    const d = c.document || {};
    const screen = c.screening || {};
    const hits = allHits(screen);
    const shown = hits.filter((h) => !h.hit.discreet);
    const quiet = hits.some((h) => h.hit.discreet);
    $('result').hidden = false;

    /* document */
    const ds = $('doc-state');
    clear(ds);
    if (c.screening_failed && !c.document) {
      ds.appendChild(el('span', 'caution', 'The node sent no document check with the failed screening.'));
    } else if (d.valid) {
      ds.appendChild(el('span', 'valid', '\u2713 Document valid (' + d.format + ')'));
    } else {
      ds.appendChild(el('span', 'invalid', '\u2717 Document NOT valid' + (d.format && d.format !== 'unknown' ? ' (' + d.format + ')' : '')));
    }
    if (d.expired) ds.appendChild(el('span', 'invalid', ' — EXPIRED' + (d.expiry_date ? ' on ' + d.expiry_date.iso : '')));
    if (d.specimen) ds.appendChild(el('span', 'caution', ' — specimen document'));
    const errs = $('doc-errors');
    clear(errs);
    (d.errors || []).forEach((e) => {
      const li = el('li');
      li.appendChild(el('span', 'field', (FIELD_NAMES[e.field] || e.field) + ': '));
      const msg = String(e.message || '');
      li.appendChild(document.createTextNode(msg.startsWith(e.field + ': ') ? msg.slice(e.field.length + 2) : msg));
      li.dataset.field = e.field;
      errs.appendChild(li);
    });
    (d.warnings || []).forEach((w) => {
      const li = el('li', 'caution', 'Warning: ' + (w.message || w));
      errs.appendChild(li);
    });

    /* traveller */
    const t = $('traveller');
    clear(t);
    if (d.format && d.format !== 'unknown') {
      fact(t, 'Name', [d.surname, d.given_names].filter(Boolean).join(', '));
      fact(t, 'Nationality', d.nationality);
      const age = d.birth_date ? ageOn(d.birth_date.iso, new Date()) : null;
      fact(t, 'Born', d.birth_date ? d.birth_date.iso + (age !== null ? ' (' + age + ')' : '') : null);
      fact(t, 'Sex', d.sex);
      const doc = fact(t, 'Document', [d.document_code, d.issuing_state, d.document_number].filter(Boolean).join(' '));
      if (quiet) {
        /* the quiet marker: a neutral sign the officer is trained to read */
        const m = el('span', 'marker', MARKER);
        m.id = 'quiet-marker';
        m.setAttribute('aria-hidden', 'true');
        doc.appendChild(m);
      }
      fact(t, 'Expiry', d.expiry_date ? d.expiry_date.iso : null, d.expired ? 'invalid' : '');
      if (age !== null && age < 18) {
        const hasGuardian = state.companions.some((x) => x.relation === 'guardian');
        fact(t, 'Minor', hasGuardian ? 'yes — guardian listed' : 'yes — no guardian listed yet (Alt+C)',
             hasGuardian ? '' : 'caution');
      }
    }

    /* screening */
    const hs = $('hits-state');
    const list = $('hits');
    clear(list);
    if (c.screening_failed) {
      hs.className = 'invalid alarm';
      hs.textContent = 'SCREENING FAILED: the traveller was NOT checked against the watchlists (' +
        (c.message || 'the node could not read them') + '). Admit is blocked: refuse or send to second line, and tell the supervisor.';
    } else if (!screen.available) {
      hs.className = 'invalid';
      hs.textContent = 'Screening NOT done: ' + (screen.reason || 'watchlists unavailable') + '.';
    } else if (screen.skipped) {
      hs.className = 'caution';
      hs.textContent = screen.skipped + '.';
    } else if (!shown.length) {
      hs.className = '';
      hs.textContent = 'No hits.';
    } else {
      hs.className = 'invalid';
      hs.textContent = shown.length + (shown.length === 1 ? ' hit:' : ' hits:');
    }
    shown.forEach(({ part, hit }) => list.appendChild(hitItem(part, hit)));

    /* stay */
    const st = $('stay');
    clear(st);
    const s = c.stay;
    if (!s) {
      st.textContent = c.screening_failed ? 'No stay figures (the check failed).' : 'No stay figures (document not readable).';
    } else {
      const main = el('span', s.overstay > 0 ? 'invalid' : '', 'Days used ' + s.used + ' of ' + s.max_days +
        ' in ' + s.window_days + ' · days left ' + s.left);
      main.id = 'stay-days';
      st.appendChild(main);
      if (s.overstay > 0) st.appendChild(el('span', 'invalid', ' · OVERSTAY ' + s.overstay + ' days'));
      st.appendChild(el('br'));
      st.appendChild(el('span', 'hint', 'Regime: ' + s.regime + ' · ' + c.history_records +
        ' earlier crossing record' + (c.history_records === 1 ? '' : 's') + ' at this post' +
        (s.in_country ? ' · recorded as in the country' : '')));
      if (s.inconsistent) st.appendChild(el('div', 'caution', 'The crossing history is inconsistent (an entry or exit is missing).'));
    }

    /* summary line (read out by screen readers; the quiet marker is not in it) */
    const parts = [];
    let cls = 'ok';
    if (c.screening_failed) {
      const who = holderName(d) ? ' — ' + holderName(d) : '';
      setSummary('Screening failed — do not admit: refuse or send to second line' + who, 'bad alarm');
      setMsg('decide-msg', state.readNote);
      return;
    }
    if (!d.valid) { parts.push('Document not valid'); cls = 'bad'; } else if (d.expired) { parts.push('Document expired'); cls = 'bad'; } else parts.push('Document valid');
    if (shown.length) { parts.push(shown.length + (shown.length === 1 ? ' hit' : ' hits')); cls = 'bad'; } else if (screen.available && !screen.skipped) parts.push('no hits');
    if (!screen.available) { parts.push('NOT screened'); cls = 'bad'; }
    if (s && s.overstay > 0) { parts.push('overstay ' + s.overstay + ' days'); cls = 'bad'; } else if (s) parts.push(s.left + ' days left');
    if (cls === 'ok' && (d.specimen || (s && s.inconsistent))) cls = 'warn';
    const name = holderName(d) ? ' — ' + holderName(d) : '';
    setSummary(parts.join(' · ') + name, cls);
    setMsg('decide-msg', state.readNote);
  }

  function hitItem(part, h) {
    const li = el('li');
    const kind = h.alert || h.status || 'hit';
    const what = h.name || h.number || h.plate || h.vin || '';
    const score = typeof h.score === 'number' ? ' · score ' + h.score.toFixed(2) : '';
    li.appendChild(el('div', 'head', kind.toUpperCase() + ' — ' + (h.list || '?') + ' ' + (h.ref || '') + score));
    const facts = [];
    if (what) facts.push(what);
    if (h.dob) facts.push('born ' + h.dob);
    if (h.nationality) facts.push(h.nationality);
    if (h.issuing_state) facts.push(h.issuing_state);
    if (h.country) facts.push(h.country);
    if (h.authority) facts.push('by ' + h.authority);
    if (facts.length) li.appendChild(el('div', '', facts.join(' · ')));
    if (h.instruction) li.appendChild(el('div', 'instr', h.instruction));
    if (Array.isArray(h.reasons) && h.reasons.length) {
      const ul = el('ul', 'reasons');
      h.reasons.forEach((r) => ul.appendChild(el('li', '', r)));
      li.appendChild(ul);
    }
    li.dataset.part = part;
    return li;
  }

  /* ---- vehicle and companions ----------------------------------------- */

  function updateVehicleSummary() {
    const v = vehicleInput();
    const role = $('veh-role').value;
    $('vehicle-sum').textContent = v.plate ? '— ' + v.plate + (v.country ? ' (' + v.country + ')' : '') + (role ? ', ' + role : '') : '';
  }

  function onVehicleChange() {
    updateVehicleSummary();
    /* a changed plate or VIN is screened again before a decision */
    if (state.check && !state.registered && vehicleKey() !== state.checkedVehicle) runCheck('manual');
  }

  function renderCompanions() {
    const ul = $('comp-list');
    clear(ul);
    state.companions.forEach((c, i) => {
      const li = el('li');
      const rel = { companion: 'travelling together', minor: 'minor in care', guardian: 'guardian' }[c.relation];
      li.appendChild(document.createTextNode(rel + ': ' + c.issuer + ' ' + c.number + (c.label ? ' — ' + c.label : '')));
      if (c.discreet) {
        const m = el('span', 'marker', MARKER);
        m.setAttribute('aria-hidden', 'true');
        li.appendChild(m);
      }
      const b = el('button', 'quiet', 'Remove');
      b.type = 'button';
      b.setAttribute('aria-label', 'Remove companion ' + c.issuer + ' ' + c.number);
      b.addEventListener('click', () => {
        state.companions.splice(i, 1);
        renderCompanions();
        $('comp-mrz').focus();
      });
      li.appendChild(b);
      ul.appendChild(li);
    });
    $('companions-sum').textContent = state.companions.length ? '— ' + state.companions.length : '';
  }

  function addCompanion(c) {
    if (state.companions.length >= 16) {
      setMsg('comp-msg', 'At most 16 companions.');
      return false;
    }
    if (state.companions.some((x) => x.issuer === c.issuer && x.number === c.number)) {
      setMsg('comp-msg', 'That document is already listed.');
      return false;
    }
    state.companions.push(c);
    renderCompanions();
    if (state.check) renderCheck(state.check); /* the minor/guardian line */
    return true;
  }

  function onCompanionAdd() {
    const issuer = $('comp-issuer').value.trim().toUpperCase();
    const number = $('comp-number').value.trim().toUpperCase().replace(/[\s<-]/g, '');
    if (!/^[A-Z]{1,3}$/.test(issuer)) {
      setMsg('comp-msg', 'Issuer: 1 to 3 letters (ICAO code).');
      $('comp-issuer').focus();
      return;
    }
    if (!/^[A-Z0-9]{1,24}$/.test(number)) {
      setMsg('comp-msg', 'Document number: letters and digits.');
      $('comp-number').focus();
      return;
    }
    /* Each companion is checked and registered as a traveller of their own
     * (the node takes the person from a check, never from the booth): the
     * document must be read. */
    setMsg('comp-msg', 'Read the companion\'s document (MRZ): each companion is checked like a traveller.');
    $('comp-mrz').focus();
  }

  /* A companion's MRZ is checked like the traveller's (and audited): the
   * row shows the name, validity and visible hits; the record keeps the
   * document. */
  async function onCompanionMrz() {
    const mrz = completeMrz($('comp-mrz').value);
    if (!mrz || state.compChecking) return;
    state.compChecking = true;
    try {
      const r = await api('POST', '/check', { mrz });
      const d = r.data.document || {};
      if (!d.issuing_state || !d.document_number) {
        setMsg('comp-msg', 'Companion\'s MRZ: not readable (' + ((d.errors || [])[0] || {}).message + ').');
        return;
      }
      const hits = allHits(r.data.screening);
      const shown = hits.filter((h) => !h.hit.discreet).length;
      const label = [d.surname, d.given_names].filter(Boolean).join(', ') +
        (d.valid ? '' : ' — document NOT valid') + (d.expired ? ' — EXPIRED' : '') +
        (shown ? ' — ' + shown + (shown === 1 ? ' HIT' : ' HITS') + ': check them separately' : '');
      if (addCompanion({ relation: $('comp-relation').value, issuer: d.issuing_state, number: d.document_number,
                         label, discreet: hits.some((h) => h.hit.discreet), check_id: r.data.check_id })) {
        setMsg('comp-msg', shown ? 'Companion added — with ' + shown + (shown === 1 ? ' hit.' : ' hits.') : 'Companion added.', !shown);
        $('comp-mrz').value = '';
      }
    } catch (e) {
      if (e.status !== 401) setMsg('comp-msg', e.unreachable ? 'Node unreachable.' : e.message);
    } finally {
      state.compChecking = false;
    }
  }

  /* ---- the decision --------------------------------------------------- */

  /* A document the officer may decide on: valid, or not returned with a
   * failed screening (the node checks the MRZ again when registering). */
  function decidable(c) {
    if (!c) return false;
    if (c.screening_failed && !c.document) return true;
    return !!(c.document && c.document.valid);
  }

  function updateButtons() {
    const can = !!state.check && !state.registered && !state.busy && !state.checking && decidable(state.check);
    $('admit').disabled = !can || !!state.check.screening_failed;
    $('refuse').disabled = !can;
    $('second').disabled = !can;
    $('refuse-confirm').disabled = !can;
  }

  function openRefuse() {
    if ($('refuse').disabled) return;
    $('refuse-box').hidden = false;
    $('refuse-code').focus();
  }

  function closeRefuse() {
    $('refuse-box').hidden = true;
  }

  const FIELD_INPUT = {
    'vehicle.plate': 'veh-plate', 'vehicle.country': 'veh-country', 'vehicle.make_model': 'veh-make',
    'vehicle.vin': 'veh-vin', role: 'veh-role', remarks: 'remarks', refusal_codes: 'refuse-code',
    companions: 'comp-issuer', direction: 'direction', mrz: 'mrz',
  };

  async function decide(decision) {
    if (!state.check || state.registered || state.busy) return;
    if (decision === 'admit' && state.check.screening_failed) {
      setMsg('decide-msg', 'Screening failed: this traveller cannot be admitted. Refuse or send to second line.');
      return;
    }
    if (!decidable(state.check)) {
      setMsg('decide-msg', 'The document is not valid: fix the MRZ (or take the traveller to second line by hand).');
      return;
    }
    if (completeMrz($('mrz').value) !== state.checkedMrz) {
      setMsg('decide-msg', 'The MRZ changed since the check: check again first (Ctrl+Enter).');
      $('mrz').focus();
      return;
    }
    if (vehicleKey() !== state.checkedVehicle) {
      setMsg('decide-msg', 'The vehicle changed since the check: it is being checked again.');
      runCheck('manual');
      return;
    }
    if (!state.check.check_id) {
      setMsg('decide-msg', 'The node gave no check for this traveller: check again (Ctrl+Enter).');
      return;
    }
    /* The person and the screening come from the node's check. */
    const body = {
      id: state.crossingId,
      check_id: state.check.check_id,
      direction: $('direction').value,
      decision,
    };
    if (decision === 'admit') {
      const open = allHits(state.check.screening).filter((h) => !h.hit.discreet);
      if (open.length) {
        const h = open[0].hit;
        if (!window.confirm('Admit with the hit ' + h.list + '/' + h.ref + '?')) {
          setMsg('decide-msg', 'Not admitted: a hit must be confirmed to admit.');
          return;
        }
        body.confirm_hit = h.list + '/' + h.ref;
      }
    }
    const remarks = $('remarks').value.trim();
    if (remarks) body.remarks = remarks;
    if (decision === 'refuse') {
      const code = $('refuse-code').value;
      if (!code) {
        setMsg('decide-msg', 'Choose the refusal reason code.');
        $('refuse-box').hidden = false;
        $('refuse-code').focus();
        return;
      }
      body.refusal_codes = [code];
      body.refusal_code_text = code;
    }
    const v = vehicleInput();
    const role = $('veh-role').value;
    if (role && !v.plate) {
      setMsg('decide-msg', 'Vehicle: a driver or passenger needs the plate.');
      $('vehicle').open = true;
      $('veh-plate').focus();
      return;
    }
    if (v.country && !/^[A-Z]{1,3}$/.test(v.country)) {
      setMsg('decide-msg', 'Vehicle country: 1 to 3 letters.');
      $('vehicle').open = true;
      $('veh-country').focus();
      return;
    }
    if (Object.keys(v).length) body.vehicle = v;
    if (role) body.role = role;
    const companions = state.companions.slice();

    state.busy = true;
    updateButtons();
    setMsg('decide-msg', 'Registering…', true);
    try {
      const sent = Object.assign({}, body);
      delete sent.refusal_code_text;
      const r = await api('POST', '/crossings', sent);
      state.registered = r.data;
      /* each companion: a crossing of their own, linked to this one */
      body.companions = [];
      for (let k = 0; k < companions.length; k++) {
        const c = companions[k];
        const cb = { id: state.crossingId + '-c' + (k + 1), check_id: c.check_id, direction: body.direction,
                     decision: body.decision === 'admit' ? 'admit' : 'second-line', accompanies: r.data.index };
        if (c.relation !== 'companion') cb.remarks = c.relation === 'minor' ? 'minor in the care of the traveller' : 'guardian of the traveller';
        try {
          await api('POST', '/crossings', cb);
          body.companions.push(c);
        } catch (e) {
          setMsg('comp-msg', 'Companion ' + c.issuer + ' ' + c.number + ' NOT registered: ' + e.message);
        }
      }
      if (!body.companions.length) delete body.companions;
      closeRefuse();
      setMsg('decide-msg', '');
      await showReceipt(r.data, body);
    } catch (e) {
      if (e.status === 401) return;
      if (e.unreachable) {
        setMsg('decide-msg', 'Node unreachable: NOT confirmed as registered. Press the button again; a retry is never stored twice.');
      } else if (e.body && e.body.error === 'not_confirmed') {
        /* Maybe stored, maybe not (an I/O error at the post): never "not registered". */
        setMsg('decide-msg', 'NOT confirmed as registered (the post stopped after a disk error). ' +
          'Do not register this traveller again by hand: press the button once the post is restarted; ' +
          'a retry is never stored twice.');
      } else {
        const msg = e.body && e.body.errors ? e.body.errors.map((x) => x.message).join('; ') : e.message;
        setMsg('decide-msg', 'Not registered: ' + msg);
        const field = (e.message || '').split(':')[0];
        if (FIELD_INPUT[field]) {
          if (field.startsWith('vehicle') || field === 'role') $('vehicle').open = true;
          if (field === 'companions') $('companions').open = true;
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
    const box = $('receipt');
    clear(box);
    let proofOk = false;
    try {
      const root = await inclusionRoot(a.index, a.checkpoint.size, unhex(a.leaf_hash),
                                       (a.inclusion_proof || []).map(unhex));
      proofOk = root !== null && root === a.checkpoint.root;
    } catch (e) { proofOk = false; }
    const dec = { admit: 'ADMITTED', refuse: 'REFUSED (' + body.refusal_code_text + ')', 'second-line': 'SENT TO SECOND LINE' }[body.decision];
    const big = el('div', 'big', (a.duplicate ? 'Already registered' : 'Registered') + ': ' +
                   body.direction + ', ' + dec + ' — log index ');
    const idx = el('span', '', a.index);
    idx.id = 'record-index';
    big.appendChild(idx);
    box.appendChild(big);
    if (a.duplicate)
      box.appendChild(el('div', 'caution', 'This traveller\'s crossing was stored by an earlier attempt; it was not stored twice. The first record stands.'));
    const lh = el('div', '', 'Leaf hash ');
    lh.appendChild(el('code', '', a.leaf_hash));
    box.appendChild(lh);
    const pr = el('div', proofOk ? 'valid' : 'invalid',
      proofOk ? '\u2713 Inclusion proof received and checked: the record is in the signed log of ' +
                a.checkpoint.origin + ' (size ' + a.checkpoint.size + ').'
              : '\u2717 The inclusion proof did not check against the checkpoint: report this to the supervisor.');
    pr.id = 'proof-state';
    box.appendChild(pr);
    if (body.companions) box.appendChild(el('div', '', 'With ' + body.companions.length + ' companion' + (body.companions.length === 1 ? '' : 's') + '.'));
    if (body.vehicle) box.appendChild(el('div', '', 'Vehicle ' + body.vehicle.plate + (body.role ? ' (' + body.role + ')' : '') + '.'));
    box.appendChild(el('div', 'hint', 'Esc: next traveller.'));
    box.hidden = false;
    box.tabIndex = -1;
    box.focus();
    refreshStatus();
  }

  /* ---- the next traveller -------------------------------------------- */

  function newTraveller(keepMrz) {
    clearTimeout(state.autoTimer);
    state.checkSeq++;
    state.checking = false;
    state.readNote = '';
    state.check = null;
    state.checkedMrz = '';
    state.checkedVehicle = '';
    state.crossingId = '';
    state.registered = null;
    state.companions = [];
    state.escArmed = 0;
    if (!keepMrz) $('mrz').value = '';
    ['veh-plate', 'veh-country', 'veh-make', 'veh-vin', 'remarks', 'comp-mrz', 'comp-issuer', 'comp-number']
      .forEach((id) => { $(id).value = ''; });
    $('veh-role').value = '';
    $('refuse-code').value = '';
    $('comp-relation').value = 'companion';
    $('vehicle').open = false;
    $('companions').open = false;
    closeRefuse();
    renderCompanions();
    updateVehicleSummary();
    renderNothing();
    clear($('receipt'));
    $('receipt').hidden = true;
    setMsg('decide-msg', '');
    setMsg('comp-msg', '');
    setMsg('vehicle-msg', '');
    setSummary('Waiting for a document.', '');
    updateButtons();
  }

  function onEscape() {
    if (!$('refuse-box').hidden) {
      closeRefuse();
      $('refuse').focus();
      return;
    }
    const pending = state.check && !state.registered;
    if (pending && Date.now() - state.escArmed > 5000) {
      state.escArmed = Date.now();
      setMsg('decide-msg', 'No decision registered for this traveller. Press Esc again to clear anyway.');
      return;
    }
    newTraveller();
    $('mrz').focus();
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
   * held key) is marked by the browser and excluded. A companion's MRZ
   * field is left alone: a read there is the companion's document.
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
    if (e.id === 'veh-role') updateVehicleSummary();
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
  function readerStart(i, t) {
    const m = $('mrz');
    const text = reader.keys.slice(i).map((x) => x.ch).join('');
    restoreField(reader.origin, reader.keys[i].saved); /* the MRZ field too: the text is appended below */
    const resume = t - reader.ended <= READER_JOIN_MS && m.value.trim() !== '' && !completeMrz(m.value) &&
                   !state.check && !state.registered;
    if (!resume) {
      const unregistered = state.check && !state.registered;
      const prev = unregistered && state.check.document ? holderName(state.check.document).split(',')[0] : '';
      if (state.check || state.registered || state.checking) newTraveller();
      m.value = '';
      if (unregistered) {
        state.readNote = 'A new document was read: the previous traveller' + (prev ? ' (' + prev + ')' : '') +
                         ' was NOT registered.';
        setMsg('decide-msg', state.readNote);
      }
    }
    reader.keys = [];
    reader.active = true;
    reader.lineEnd = false;
    reader.ended = t;
    m.focus();
    setSummary('Reading a document…', '');
    readerAppend(text);
  }

  /* Called first for every keydown on the booth screen; true when the key
   * was taken as part of a read (the caller does nothing more with it). */
  function readerKey(ev) {
    if (['Shift', 'CapsLock'].includes(ev.key)) return false; /* a reader's Shift for '<' and capitals */
    const t = ev.timeStamp;
    const gap = t - reader.last;
    const plain = !ev.ctrlKey && !ev.altKey && !ev.metaKey;
    const ch = plain && ev.key.length === 1 ? ev.key.toUpperCase() : plain && ev.key === 'Enter' ? '\n' : null;
    const focus = document.activeElement;
    reader.last = t;
    if (reader.active) {
      const limit = reader.lineEnd ? READER_PAUSE_MS : READER_STALL_MS;
      if (ch !== null && !ev.repeat && gap <= limit && /^[A-Z0-9<\n]$/.test(ch) && focus === $('mrz')) {
        ev.preventDefault();
        ev.stopImmediatePropagation();
        reader.ended = t;
        reader.lineEnd = ch === '\n';
        readerAppend(ch);
        /* a complete zone and its last Enter: the read is over */
        if (reader.lineEnd && completeMrz($('mrz').value)) reader.active = false;
        return true;
      }
      reader.active = false; /* the read is over: this key is the officer's */
    }
    if (ch === null || ev.repeat || !/^[A-Z0-9<]$/.test(ch) || focus === $('comp-mrz')) {
      reader.keys = [];
      return false;
    }
    if (gap > READER_PAUSE_MS || focus !== reader.origin) reader.keys = [];
    if (!reader.keys.length) reader.origin = focus;
    reader.keys.push({ ch, t, saved: saveField(focus) });
    if (reader.keys.length > 60) reader.keys.shift();
    const from = reader.keys.length >= READER_KEYS ? readerFrom() : -1;
    if (from < 0) return false;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    readerStart(from, t);
    return true;
  }

  /* ---- keyboard ------------------------------------------------------- */

  function onKey(ev) {
    state.lastActivity = Date.now();
    if (!state.session || $('booth-screen').hidden) return;
    if (readerKey(ev)) return;
    if (ev.key === 'Escape') {
      ev.preventDefault();
      onEscape();
      return;
    }
    if (ev.key === 'Enter' && ev.ctrlKey) {
      ev.preventDefault();
      if (document.activeElement === $('comp-mrz')) onCompanionMrz();
      else runCheck('manual');
      return;
    }
    if (ev.key === 'Enter' && !ev.ctrlKey && !ev.altKey) {
      const a = document.activeElement;
      if (a === $('refuse-code')) { ev.preventDefault(); decide('refuse'); return; }
      if (a === $('comp-issuer') || a === $('comp-number')) { ev.preventDefault(); onCompanionAdd(); return; }
      if (a === $('remarks') && !$('refuse-box').hidden) { ev.preventDefault(); decide('refuse'); return; }
    }
    if (!ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const acts = {
      KeyA: () => decide('admit'),
      KeyR: () => openRefuse(),
      KeyS: () => decide('second-line'),
      KeyM: () => $('mrz').focus(),
      KeyE: () => { $('direction').value = 'entry'; },
      KeyX: () => { $('direction').value = 'exit'; },
      KeyV: () => { $('vehicle').open = true; $('veh-plate').focus(); },
      KeyC: () => { $('companions').open = true; $('comp-mrz').focus(); },
      KeyL: () => logout(),
    };
    const f = acts[ev.code];
    if (f) {
      ev.preventDefault();
      f();
    }
  }

  /* ---- start ---------------------------------------------------------- */

  function init() {
    $('login-form').addEventListener('submit', onLogin);
    $('logout').addEventListener('click', () => logout());
    $('mrz').addEventListener('input', onMrzInput);
    $('mrz').addEventListener('keydown', (ev) => {
      /* the next passport scanned after a registration starts afresh */
      if (state.registered && ev.key.length === 1 && !ev.ctrlKey && !ev.altKey && !ev.metaKey) newTraveller();
    });
    $('check').addEventListener('click', () => runCheck('manual'));
    $('admit').addEventListener('click', () => decide('admit'));
    $('refuse').addEventListener('click', openRefuse);
    $('refuse-confirm').addEventListener('click', () => decide('refuse'));
    $('refuse-cancel').addEventListener('click', () => { closeRefuse(); $('refuse').focus(); });
    $('second').addEventListener('click', () => decide('second-line'));
    ['veh-plate', 'veh-vin'].forEach((id) => $(id).addEventListener('change', onVehicleChange));
    ['veh-country', 'veh-make', 'veh-role'].forEach((id) => $(id).addEventListener('change', updateVehicleSummary));
    $('comp-mrz').addEventListener('input', () => {
      clearTimeout(state.compTimer);
      if (completeMrz($('comp-mrz').value)) state.compTimer = setTimeout(onCompanionMrz, 150);
    });
    $('comp-add').addEventListener('click', onCompanionAdd);
    document.addEventListener('keydown', onKey, true);
    document.addEventListener('mousedown', () => { state.lastActivity = Date.now(); }, true);
    tickClock();
    setInterval(tickClock, 1000);
    $('login-booth').value = localStorage.getItem('tims.booth') || '';
    let saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(TOKEN_KEY) || 'null'); } catch (e) { saved = null; }
    if (saved && saved.token) {
      /* a reload keeps the session if the node still knows it */
      state.session = saved;
      api('GET', '/status').then((r) => { startSession(saved); showStatus(r.data); })
        .catch((e) => { if (e.status !== 401) { state.session = null; showLogin(e.unreachable ? 'The node is unreachable.' : e.message); } });
    } else {
      showLogin('');
      fetch(API + '/checkpoint', { cache: 'no-store' })
        .then((r) => { showNode(true); return r.text(); })
        .then((t) => { const o = t.split('\n')[0]; if (o) $('post-origin').textContent = 'post: ' + o; })
        .catch(() => showNode(false));
    }
  }

  document.addEventListener('DOMContentLoaded', init);
})();
