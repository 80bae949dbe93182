/*
 * i18n.js — the consoles' message catalogue loader (docs/console.md,
 * "Languages"). Each language is one flat JSON object served by the node
 * itself (i18n/LANG.json next to the page: no external URL, nothing inline,
 * so it runs under the node's Content-Security-Policy default-src 'self'):
 *
 *   "key": "text with {name} parameters"
 *   "key": { "one": "{n} hit", "other": "{n} hits" }   (plural: by params.n,
 *          with the browser's own plural rules, Intl.PluralRules)
 *
 * t(key, params) gives the text of the current language, falling back to
 * English, then to the key itself (a test keeps catalogues complete:
 * tests/e2e/i18n.sh). apply(root) fills the page's static texts:
 *   data-i18n="key"                      the element's text
 *   data-i18n-attr="title:key;aria-label:key;placeholder:key"
 * Parameters are put in as text; the page only ever uses textContent.
 */
'use strict';

(function () {
  const LANGS = ['en', 'sq'];
  const cats = {};
  let lang = 'en';

  function valid(l) {
    return typeof l === 'string' && LANGS.includes(l);
  }

  async function fetchCat(l) {
    if (cats[l]) return cats[l];
    const r = await fetch('i18n/' + l + '.json', { cache: 'no-cache', credentials: 'omit' });
    if (!r.ok) throw new Error('catalogue ' + l + ': HTTP ' + r.status); // i18n-ok: not shown
    const c = await r.json();
    if (!c || typeof c !== 'object' || Array.isArray(c)) throw new Error('catalogue ' + l + ': not an object'); // i18n-ok: not shown
    cats[l] = c;
    return c;
  }

  /* Load English (the fallback) and l; l becomes the current language. */
  async function use(l) {
    if (!valid(l)) l = 'en';
    await fetchCat('en');
    await fetchCat(l);
    lang = l;
    document.documentElement.lang = l;
    apply(document);
    return l;
  }

  function t(key, p) {
    return tIn(lang, key, p);
  }

  /* The text in language l (loaded with ensure), whatever the page's:
   * the printed forms are in two languages at once. */
  function tIn(l, key, p) {
    let m = cats[l] && cats[l][key];
    if (m === undefined && cats.en) m = cats.en[key];
    if (m && typeof m === 'object') {
      const n = p && typeof p.n === 'number' ? p.n : 0;
      const form = new Intl.PluralRules(l).select(n);
      m = m[form] !== undefined ? m[form] : m.other;
    }
    if (typeof m !== 'string') return key;
    return m.replace(/\{([a-z_0-9]+)\}/g, (all, k) => (p && p[k] !== undefined && p[k] !== null ? String(p[k]) : all));
  }

  async function ensure(l) {
    if (valid(l)) await fetchCat(l);
  }

  /* Whether a key exists (e.g. a server code with a text of its own). */
  function has(key) {
    return !!((cats[lang] && cats[lang][key] !== undefined) || (cats.en && cats.en[key] !== undefined));
  }

  /* A text of one language as it stands in its catalogue (no parameters). */
  function text(l, key) {
    return cats[l] ? cats[l][key] : undefined;
  }

  function apply(root) {
    root.querySelectorAll('[data-i18n]').forEach((e) => { e.textContent = t(e.dataset.i18n); });
    root.querySelectorAll('[data-i18n-attr]').forEach((e) => {
      e.dataset.i18nAttr.split(';').forEach((pair) => {
        const i = pair.indexOf(':');
        if (i > 0) e.setAttribute(pair.slice(0, i).trim(), t(pair.slice(i + 1).trim()));
      });
    });
  }

  /* A coded message of the node ({code, params}, e.g. a match's reason) as
   * text: prefix + code with its parameters, each parameter that is a word
   * of its own (a key prefix + name + '.' + value) put in the language too;
   * fallback (the node's English) when the catalogue does not know it. */
  function coded(prefix, c, fallback) {
    if (!c || typeof c.code !== 'string' || !has(prefix + c.code)) return fallback;
    const p = {};
    if (c.params && typeof c.params === 'object') {
      Object.keys(c.params).forEach((k) => {
        const v = String(c.params[k]);
        p[k] = has(prefix + k + '.' + v) ? tIn(lang, prefix + k + '.' + v) : v;
      });
    }
    return tIn(lang, prefix + c.code, p);
  }
  window.TimsI18n = { use, t, tIn, ensure, has, text, apply, coded, langs: LANGS.slice(), valid, lang: () => lang };
})();
