/* reports.js — the ministry's statistics in the dashboard (docs/dashboard.md,
 * "Reports"): crossings, refusals by reason, vehicles and hits by period and
 * grouping, the monthly statistics of entries and exits by nationality and
 * post, overstays by nationality. Counts only: the centre answers no name.
 *
 * Each table is drawn from the centre's JSON; its CSV is made here from the
 * same JSON (so its sums are the centre's), its PDF is the browser's print
 * of the reports alone (dashboard.css, @media print). Charts by Chart.js
 * (Debian's libjs-chart.js, served by the centre at /chart.js); without it
 * the tables are shown and the page says the charts are unavailable. Texts
 * from the catalogue only; server text set with textContent. */
(function () {
  'use strict';

  const t = (k, p) => window.TimsI18n.t(k, p);
  const has = (k) => window.TimsI18n.has(k);
  const $ = (id) => document.getElementById(id);
  const COLOURS = ['#0b4f9c', '#c2410c', '#0a6b2d', '#7c3aed', '#a4121c', '#0e7490', '#854d0e'];
  const ROLES = ['supervisor', 'analyst'];
  const st = { on: false, api: null, touch: null, errText: null, table: null, monthly: null,
               over: null, charts: {} };

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function isoDay(d) { return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()); }

  /* a value of a grouping in the page's words */
  function word(key, v) {
    if (v === '' || v === null || v === undefined) return t('rep.none');
    if (key === 'direction' && has('dir.' + v)) return t('dir.' + v);
    if (key === 'decision' && has('decision.' + v)) return t('decision.' + v);
    if (key === 'kind' && has('rep.kind.' + v)) return t('rep.kind.' + v);
    return String(v);
  }

  function num(n) { return n === null || n === undefined ? '' : Number(n).toLocaleString(document.documentElement.lang); }

  /* ---- CSV (RFC 4180), a cell that a spreadsheet would run is quoted as text ---- */
  function csvCell(v) {
    let s = v === null || v === undefined ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function download(name, rows) {
    const text = rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
    const a = el('a');
    a.href = URL.createObjectURL(new Blob(['\ufeff' + text], { type: 'text/csv;charset=utf-8' })); // i18n-ok: a MIME type
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  /* ---- charts ------------------------------------------------------------- */
  function chartsOk() { return typeof window.Chart === 'function'; }

  function chart(id, labels, sets) {
    if (st.charts[id]) { st.charts[id].destroy(); delete st.charts[id]; }
    const box = $(id).parentElement;
    box.hidden = !chartsOk();
    $('rep-charts-off').hidden = chartsOk();
    if (!chartsOk()) return;
    st.charts[id] = new window.Chart($(id), {
      type: 'bar',
      data: { labels, datasets: sets.map((s, i) => ({ label: s.label, data: s.data, backgroundColor: COLOURS[i % COLOURS.length] })) },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
                 plugins: { legend: { display: sets.length > 1 } } },
    });
  }

  /* ---- the table of a report ------------------------------------------------ */
  function columns(j) {
    const cols = j.period !== 'all' ? ['period'] : [];
    return cols.concat(j.by || []);
  }

  function header(key) { return t('rep.col.' + key); }

  function renderTable() {
    const j = st.table;
    if (!j) return;
    const cols = columns(j);
    const tb = $('rep-table');
    const hr = el('tr');
    cols.forEach((c) => hr.appendChild(el('th', header(c))));
    hr.appendChild(el('th', t('rep.col.count'), 'n'));
    tb.tHead.replaceChildren(hr);
    tb.tBodies[0].replaceChildren();
    j.rows.forEach((r) => {
      const tr = el('tr');
      cols.forEach((c) => tr.appendChild(el('td', word(c, r[c]))));
      tr.appendChild(r.suppressed ? el('td', t('rep.suppressed', { n: j.min_cell }), 'n suppressed') : el('td', num(r.count), 'n'));
      tb.tBodies[0].appendChild(tr);
    });
    const fr = el('tr');
    fr.appendChild(el('td', t('rep.total')));
    for (let i = 1; i < cols.length; i++) fr.appendChild(el('td', ''));
    fr.appendChild(el('td', num(j.total), 'n'));
    tb.tFoot.replaceChildren(fr);
    $('rep-caption').textContent = t('rep.table.' + j.table) + ' · ' + j.from + ' – ' + j.to;
    $('rep-sum').textContent = t('rep.sum', { n: j.rows.length, total: num(j.total) }) +
      (j.suppressed ? ' ' + t('rep.sum_suppressed', { n: j.suppressed, min: j.min_cell }) : '');
    /* the chart: by the first column, stacked by the second */
    const first = cols[0], second = cols[1];
    const labels = [], sets = {};
    j.rows.forEach((r) => {
      const x = first ? word(first, r[first]) : t('rep.total');
      if (labels.indexOf(x) < 0) labels.push(x);
      const s = second ? word(second, r[second]) : t('rep.col.count');
      sets[s] = sets[s] || {};
      sets[s][x] = (sets[s][x] || 0) + (r.count || 0);
    });
    chart('rep-chart', labels, Object.keys(sets).map((s) => ({ label: s, data: labels.map((x) => sets[s][x] || 0) })));
    $('rep-out').hidden = false;
  }

  function tableCsv() {
    const j = st.table;
    const cols = columns(j);
    const rows = [cols.map(header).concat([t('rep.col.count')])];
    j.rows.forEach((r) => rows.push(cols.map((c) => word(c, r[c])).concat([r.count === null ? '' : r.count])));
    download('tims-' + j.table + '-' + j.from + '-' + j.to + '.csv', rows);
  }

  function byOf() {
    const table = $('r-table').value;
    return Array.from($('r-by').querySelectorAll('input:checked'))
      .filter((i) => !i.parentElement.hidden && !(i.parentElement.className.startsWith('only-') && i.parentElement.className !== 'only-' + table))
      .map((i) => i.value).join(',');
  }

  function tableKind() {
    const table = $('r-table').value;
    Array.from($('r-by').querySelectorAll('label')).forEach((l) => {
      if (l.className.startsWith('only-')) l.hidden = l.className !== 'only-' + table;
    });
  }

  async function showTable(ev) {
    if (ev) ev.preventDefault();
    if (st.touch) st.touch();
    $('rep-msg').textContent = '';
    const q = new URLSearchParams({ table: $('r-table').value, from: $('r-from').value, to: $('r-to').value,
                                    period: $('r-period').value, by: byOf(), min_cell: $('r-min').value || '0' });
    const r = await st.api('GET', '/api/v1/reports/table?' + q.toString());
    if (r.status !== 200) {
      $('rep-msg').textContent = st.errText(r, 'rep.failed');
      return;
    }
    st.table = r.data;
    renderTable();
  }

  /* ---- the monthly statistics ----------------------------------------------- */
  function monthlyRows() {
    const j = st.monthly;
    const head = [t('rep.col.nationality')];
    j.posts.forEach((p) => { head.push(t('rep.m.entries_at', { post: p })); head.push(t('rep.m.exits_at', { post: p })); });
    head.push(t('rep.m.entries'), t('rep.m.exits'), t('rep.m.refused'));
    const body = j.rows.map((r) => [word('nationality', r.nationality)]
      .concat(...r.cells.map((c) => [c[0], c[1]])).concat([r.entries, r.exits, r.refused]));
    const tot = [t('rep.total')].concat(...j.totals.cells.map((c) => [c[0], c[1]]))
      .concat([j.totals.entries, j.totals.exits, j.totals.refused]);
    return { head, body, tot };
  }

  function renderMonthly() {
    const j = st.monthly;
    if (!j) return;
    const m = monthlyRows();
    const tb = $('rep-monthly');
    const h1 = el('tr');
    h1.appendChild(el('th', t('rep.col.nationality')));
    j.posts.forEach((p) => { const th = el('th', p, 'n'); th.colSpan = 2; h1.appendChild(th); });
    const all = el('th', t('rep.m.all_posts'), 'n');
    all.colSpan = 3;
    h1.appendChild(all);
    const h2 = el('tr');
    h2.appendChild(el('th', ''));
    j.posts.forEach(() => { h2.appendChild(el('th', t('rep.m.in'), 'n')); h2.appendChild(el('th', t('rep.m.out'), 'n')); });
    [t('rep.m.in'), t('rep.m.out'), t('rep.m.refused')].forEach((x) => h2.appendChild(el('th', x, 'n')));
    tb.tHead.replaceChildren(h1, h2);
    tb.tBodies[0].replaceChildren();
    m.body.forEach((r) => {
      const tr = el('tr');
      r.forEach((v, i) => tr.appendChild(i === 0 ? el('td', v) : v === null ? el('td', t('rep.suppressed', { n: j.min_cell }), 'n suppressed') : el('td', num(v), 'n')));
      tb.tBodies[0].appendChild(tr);
    });
    const fr = el('tr');
    m.tot.forEach((v, i) => fr.appendChild(el('td', i === 0 ? v : num(v), i ? 'n' : '')));
    tb.tFoot.replaceChildren(fr);
    $('rep-monthly-sum').textContent = t('rep.m.sum', { month: j.month, entries: num(j.totals.entries), exits: num(j.totals.exits) }) +
      (j.suppressed ? ' ' + t('rep.sum_suppressed', { n: j.suppressed, min: j.min_cell }) : '');
    $('rep-monthly-out').hidden = false;
  }

  function monthlyCsv() {
    const m = monthlyRows();
    download('tims-monthly-' + st.monthly.month + '.csv', [m.head].concat(m.body, [m.tot]));
  }

  async function showMonthly(ev) {
    if (ev) ev.preventDefault();
    if (st.touch) st.touch();
    $('rep-monthly-msg').textContent = '';
    const q = new URLSearchParams({ month: $('r-month').value, min_cell: $('r-min').value || '0' });
    const r = await st.api('GET', '/api/v1/reports/monthly?' + q.toString());
    if (r.status !== 200) {
      $('rep-monthly-msg').textContent = st.errText(r, 'rep.failed');
      return;
    }
    st.monthly = r.data;
    renderMonthly();
  }

  /* ---- overstays by nationality --------------------------------------------- */
  function renderOver() {
    const j = st.over;
    if (!j) return;
    const tb = $('rep-over');
    const hr = el('tr');
    hr.appendChild(el('th', t('rep.col.nationality')));
    hr.appendChild(el('th', t('rep.col.count'), 'n'));
    tb.tHead.replaceChildren(hr);
    tb.tBodies[0].replaceChildren();
    j.rows.forEach((r) => {
      const tr = el('tr');
      tr.appendChild(el('td', word('nationality', r.nationality)));
      tr.appendChild(r.suppressed ? el('td', t('rep.suppressed', { n: j.min_cell }), 'n suppressed') : el('td', num(r.count), 'n'));
      tb.tBodies[0].appendChild(tr);
    });
    const fr = el('tr');
    fr.appendChild(el('td', t('rep.total')));
    fr.appendChild(el('td', num(j.total), 'n'));
    tb.tFoot.replaceChildren(fr);
    $('rep-over-sum').textContent = t('rep.over.sum', { on: j.on, total: num(j.total) });
    chart('rep-over-chart', j.rows.map((r) => word('nationality', r.nationality)), [{ label: t('rep.col.count'), data: j.rows.map((r) => r.count || 0) }]);
    $('rep-over-out').hidden = false;
  }

  function overCsv() {
    const j = st.over;
    download('tims-overstays-' + j.on + '.csv', [[t('rep.col.nationality'), t('rep.col.count')]]
      .concat(j.rows.map((r) => [word('nationality', r.nationality), r.count === null ? '' : r.count])));
  }

  async function showOver(ev) {
    if (ev) ev.preventDefault();
    if (st.touch) st.touch();
    $('rep-over-msg').textContent = '';
    const q = new URLSearchParams({ on: $('r-on').value, min_cell: $('r-min').value || '0' });
    const r = await st.api('GET', '/api/v1/reports/overstays?' + q.toString());
    if (r.status !== 200) {
      $('rep-over-msg').textContent = st.errText(r, 'rep.failed');
      return;
    }
    st.over = r.data;
    renderOver();
  }

  /* PDF: the browser's print of the reports alone (dashboard.css @media print) */
  function print() {
    document.body.classList.add('print-reports');
    window.print();
  }

  function clear() {
    st.table = st.monthly = st.over = null;
    Object.keys(st.charts).forEach((k) => { st.charts[k].destroy(); delete st.charts[k]; });
    ['rep-out', 'rep-monthly-out', 'rep-over-out'].forEach((id) => { if ($(id)) $(id).hidden = true; });
    ['rep-msg', 'rep-monthly-msg', 'rep-over-msg'].forEach((id) => { if ($(id)) $(id).textContent = ''; });
  }

  window.TimsReports = {
    /* called by dashboard.js after a login: supervisors and analysts */
    start(role, api, touch, errText) {
      const p = $('p-reports');
      if (!p) return;
      st.api = api;
      st.touch = touch;
      st.errText = errText;
      st.on = ROLES.indexOf(role) >= 0;
      p.hidden = false;
      p.querySelector('.deny').hidden = st.on;
      Array.from(p.children).forEach((c) => { if (c.tagName === 'FORM' || c.tagName === 'H3') c.hidden = !st.on; });
      $('rep-charts-off').hidden = chartsOk();
      if (!st.on) return;
      /* the month so far, in UTC days as the centre counts them */
      const now = new Date();
      if (!$('r-to').value) $('r-to').value = isoDay(now);
      if (!$('r-from').value) $('r-from').value = isoDay(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)));
      if (!$('r-month').value) $('r-month').value = isoDay(now).slice(0, 7);
      if (!$('r-on').value) $('r-on').value = isoDay(now);
    },
    /* the page's language changed: drawn again from what the page holds */
    relabel() {
      if (!st.on) return;
      renderTable();
      renderMonthly();
      renderOver();
    },
    stop() {
      st.on = false;
      clear();
      if ($('p-reports')) $('p-reports').hidden = true;
    },
  };

  document.addEventListener('DOMContentLoaded', () => {
    if (!$('rep-form')) return;
    $('rep-form').addEventListener('submit', showTable);
    $('rep-monthly-form').addEventListener('submit', showMonthly);
    $('rep-over-form').addEventListener('submit', showOver);
    $('r-table').addEventListener('change', tableKind);
    $('rep-csv').addEventListener('click', tableCsv);
    $('rep-monthly-csv').addEventListener('click', monthlyCsv);
    $('rep-over-csv').addEventListener('click', overCsv);
    ['rep-print', 'rep-monthly-print', 'rep-over-print'].forEach((id) => $(id).addEventListener('click', print));
    window.addEventListener('afterprint', () => document.body.classList.remove('print-reports'));
    tableKind();
  });
}());
