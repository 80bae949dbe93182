/* arrivals.js — the pre-arrival list in the dashboard (docs/dashboard.md,
 * "Arrivals"; docs/paxlst.md): the flights whose passenger lists (PAXLST)
 * the centre holds, with their route, scheduled arrival, travellers,
 * travellers with a hit and the versions received. No traveller: the
 * centre's GET /api/v1/dashboard/arrivals answers flights and counts only.
 *
 * Every read is in the centre's audit log with its purpose, so the page
 * asks for one and reads only when the person asks (no polling). Whether
 * the person's role may read the list is the centre's answer: at login the
 * page asks without a purpose; the centre refuses a role it does not
 * serve (403) before it looks at the purpose (400), and reads nothing.
 * Texts from the catalogue only; server text set with textContent.
 *
 * After arrival (GET /api/v1/dashboard/arrivals/report, docs/paxlst.md
 * "After arrival"): the travellers of a day's flights who did not cross at
 * the airport's posts within N hours (no-show), or the entries there on no
 * list (unlisted); these rows name travellers, so the form asks a purpose
 * of its own and reads only when asked. */
(function () {
  'use strict';

  const t = (k, p) => window.TimsI18n.t(k, p);
  const $ = (id) => document.getElementById(id);
  const st = { on: false, api: null, touch: null, errText: null, last: null, rep: null };

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  /* the panel as the centre answered the role: refused, or the form */
  function refused(yes) {
    const p = $('p-arrivals');
    p.querySelector('.deny').hidden = !yes;
    $('arr-form').hidden = yes;
    $('arep-form').hidden = yes;
    if (yes) {
      clearReport(false);
      $('arrivals').hidden = true;
      $('arr-sum').textContent = '';
    }
  }

  /* "2026-12-08T07:48" as sent (ISO when complete), shown as is but for the T */
  function when(s) { return s ? String(s).replace('T', ' ') : '—'; }

  function render(d) {
    const tbody = $('arrivals').tBodies[0];
    tbody.replaceChildren();
    d.flights.forEach((f) => {
      const tr = el('tr');
      [f.flight, t('arr.route', { from: f.departure_airport || '?', to: f.arrival_airport || '?' }),
        when(f.arrival_time), f.travellers, f.hits,
        t('arr.version', { version: f.version, versions: f.versions })].forEach((c, i) => {
        const td = el('td', c);
        if (i === 3 || i === 4) td.className = 'n';
        if (i === 4 && f.hits > 0) td.classList.add('hit');
        tr.appendChild(td);
      });
      if (f.hits > 0) tr.classList.add('alarm');
      tr.dataset.flight = f.flight;
      tr.dataset.date = f.date;
      tbody.appendChild(tr);
    });
    $('arrivals').hidden = false;
    /* a cut list is said so: never taken for the whole */
    $('arr-sum').textContent = d.total > d.shown ? t('arr.cut', { shown: d.shown, n: d.total })
      : t('arr.sum', { n: d.total });
    $('arr-sum').classList.toggle('cut', d.total > d.shown);
  }

  async function read(ev) {
    ev.preventDefault();
    if (!st.on) return;
    st.touch();
    const purpose = $('arr-purpose').value.trim();
    const date = $('arr-date').value;
    const airport = $('arr-airport').value.trim().toUpperCase();
    $('arr-msg').textContent = '';
    if (purpose.length < 3) {
      $('arr-msg').textContent = t('purpose.needed');
      $('arr-purpose').focus();
      return;
    }
    const q = '?purpose=' + encodeURIComponent(purpose) + (date ? '&date=' + encodeURIComponent(date) : '') +
      (airport ? '&airport=' + encodeURIComponent(airport) : '');
    const r = await st.api('GET', '/api/v1/dashboard/arrivals' + q);
    if (r.status === 403) refused(true);
    if (r.status !== 200) {
      /* the last answer is not left standing under another question's refusal */
      clear(true);
      $('arr-msg').textContent = st.errText(r, 'msg.refused');
      return;
    }
    st.last = r.data;
    render(r.data);
  }

  /* the answer off the page (keepForm: the form's values stay) */
  function clear(keepForm) {
    st.last = null;
    $('arrivals').tBodies[0].replaceChildren();
    $('arrivals').hidden = true;
    ['arr-sum', 'arr-msg'].forEach((id) => { $(id).textContent = ''; });
    if (!keepForm) ['arr-purpose', 'arr-date', 'arr-airport'].forEach((id) => { $(id).value = ''; });
  }

  /* ---- after arrival ---- */
  function role(r) { return window.TimsI18n.has('arr.rep.role.' + r) ? t('arr.rep.role.' + r) : r; }
  function utc(ms) { return new Date(ms).toISOString().slice(0, 16).replace('T', ' '); }
  function named(w) { return [w.surname, w.given_names].filter((x) => x).join(', ') || '—'; }

  function renderReport(d) {
    const table = $('arr-report');
    const head = table.tHead.rows[0];
    const tbody = table.tBodies[0];
    const noshow = d.kind === 'no-show';
    const cols = noshow
      ? ['arr.rep.col.airport', 'arr.col.flight', 'arr.col.arrival', 'arr.rep.col.position', 'arr.rep.col.role',
        'arr.rep.col.nationality', 'arr.col.hits', 'arr.rep.col.name']
      : ['arr.rep.col.airport', 'arr.rep.col.post', 'arr.rep.col.time', 'arr.rep.col.nationality',
        'arr.rep.col.decision', 'arr.rep.col.name'];
    head.replaceChildren(...cols.map((k) => el('th', t(k))));
    tbody.replaceChildren();
    d.rows.forEach((w) => {
      const tr = el('tr');
      const cells = noshow
        ? [w.airport, w.flight, when(w.arrival_time), w.position, role(w.role), w.nationality || '—', w.hits,
          w.no_document ? named(w) + ' (' + t('arr.rep.nodoc') + ')' : named(w)]
        : [w.airport, w.post, utc(w.time_ms), w.nationality || '—', t('arr.rep.decision.' + w.decision), named(w)];
      cells.forEach((c) => tr.appendChild(el('td', c)));
      if (noshow && w.hits > 0) tr.classList.add('alarm');
      tbody.appendChild(tr);
    });
    /* travellers in transit (DDT, DDU): no no-shows, shown apart after them */
    (noshow && Array.isArray(d.transit) ? d.transit : []).forEach((w) => {
      const tr = el('tr');
      const cells = [w.airport, w.flight, when(w.arrival_time), w.position, role(w.role), w.nationality || '—',
        w.hits, named(w) + ' (' + t(w.crossed ? 'arr.rep.transit.crossed' : 'arr.rep.transit.stayed') + ')'];
      cells.forEach((c) => tr.appendChild(el('td', c)));
      tr.classList.add('transit');
      if (w.hits > 0 || w.crossed) tr.classList.add('alarm');
      tbody.appendChild(tr);
    });
    table.hidden = false;
    let sum = noshow
      ? t('arr.rep.sum.no-show', { n: d.total, travellers: d.travellers, flights: d.flights, open: d.flights_open })
      : t('arr.rep.sum.unlisted', { n: d.total, crossings: d.crossings });
    if (noshow && d.transit_total > 0) {
      sum += ' ' + t('arr.rep.transit', { n: d.transit_total, crossed: d.transit_crossed });
    }
    if (d.total > d.shown) sum += ' ' + t('arr.rep.cut', { shown: d.shown, n: d.total });
    if (d.names_withheld) sum += ' ' + t('arr.rep.withheld');
    $('arep-sum').textContent = sum;
    $('arep-sum').classList.toggle('cut', d.total > d.shown);
  }

  function clearReport(keepForm) {
    st.rep = null;
    $('arr-report').tBodies[0].replaceChildren();
    $('arr-report').hidden = true;
    ['arep-sum', 'arep-msg'].forEach((id) => { $(id).textContent = ''; });
    if (!keepForm) ['arep-purpose', 'arep-date', 'arep-airport'].forEach((id) => { $(id).value = ''; });
  }

  async function report(ev) {
    ev.preventDefault();
    if (!st.on) return;
    st.touch();
    const purpose = $('arep-purpose').value.trim();
    const airport = $('arep-airport').value.trim().toUpperCase();
    const hours = $('arep-hours').value.trim();
    $('arep-msg').textContent = '';
    if (purpose.length < 3) {
      $('arep-msg').textContent = t('purpose.needed');
      $('arep-purpose').focus();
      return;
    }
    /* the day is the centre's to check: an empty one is refused naming it */
    const q = '?kind=' + encodeURIComponent($('arep-kind').value) + '&date=' + encodeURIComponent($('arep-date').value) +
      (airport ? '&airport=' + encodeURIComponent(airport) : '') + (hours ? '&hours=' + encodeURIComponent(hours) : '') +
      '&purpose=' + encodeURIComponent(purpose);
    const r = await st.api('GET', '/api/v1/dashboard/arrivals/report' + q);
    if (r.status === 403) refused(true);
    if (r.status !== 200) {
      clearReport(true);
      $('arep-msg').textContent = st.errText(r, 'msg.refused');
      return;
    }
    st.rep = r.data;
    renderReport(r.data);
  }

  window.TimsArrivals = {
    /* api(method, path) as dashboard.js's; touch() marks a person's action;
     * errText(r, key) a refusal in the page's words (err.CODE, params) */
    async start(role, api, touch, errText) {
      Object.assign(st, { on: true, api, touch, errText });
      clear();
      clearReport(false);
      $('p-arrivals').hidden = false;
      const r = await api('GET', '/api/v1/dashboard/arrivals');
      if (!st.on) return;
      refused(r.status === 403);
      if (r.status !== 403 && r.status !== 400) $('arr-msg').textContent = errText(r, 'msg.refused');
    },
    relabel() {
      if (st.on && st.last && !$('arrivals').hidden) render(st.last);
      if (st.on && st.rep && !$('arr-report').hidden) renderReport(st.rep);
    },
    stop() {
      st.on = false;
      clear();
      clearReport(false);
    },
  };

  document.addEventListener('DOMContentLoaded', () => {
    $('arr-form').addEventListener('submit', read);
    $('arep-form').addEventListener('submit', report);
  });
}());
