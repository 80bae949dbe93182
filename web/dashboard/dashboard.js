/* dashboard.js — the supervisor dashboard (docs/dashboard.md).
 *
 * Talks to the centre's /api/v1 with the session token kept in memory only
 * (a reload asks for a new login). Panels poll every few seconds through
 * passive routes, which do not keep an idle session alive; after 15 minutes
 * without a person's action the dashboard logs out by itself. Overstays and
 * the national search name people: they need a stated purpose and the
 * centre records them in its audit log before answering. Text from the
 * server is only ever set with textContent, never as HTML. */
(function () {
  'use strict';

  const POLL_MS = 5000;
  const EVENTS_MS = 2000;   /* events from the posts: shown within seconds */
  const EVENTS_PAGE = 50;
  /* every text from the catalogue (i18n.js, i18n/LANG.json) */
  const t = (k, p) => window.TimsI18n.t(k, p);
  const has = (k) => window.TimsI18n.has(k);
  const LANG_KEY = 'tims.lang';
  const kindWord = (k) => (has('kind.' + k) ? t('kind.' + k) : k);
  const IDLE_MS = 15 * 60 * 1000;
  const COLOURS = ['#0b4f9c', '#c2410c', '#0a6b2d', '#7c3aed', '#a4121c', '#0e7490', '#854d0e'];
  const SVGNS = 'http://www.w3.org/2000/svg';
  const state = { token: null, role: null, officer: null, timer: null, evTimer: null,
                  lastAct: Date.now(), ev: { offset: 0, kind: '', post: '' } };

  const $ = (id) => document.getElementById(id);

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function hhmm(ms) { const d = new Date(ms); return pad(d.getHours()) + ':' + pad(d.getMinutes()); }
  function day(ms) { const d = new Date(ms); return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()); }
  function ago(s) {
    if (s < 0) return t('ago.never');
    if (s < 60) return t('ago.s', { n: s });
    if (s < 3600) return t('ago.min', { n: Math.floor(s / 60) });
    return t('ago.h_min', { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
  }

  async function api(method, path, body) {
    const opt = { method, headers: {}, cache: 'no-store' };
    if (state.token) opt.headers.Authorization = 'Bearer ' + state.token; // i18n-ok: HTTP
    if (body !== undefined) {
      opt.headers['Content-Type'] = 'application/json'; // i18n-ok: HTTP
      opt.body = JSON.stringify(body);
    }
    let r;
    try {
      r = await fetch(path, opt);
    } catch (e) {
      return { status: 0, data: { error: 'unreachable', message: 'the centre is unreachable' } }; // i18n-ok: errText says it
    }
    let data = {};
    try { data = await r.json(); } catch (e) { data = {}; }
    if (r.status === 401 && state.token && path !== '/api/v1/session') loggedOut(t('session.ended'));
    return { status: r.status, data };
  }

  /* ---- login ------------------------------------------------------------ */

  function showLogin(msg) {
    $('dash').hidden = true;
    $('who').hidden = true;
    $('logout').hidden = true;
    $('login-screen').hidden = false;
    $('login-msg').textContent = msg || '';
    $('l-officer').focus();
  }

  function loggedOut(msg) {
    state.token = null;
    /* names: not kept past the session, nor left for the next person */
    state.lastOver = null;
    state.lastSearch = null;
    $('overstays').tBodies[0].replaceChildren();
    $('overstays').hidden = true;
    delete $('overstays').dataset.shown;
    $('history').tBodies[0].replaceChildren();
    $('search-result').hidden = true;
    ['over-msg', 'search-msg', 'stay'].forEach((id) => { $(id).textContent = ''; });
    ['o-purpose', 's-doc', 's-issuer', 's-surname', 's-given', 's-dob', 's-purpose'].forEach((id) => { $(id).value = ''; });
    if (state.timer) clearInterval(state.timer);
    if (state.evTimer) clearInterval(state.evTimer);
    state.timer = null;
    state.evTimer = null;
    if (window.TimsAudit) window.TimsAudit.stop();
    if (window.TimsReports) window.TimsReports.stop();
    if (window.TimsArrivals) window.TimsArrivals.stop();
    showLogin(msg);
  }

  async function login(ev) {
    ev.preventDefault();
    $('login-msg').textContent = '';
    const body = { officer: $('l-officer').value.trim(), password: $('l-password').value,
                   code: $('l-code').value.trim() };
    if (!body.officer || !body.password || !body.code) {
      $('login-msg').textContent = t('login.needed');
      return;
    }
    const r = await api('POST', '/api/v1/session', body);
    $('l-password').value = '';
    $('l-code').value = '';
    if (r.status !== 200) {
      $('login-msg').textContent = errText(r, 'login.refused');
      return;
    }
    if (r.data && window.TimsI18n.valid(r.data.lang)) await setLang(r.data.lang, false);
    state.token = r.data.token;
    state.role = r.data.role;
    state.officer = r.data.officer;
    state.lastAct = Date.now();
    $('who').textContent = r.data.officer + ' (' + t('role.' + r.data.role) + ')';
    $('who').hidden = false;
    $('logout').hidden = false;
    $('login-screen').hidden = true;
    $('dash').hidden = false;
    refresh();
    state.timer = setInterval(tick, POLL_MS);
    /* the audit view, auditors only (audit.js) */
    if (window.TimsAudit) window.TimsAudit.start(state.role, api, () => { state.lastAct = Date.now(); });
    /* the reports, supervisors and analysts (reports.js) */
    if (window.TimsReports) window.TimsReports.start(state.role, api, () => { state.lastAct = Date.now(); }, errText);
    /* the pre-arrival list: the roles the centre serves it to (arrivals.js) */
    if (window.TimsArrivals) window.TimsArrivals.start(state.role, api, () => { state.lastAct = Date.now(); }, errText);
    /* events are the supervisors' (the centre says 403 to the others) */
    if (state.role === 'supervisor') {
      refreshEvents();
      state.evTimer = setInterval(() => { if (state.token) refreshEvents(); }, EVENTS_MS);
    } else {
      deny('p-events', { status: 403 });
    }
  }

  async function logout() {
    await api('DELETE', '/api/v1/session');
    loggedOut(t('session.logged_out'));
  }

  function tick() {
    if (Date.now() - state.lastAct > IDLE_MS) {
      logout();
      return;
    }
    refresh();
  }

  /* ---- panels ------------------------------------------------------------- */

  function deny(panel, r) {
    const p = $(panel);
    const forbidden = r.status === 403;
    p.querySelector('.deny').hidden = !forbidden;
    Array.from(p.children).forEach((c) => {
      if (c.tagName === 'TABLE' || c.id === 'chart' || c.id === 'legend' || c.tagName === 'FORM')
        c.hidden = forbidden || (c.tagName === 'TABLE' && c.id === 'overstays' && !c.dataset.shown);
    });
    return forbidden;
  }

  function fill(tbody, rows) {
    tbody.replaceChildren();
    rows.forEach((cells) => {
      const tr = el('tr');
      cells.forEach((c) => {
        const td = el('td', c && typeof c === 'object' ? c.text : c);
        if (c && typeof c === 'object' && c.cls) td.className = c.cls;
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
  }

  async function refreshPosts() {
    const r = await api('GET', '/api/v1/dashboard/posts');
    if (deny('p-posts', r) || r.status !== 200) return;
    const d = r.data;
    $('centre-name').textContent = t('bar.centre', { centre: d.centre });
    const ns = $('net-state');
    if (d.isolated) {
      ns.textContent = t('bar.isolated');
      ns.className = 'item state bad';
    } else {
      ns.textContent = t('bar.net', { online: d.online, offline: d.offline });
      ns.className = 'item state ' + (d.offline ? 'bad' : 'ok');
    }
    $('posts-sum').textContent = '(' + d.posts.length + ')';
    postChoices(d.posts.map((p) => p.name));
    fill($('posts').tBodies[0], d.posts.map((p) => [
      p.name + ' — ' + p.origin,
      { text: has('pstate.' + p.state) ? t('pstate.' + p.state) : p.state, cls: p.state },
      p.records,
      p.last_sync_ms ? t('posts.synced', { time: hhmm(p.last_sync_ms), ago: ago(p.lag_s) }) : t('ago.never'),
      p.state === 'online' ? t('posts.in_sync') : ago(p.lag_s),
    ]));
  }

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs).forEach((k) => e.setAttribute(k, attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function drawChart(d) {
    const hourMs = 3600 * 1000;
    const end = Math.floor(d.to / hourMs) * hourMs;
    const hours = [];
    for (let h = end - 23 * hourMs; h <= end; h += hourMs) hours.push(h);
    const posts = Array.from(new Set(d.groups.map((g) => g.post))).sort();
    const counts = {};
    let max = 1;
    d.groups.forEach((g) => {
      const k = g.post + '|' + g.hour;
      counts[k] = (counts[k] || 0) + g.count;
      if (counts[k] > max) max = counts[k];
    });
    const W = 960, H = 220, L = 40, B = 24, T = 10;
    const s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none' });
    const slot = (W - L - 10) / hours.length;
    const bw = Math.max(1, (slot - 4) / Math.max(1, posts.length));
    for (let i = 0; i <= 4; i++) {
      const y = T + (H - T - B) * (1 - i / 4);
      s.appendChild(svg('line', { x1: L, x2: W - 10, y1: y, y2: y, stroke: '#d5d8dc' }));
      s.appendChild(svg('text', { x: L - 4, y: y + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#4a4f57' },
        String(Math.round(max * i / 4))));
    }
    hours.forEach((h, i) => {
      const x0 = L + i * slot + 2;
      posts.forEach((p, j) => {
        const c = counts[p + '|' + h] || 0;
        if (!c) return;
        const bh = (H - T - B) * c / max;
        const r = svg('rect', { x: x0 + j * bw, y: H - B - bh, width: bw, height: bh,
          fill: COLOURS[j % COLOURS.length] });
        r.appendChild(svg('title', {}, p + ', ' + hhmm(h) + ': ' + c));
        s.appendChild(r);
      });
      if (i % 3 === 0)
        s.appendChild(svg('text', { x: x0, y: H - 8, 'font-size': 11, fill: '#4a4f57' }, hhmm(h)));
    });
    $('chart').replaceChildren(s);
    const lg = $('legend');
    lg.replaceChildren();
    posts.forEach((p, j) => {
      const item = el('span');
      const sw = svg('svg', { width: 12, height: 12, class: 'sw' });
      sw.appendChild(svg('rect', { width: 12, height: 12, fill: COLOURS[j % COLOURS.length] }));
      item.appendChild(sw);
      item.appendChild(document.createTextNode(p + ' '));
      lg.appendChild(item);
    });
  }

  async function refreshTraffic() {
    const r = await api('GET', '/api/v1/dashboard/traffic?hours=24');
    if (deny('p-traffic', r) || r.status !== 200) return;
    $('traffic-sum').textContent = t('traffic.sum', { n: r.data.total });
    $('chart').dataset.total = r.data.total;
    drawChart(r.data);
  }

  async function refreshHits() {
    const r = await api('GET', '/api/v1/dashboard/hits?hours=24');
    if (deny('p-hits', r) || r.status !== 200) return;
    $('hits-sum').textContent = '(' + r.data.hits.length + ')';
    fill($('hits').tBodies[0], r.data.hits.map((h) => [
      hhmm(h.time), h.origin, h.decision, h.screening]));
  }

  /* The alerts queue: open, acknowledged, assigned; closed with a note.
   * A severe alert stays until closed, the others until acknowledged. The
   * form below the table is not redrawn by the polling, so a note being
   * typed survives it. */
  function alertState(a) {
    if (a.state === 'assigned') return t('alerts.assigned_to', { who: a.assigned_to });
    if (a.state === 'acknowledged') return t('alerts.acked_by', { who: a.acknowledged_by });
    return has('astate.' + a.state) ? t('astate.' + a.state) : a.state;
  }

  async function refreshAlerts() {
    const r = await api('GET', '/api/v1/dashboard/alerts?closed=10');
    const forbidden = deny('p-alerts', r);
    $('alerts-closed-box').hidden = forbidden;
    if (forbidden || r.status !== 200) return;
    $('alerts-sum').textContent = '(' + r.data.alerts.length + ')';
    /* the last closed, with who closed them and the note */
    $('closed-sum').textContent = '(' + r.data.closed.length + ')';
    fill($('alerts-closed').tBodies[0], r.data.closed.map((a) => [
      day(a.closed_ms) + ' ' + hhmm(a.closed_ms), a.kind, a.detail, a.closed_by,
      a.assigned_to || '—', a.note]));
    Array.from($('alerts-closed').tBodies[0].rows).forEach((tr, i) => {
      tr.dataset.id = r.data.closed[i].id;
    });
    const tb = $('alerts').tBodies[0];
    /* repeats come aggregated: "×N since first" */
    fill(tb, r.data.alerts.map((a) => [
      day(a.time_ms) + ' ' + hhmm(a.time_ms) +
        (a.count > 1 ? t('alerts.repeats', { n: a.count, when: day(a.first_ms) + ' ' + hhmm(a.first_ms) }) : ''),
      a.kind + (a.severe ? t('alerts.severe') : ''), a.origin || '—', a.detail,
      { text: alertState(a), cls: 'state' }, '']));
    Array.from(tb.rows).forEach((tr, i) => {
      const a = r.data.alerts[i];
      if (a.state === 'open') tr.classList.add('alarm');
      if (a.severe) tr.classList.add('severe');
      if (state.alert && state.alert.id === a.id) tr.classList.add('picked');
      tr.dataset.id = a.id;
      tr.dataset.state = a.state;
      if (state.role === 'supervisor') {
        const b = el('button', t('alerts.handle'), 'ack');
        b.type = 'button';
        b.addEventListener('click', () => pickAlert(a));
        tr.cells[5].appendChild(b);
      }
    });
    /* the alert in hand, as it is now (or gone: closed elsewhere) */
    if (state.alert) {
      const now = r.data.alerts.find((x) => x.id === state.alert.id);
      if (now) pickAlert(now, true); else dropAlert();
    }
  }

  function pickAlert(a, keep) {
    state.alert = a;
    const f = $('alert-form');
    f.hidden = state.role !== 'supervisor';
    $('af-what').textContent = t('alerts.what', { id: a.id, kind: a.kind, detail: a.detail, state: alertState(a) });
    $('af-ack').disabled = a.state !== 'open';
    if (!keep) {
      $('af-officer').value = a.assigned_to || '';
      $('af-note').value = '';
      $('alerts-msg').textContent = '';
    }
    Array.from($('alerts').tBodies[0].rows).forEach((tr) =>
      tr.classList.toggle('picked', tr.dataset.id === String(a.id)));
  }

  function dropAlert() {
    state.alert = null;
    $('alert-form').hidden = true;
  }

  async function alertAction(path, body, done) {
    if (!state.alert) return;
    state.lastAct = Date.now();
    const r = await api('POST', '/api/v1/dashboard/alerts/' + path, Object.assign({ id: state.alert.id }, body));
    $('alerts-msg').textContent = r.status === 200 ? done : errText(r, 'alerts.refused');
    $('alerts-msg').classList.toggle('ok', r.status === 200);
    if (r.status === 200 && path === 'close') dropAlert();
    refreshAlerts();
    refreshEvents();
  }

  function wireAlertForm() {
    $('af-ack').addEventListener('click', () => alertAction('ack', {}, t('alerts.done_ack')));
    $('af-assign').addEventListener('click', () => {
      const who = $('af-officer').value.trim();
      if (!who) { $('alerts-msg').textContent = t('alerts.whom'); return; }
      alertAction('assign', { officer: who }, t('alerts.done_assign', { who }));
    });
    $('af-close').addEventListener('click', () => {
      const note = $('af-note').value.trim();
      if (!note) { $('alerts-msg').textContent = t('alerts.note_needed'); return; }
      alertAction('close', { note }, t('alerts.done_close'));
    });
    $('af-cancel').addEventListener('click', dropAlert);
  }

  /* an admission with a hit acknowledged from the events panel */
  async function ackAlert(id) {
    const r = await api('POST', '/api/v1/dashboard/alerts/ack', { id });
    $('alerts-msg').textContent = r.status === 200 ? '' : errText(r, 'alerts.not_acked');
    refreshAlerts();
    refreshEvents();
  }

  /* ---- events from the posts (polled every EVENTS_MS) ---------------------- */

  function postChoices(names) {
    const sel = $('e-post');
    const have = Array.from(sel.options).map((o) => o.value).filter((v) => v);
    if (have.join('|') === names.join('|')) return;
    const keep = sel.value;
    sel.replaceChildren(el('option', t('events.all')));
    sel.options[0].value = '';
    names.forEach((n) => { const o = el('option', n); o.value = n; sel.appendChild(o); });
    sel.value = names.indexOf(keep) >= 0 ? keep : '';
  }

  function hhmmss(ms) { const d = new Date(ms); return hhmm(ms) + ':' + pad(d.getSeconds()); }

  function eventCells(e) {
    const who = [e.document ? (e.issuer ? e.issuer + ' ' : '') + e.document : '',
      e.nationality ? '(' + e.nationality + ')' : ''].filter((x) => x).join(' ');
    const hits = (e.hits || []).map((h) => h.list + '/' + h.ref + (h.alert ? ' ' + h.alert : '') +
      (h.discreet ? t('events.discreet') : '') + (h.part ? ', ' + h.part : '')).join('; ');
    const withs = (e.companions || []).map((c) => c.relation + ' ' + (c.issuer ? c.issuer + ' ' : '') + c.doc_number);
    if (e.vehicle) withs.push(t('events.vehicle', { plate: e.vehicle.plate || '?' }) + (e.vehicle.country ? ' (' + e.vehicle.country + ')' : ''));
    return [
      day(e.time_ms) + ' ' + hhmmss(e.time_ms),
      kindWord(e.kind),
      (e.post || e.origin) + (e.booth ? t('events.booth', { booth: e.booth }) : ''),
      e.officer || '—',
      e.decision || '—',
      who + (e.detail ? (who ? ' — ' : '') + e.detail : '') || '—',
      hits || '—',
      withs.join('; ') || '—',
      e.acknowledged ? { text: e.acknowledged_by ? t('alerts.acked_by', { who: e.acknowledged_by }) : t('events.acked'), cls: 'quiet' } : '',
    ];
  }

  async function refreshEvents() {
    const q = '?limit=' + EVENTS_PAGE + '&offset=' + state.ev.offset +
      (state.ev.kind ? '&kind=' + encodeURIComponent(state.ev.kind) : '') +
      (state.ev.post ? '&post=' + encodeURIComponent(state.ev.post) : '');
    const r = await api('GET', '/api/v1/dashboard/events' + q);
    if (deny('p-events', r)) return;
    if (r.status !== 200) {
      $('events-msg').textContent = errText(r, 'events.not_read');
      return;
    }
    $('events-msg').textContent = '';
    const d = r.data;
    const open = d.unacknowledged_admit_with_hit;
    $('events-sum').textContent = '(' + d.total + (open ? t('events.open', { n: open }) : '') +
      (d.total > d.events.length ? '; ' + (d.offset + 1) + '-' + (d.offset + d.events.length) : '') + ')';
    $('e-newer').disabled = d.offset === 0;
    $('e-older').disabled = d.offset + d.events.length >= d.total;
    const tb = $('events').tBodies[0];
    fill(tb, d.events.map(eventCells));
    Array.from(tb.rows).forEach((tr, i) => {
      const e = d.events[i];
      tr.dataset.id = e.id;
      tr.dataset.kind = e.kind;
      if (e.kind === 'discreet-hit') tr.classList.add('discreet');
      if (e.alert_id) tr.classList.add('alerting');
      if (e.highlight) {
        /* admitted with a hit, not yet acknowledged: first, and unmistakable */
        tr.classList.add('highlight');
        tr.cells[1].appendChild(el('br'));
        tr.cells[1].appendChild(el('span', t('events.not_acked'), 'flag'));
      }
      if (e.alert_id && !e.acknowledged && state.role === 'supervisor') {
        const b = el('button', t('alerts.ack'), 'ack');
        b.type = 'button';
        b.addEventListener('click', () => ackAlert(e.alert_id));
        tr.cells[8].appendChild(b);
      }
    });
  }

  function eventsFilter() {
    state.lastAct = Date.now();
    state.ev.kind = $('e-kind').value;
    state.ev.post = $('e-post').value;
    state.ev.offset = 0;
    refreshEvents();
  }

  function eventsPage(dir) {
    state.lastAct = Date.now();
    state.ev.offset = Math.max(0, state.ev.offset + dir * EVENTS_PAGE);
    refreshEvents();
  }

  function refresh() {
    if (!state.token) return;
    refreshPosts();
    refreshTraffic();
    refreshHits();
    refreshAlerts();
    /* the panels that need a purpose: shown or refused by role */
    if (['supervisor', 'analyst'].indexOf(state.role) < 0) {
      ['p-overstays', 'p-search'].forEach((p) => deny(p, { status: 403 }));
    }
  }

  /* ---- overstays and the national search (purpose, audited) ---------------- */

  async function overstays(ev) {
    ev.preventDefault();
    state.lastAct = Date.now();
    const purpose = $('o-purpose').value.trim();
    $('over-msg').textContent = '';
    if (purpose.length < 3) {
      $('over-msg').textContent = t('purpose.needed');
      return;
    }
    const r = await api('GET', '/api/v1/dashboard/overstays?purpose=' + encodeURIComponent(purpose));
    if (r.status !== 200) {
      $('over-msg').textContent = errText(r, 'msg.refused');
      return;
    }
    state.lastOver = r.data;
    renderOver(r.data);
  }

  /* (drawn again, not asked again, when the language changes) */
  function renderOver(d) {
    const tbl = $('overstays');
    tbl.dataset.shown = '1';
    tbl.hidden = false;
    fill(tbl.tBodies[0], d.overstays.map((o) => [o.document, o.surname + ' ' + (o.given_names || ''),
      o.nationality, day(o.entered), o.origin, o.overstay]));
    $('over-msg').textContent = t('over.sum', { n: d.total, on: d.on });
  }

  function searchKind() {
    /* "search": a person found by name in any spelling (docs/cstore.md) */
    const person = $('s-kind').value !== 'document';
    document.querySelectorAll('.by-person').forEach((e) => { e.hidden = !person; });
    document.querySelectorAll('.by-doc').forEach((e) => { e.hidden = person; });
  }

  async function search(ev) {
    ev.preventDefault();
    state.lastAct = Date.now();
    $('search-msg').textContent = '';
    $('search-result').hidden = true;
    $('match-result').hidden = true;
    const kind = $('s-kind').value;
    const body = { kind, purpose: $('s-purpose').value.trim() };
    if (body.purpose.length < 3) {
      $('search-msg').textContent = t('purpose.needed');
      $('s-purpose').focus();
      return;
    }
    if (kind === 'document') {
      body.doc = $('s-doc').value.trim().toUpperCase();
      if ($('s-issuer').value.trim()) body.issuer = $('s-issuer').value.trim().toUpperCase();
    } else {
      body.surname = $('s-surname').value.trim();
      if ($('s-given').value.trim()) body.given_names = $('s-given').value.trim();
      if ($('s-dob').value.trim() || kind === 'person') body.birth_date = $('s-dob').value.trim();
    }
    const r = await api('POST', '/api/v1/dashboard/search', body);
    if (r.status !== 200) {
      $('search-msg').textContent = errText(r, 'msg.refused');
      return;
    }
    if (kind === 'search') {
      state.lastMatches = r.data;
      renderMatches(r.data);
      return;
    }
    state.lastSearch = r.data;
    renderSearch(r.data);
  }

  /* The persons a search by name found, most similar first; a row's
   * button asks for that document's history (another audited query, with
   * the purpose in the form). */
  function renderMatches(d) {
    const m = d.matches || [];
    $('match-sum').textContent = t('search.found', { n: d.found, shown: d.shown, c: d.candidates });
    const body = $('matches').tBodies[0];
    fill(body, m.map((x) => [x.score.toFixed(2), x.surname + ' ' + (x.given_names || ''), x.birth_date,
      x.nationality, x.issuer + ' ' + x.document, x.crossings,
      day(x.last_ms) + ' ' + x.last_post,
      (x.reasons || []).map((r, i) => window.TimsI18n.coded('match.', (x.reason_codes || [])[i], r)).join('; '), '']));
    Array.from(body.rows).forEach((tr, i) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = t('search.open');
      b.addEventListener('click', () => openMatch(m[i]));
      tr.cells[tr.cells.length - 1].appendChild(b);
    });
    $('match-result').hidden = false;
  }

  async function openMatch(x) {
    state.lastAct = Date.now();
    const r = await api('POST', '/api/v1/dashboard/search', { kind: 'document', doc: x.document,
      issuer: x.issuer, purpose: $('s-purpose').value.trim() });
    if (r.status !== 200) {
      $('search-msg').textContent = errText(r, 'msg.refused');
      return;
    }
    state.lastSearch = r.data;
    renderSearch(r.data);
  }

  function renderSearch(d) {
    const c = d.crossings || [];
    const st = d.stay;
    $('stay').textContent = t('search.sum', { n: c.length }) +
      (st ? t('search.stay', { used: st.used, max: st.max_days }) + (st.overstay ? t('search.over', { n: st.overstay }) : '') : '') + '.';
    fill($('history').tBodies[0], c.map((x) => {
      const rec = x.record || {};
      const p = rec.person || {};
      const when = Date.parse(rec.crossed_at || rec.time || '');
      return [isNaN(when) ? '?' : day(when) + ' ' + hhmm(when), x.origin, rec.direction ? (has('dir.' + rec.direction) ? t('dir.' + rec.direction) : rec.direction) : '',
        rec.decision ? (has('decision.' + rec.decision) ? t('decision.' + rec.decision) : rec.decision) : '',
        (p.issuer || '') + ' ' + (p.number || ''), (p.surname || '') + ' ' + (p.given_names || '')];
    }));
    $('search-result').hidden = false;
  }

  /* ---- wiring ------------------------------------------------------------ */

  /* ---- the language ----------------------------------------------------- */

  /* A refused answer in the page's words: its code's text (err.CODE), the
   * centre's English only for a code the catalogue does not know. */
  function errText(r, dflt) {
    const b = r.data || {};
    if (b.error && has('err.' + b.error)) {
      const p = Object.assign({}, b.params || {});
      if (Array.isArray(p.values)) p.values = p.values.join(', ');
      const k = p.rule && has('err.' + b.error + '.' + p.rule) ? 'err.' + b.error + '.' + p.rule : 'err.' + b.error;
      return t(k, p);
    }
    return b.message || t(dflt, { status: r.status });
  }

  /* The officer's language at login (the centre's answer: the officer's
   * own, else the installation's), the switch in the bar (stored as the
   * officer's: PUT /api/v1/preferences), before login the one last used
   * in this browser, else the installation's (GET /api/v1/languages). */
  async function setLang(l, persist) {
    let used;
    try { used = await window.TimsI18n.use(l); } catch (e) { return; }
    $('lang').value = used;
    localStorage.setItem(LANG_KEY, used);
    if (state.token) {
      $('who').textContent = state.officer + ' (' + t('role.' + state.role) + ')';
      refresh();
      if (state.role === 'supervisor') refreshEvents();
      if (window.TimsAudit) window.TimsAudit.relabel();
      if (window.TimsReports) window.TimsReports.relabel();
      if (window.TimsArrivals) window.TimsArrivals.relabel();
      if (state.lastOver && !$('overstays').hidden) renderOver(state.lastOver);
      if (state.lastSearch && !$('search-result').hidden) renderSearch(state.lastSearch);
      if (state.lastMatches && !$('match-result').hidden) renderMatches(state.lastMatches);
      if (persist) await api('PUT', '/api/v1/preferences', { lang: used });
    }
  }

  async function startLang() {
    let l = localStorage.getItem(LANG_KEY);
    if (!window.TimsI18n.valid(l)) {
      const r = await api('GET', '/api/v1/languages');
      l = r.status === 200 && r.data ? r.data.default : 'en';
    }
    await setLang(window.TimsI18n.valid(l) ? l : 'en', false);
  }

  document.addEventListener('DOMContentLoaded', async () => {
    await startLang();
    $('lang').addEventListener('change', () => { state.lastAct = Date.now(); setLang($('lang').value, true); });
    $('login-form').addEventListener('submit', login);
    $('logout').addEventListener('click', logout);
    $('over-form').addEventListener('submit', overstays);
    $('search-form').addEventListener('submit', search);
    wireAlertForm();
    $('s-kind').addEventListener('change', searchKind);
    $('e-kind').addEventListener('change', eventsFilter);
    $('e-post').addEventListener('change', eventsFilter);
    $('events-form').addEventListener('submit', (ev) => ev.preventDefault());
    $('e-newer').addEventListener('click', () => eventsPage(-1));
    $('e-older').addEventListener('click', () => eventsPage(1));
    ['keydown', 'pointerdown'].forEach((type) => document.addEventListener(type, () => { state.lastAct = Date.now(); }));
    searchKind();
    showLogin('');
    document.body.dataset.ready = '1';
  });
}());
