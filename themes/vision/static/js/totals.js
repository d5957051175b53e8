/* Vision d'Amour: live totals on progress bars (GET /donate/totals.json, see cms/donations/API.md).
   Loaded with defer where bars exist; data-url on this script tag. Any failure leaves the built numbers. */
(() => {
  'use strict';
  const me = document.currentScript, url = me && me.dataset.url;
  if (!url || !window.fetch) return;
  const SYM = {EUR: '€', USD: '$', XOF: 'FCFA', XAF: 'FCFA'};
  const money = (a, c) => {
    const e = c === 'XOF' || c === 'XAF' ? 0 : 2;
    return (a / 10 ** e).toLocaleString('fr-FR', {minimumFractionDigits: a % 10 ** e ? e : 0, maximumFractionDigits: e}) + '\u00a0' + (SYM[c] || c);
  };
  const set = (root, field, text) => root.querySelectorAll('[data-field="' + field + '"]').forEach(n => { n.textContent = text; });
  // no-cache: revalidate on every view, so a donor coming back right after giving sees the gift.
  fetch(url, {credentials: 'omit', cache: 'no-cache'}).then(r => (r.ok ? r.json() : null)).then(data => {
    const projects = data && data.projects;
    if (!projects) return;
    document.querySelectorAll('[data-project]').forEach(box => {
      const t = projects[box.dataset.project];
      if (!t || typeof t.raised !== 'number' || (t.currency && t.currency !== box.dataset.currency)) return;
      const goal = t.goal || Number(box.dataset.goal) || 0, cur = box.dataset.currency;
      const pct = goal ? Math.max(0, Math.min(100, Math.round(100 * t.raised / goal))) : 0;
      box.dataset.raised = t.raised;
      set(box, 'raised', money(t.raised, cur));
      set(box, 'goal', money(goal, cur));
      set(box, 'percent', pct);
      if (typeof t.donors === 'number') set(box, 'donors', t.donors.toLocaleString('fr-FR'));
      const bar = box.querySelector('progress');
      if (bar) { bar.value = pct; bar.textContent = pct + ' %'; }
    });
    // Home page: site-wide figures, only from a `totals` object (a sum of project totals would miss the
    // offline gifts the built numbers include), and never lower than what the build printed.
    const all = data.totals, home = document.querySelector('.totals');
    if (!all || !home) return;
    const raised = home.querySelector('[data-field="raised"]'), donors = home.querySelector('[data-field="donors"]');
    if (raised && typeof all.raised === 'number' && all.raised >= Number(raised.dataset.value || 0)) raised.textContent = money(all.raised, all.currency || 'EUR');
    if (donors && typeof all.donors === 'number' && all.donors >= Number(donors.dataset.value || 0)) donors.textContent = all.donors.toLocaleString('fr-FR');
  }).catch(() => {});
})();
