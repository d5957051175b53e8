/* Vision d'Amour: the thank-you page (site.urls.thank_you + ?don=<id>). Says what the donor gave, as the CMS
   has it (GET /donate/api/donations/<id>/: amount, project, once or monthly, reference; no personal data), and the
   project's total read fresh (cache: no-cache), which includes the gift once the API says `counted`.
   Nothing is claimed that the answers do not say; any failure leaves the page's generic text.
   Addresses come from the page (data-donations-url, data-totals-url: the build's), none is written here. */
(() => {
  'use strict';
  const me = document.currentScript, root = document.querySelector('[data-thanks]');
  const id = new URLSearchParams(location.search).get('don') || '';
  const donations = me && me.dataset.donationsUrl;
  if (!donations || !root || !window.fetch || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return;
  const totalsUrl = me.dataset.totalsUrl;
  const SYM = {EUR: '€', USD: '$', XOF: 'FCFA', XAF: 'FCFA'};
  const money = (a, c) => {
    const e = c === 'XOF' || c === 'XAF' ? 0 : 2;
    return (a / 10 ** e).toLocaleString('fr-FR', {minimumFractionDigits: a % 10 ** e ? e : 0, maximumFractionDigits: e}) + '\u00a0' + (SYM[c] || c);
  };
  const $ = s => root.querySelector(s), field = f => $('[data-gift-field="' + f + '"]');
  const get = url => fetch(url, {credentials: 'omit', cache: 'no-cache'}).then(r => (r.ok ? r.json() : null));

  get(donations + encodeURIComponent(id) + '/').then(g => {
    if (!g || typeof g.amount !== 'number') return;
    const monthly = g.frequency === 'monthly', c = g.currency, amount = money(g.amount, c);
    const what = (g.kind === 'sponsorship' ? 'parrainage' : 'don') + (monthly ? ' mensuel' : '');
    const where = g.project ? ' pour «\u00a0' + g.project.title + '\u00a0»' : ' pour les projets où le besoin est le plus urgent';
    const by = g.payment_method === 'cheque' ? 'chèque' : 'virement';
    const lead = {
      succeeded: 'Votre ' + what + ' de ' + amount + where + ', en une fois, est bien arrivé. Merci de tout cœur\u00a0!',
      active: 'Votre ' + what + ' de ' + amount + where + ' est en place, prélevé chaque mois. Merci de tout cœur\u00a0!',
      pending: 'Votre paiement de ' + amount + where + ' est en cours de validation par votre banque\u00a0: il comptera dès qu’elle l’aura accepté.',
      pledged: 'Votre ' + what + ' de ' + amount + where + ' est promis\u00a0: il comptera dès que nous recevrons votre ' + by + '.',
      failed: 'Ce paiement n’a pas abouti\u00a0: rien n’a été prélevé.',
      canceled: 'Ce don mensuel ne court plus\u00a0: aucun nouveau prélèvement n’aura lieu.',
    }[g.status];
    if (!lead) return;
    $('[data-gift-lead]').textContent = lead;
    field('amount').textContent = money(g.total, c) + (monthly ? ' par mois' : '');
    if (g.project) {
      const a = document.createElement('a');
      a.href = g.project.url; a.textContent = g.project.title;
      field('project').replaceChildren(a);
    } else field('project').textContent = 'Là où le besoin est le plus grand';
    field('frequency').textContent = monthly ? 'Mensuel, prélevé chaque mois' : 'Une fois';
    field('reference').textContent = g.reference;
    $('[data-gift]').hidden = false;
    if (!g.counted) return;
    const total = $('[data-gift-total]');
    total.textContent = 'Votre don figure déjà dans le total ' + (g.project ? 'du projet.' : 'de l’association.');
    total.hidden = false;
    if (!g.project || !totalsUrl) return;
    get(totalsUrl).then(t => {
      const p = t && t.projects && t.projects[g.project.slug];
      if (p && typeof p.raised === 'number' && p.currency === c) {
        total.textContent = 'Votre don figure déjà dans le total du projet\u00a0: ' + money(p.raised, c) + ' collectés à ce jour.';
        total.dataset.raised = p.raised;
      }
    }).catch(() => {});
  }).catch(() => {});
})();
