/* Vision d'Amour: the donation form, enhanced (contract: cms/donations/API.md). Plain ES2017, no build.
   form[data-donate]: JSON intent, Stripe card element, confirmCardSetup, our confirm, thank-you page.
   form[data-donate-pay]: the CMS payment page (intent already open). Without this script, forms post.
   A transfer or cheque chosen (payment_method, on the CMS form) posts as without the script: no card. */
(() => {
  'use strict';
  const exp = c => (c === 'XOF' || c === 'XAF' ? 0 : 2), SYM = {EUR: '€', USD: '$', XOF: 'FCFA', XAF: 'FCFA'};
  const money = (a, c) => (a / 10 ** exp(c)).toLocaleString('fr-FR',
    {minimumFractionDigits: a % 10 ** exp(c) ? exp(c) : 0, maximumFractionDigits: exp(c)}) + '\u00a0' + (SYM[c] || c);
  const DECLINED = 'Votre carte a été refusée. Aucun montant n’a été prélevé : essayez une autre carte.';
  const NO_STRIPE = 'Le module de paiement n’a pas pu se charger. Réessayez.';
  const NO_CARD = 'Saisissez les informations de votre carte.';
  // the offline stand-in (localstripe) renders bare inputs named by their placeholder: label them
  const CARD_INPUTS = {number: 'Numéro de carte', exp_month: 'Mois d’expiration (MM)', exp_year: 'Année d’expiration (AA)',
    cvc: 'Cryptogramme', postal_code: 'Code postal'};
  const ERR_KEY = {amount_display: 'amount', currency: 'amount', frequency: 'plan', kind: 'plan', address: 'address_line1', setup_intent: 'card'};
  let stripeJs = null;
  const loadStripe = url => stripeJs || (stripeJs = window.Stripe ? Promise.resolve() : new Promise((ok, ko) => {
    const s = document.createElement('script');
    s.src = url; s.onload = ok; s.onerror = () => { stripeJs = null; ko(new Error(NO_STRIPE)); };
    document.head.appendChild(s);
  }));
  const post = async (url, body) => {
    const r = await fetch(url, {method: 'POST', credentials: 'omit', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
    return {status: r.status, data: await r.json().catch(() => ({}))};
  };
  const el = (tag, cls, text) => Object.assign(document.createElement(tag), cls ? {className: cls} : {}, text ? {textContent: text} : {});

  function setup(form, pay) {
    const $ = s => form.querySelector(s), $$ = s => Array.from(form.querySelectorAll(s)), F = form.elements, D = form.dataset;
    const api = D.api || '', cfg = JSON.parse(D.config || '{"min":{},"max":{},"fixed":{}}');
    const status = $('[data-status]'), btn = $('[data-submit]'), slot = $('[data-card-slot]'), other = F.amount_display;
    const select = $('[data-project-select]'), receipt = $('[data-receipt]'), address = $('[data-address]');
    let intent = pay ? {client_secret: D.clientSecret, publishable_key: D.publishableKey, confirm_url: D.confirmUrl,
      thank_you_url: D.thankYouUrl, stripe_js_url: D.stripeJsUrl} : null;
    let stripe = null, key = '', card = null, cardState = null, busy = false;
    form.noValidate = true;

    const say = (msg, bad) => { status.textContent = msg; status.classList.toggle('is-error', !!bad); };
    const val = n => { const f = F[n]; return !f ? '' : f.type === 'checkbox' ? f.checked : f.value.trim(); };
    const cur = () => val('currency') || 'EUR';
    const fee = a => Math.ceil(a * (cfg.bp || 0) / 10000) + (cfg.fixed[cur()] || 0);
    const payLabel = (total, c, monthly) => 'Payer ' + money(total, c) + (monthly ? ' par mois' : '');
    const cardError = msg => say(msg, true); // right under the card, announced
    function clearErrors() {
      $$('[data-error]').forEach(e => { e.textContent = ''; });
      $$('[aria-invalid]').forEach(i => i.removeAttribute('aria-invalid'));
    }
    function showErrors(errs) { // {field: message(s)}: beside the field, or in the status line
      clearErrors();
      let first = null; const general = [];
      Object.keys(errs).forEach(k => {
        const box = $('[data-error="' + (ERR_KEY[k] || k) + '"]'), text = [].concat(errs[k]).join(' ');
        if (!box) return general.push(text);
        box.textContent = text;
        $$('[aria-describedby~="' + box.id + '"]').forEach(i => { i.setAttribute('aria-invalid', 'true'); first = first || i; });
      });
      say(general.join(' ') || 'Vérifiez les champs signalés en rouge.', true);
      if (first) first.focus();
    }
    function amount() { // minor units, or an error message
      const c = cur(), e = exp(c), lo = cfg.min[c] || 0, hi = cfg.max[c] || Infinity;
      const picked = F.amount && F.amount.value, text = picked || (other ? other.value : '');
      if (!text) return 'Choisissez ou saisissez un montant.';
      const minor = picked ? +picked : +text.replace(',', '.') * 10 ** e;
      if (!(minor > 0) || Math.abs(minor - Math.round(minor)) > 1e-6) return 'Saisissez un montant valide, par exemple ' + (e ? '25 ou 25,50.' : '5000.');
      if (minor < lo) return 'Le montant minimum est de ' + money(lo, c) + '.';
      if (minor > hi) return 'Le montant maximum en ligne est de ' + money(hi, c) + ' ; contactez-nous pour un don plus important.';
      return Math.round(minor);
    }
    function read() { // the JSON of API.md, and the client-side errors
      const errs = {}, a = amount(), plan = val('plan') || 'once', email = val('email');
      if (typeof a === 'string') errs.amount = a;
      if (!val('name')) errs.name = 'Indiquez votre nom.';
      if (!email) errs.email = 'Indiquez votre adresse e-mail.';
      else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) errs.email = 'Cette adresse e-mail n’est pas valide.';
      if (plan === 'sponsorship' && !val('project')) errs.plan = 'Choisissez le projet à parrainer.';
      const body = {project: val('project'), amount: a, currency: cur(), frequency: plan === 'once' ? 'once' : 'monthly',
        kind: plan === 'sponsorship' ? 'sponsorship' : 'gift', cover_fees: val('cover_fees'), name: val('name'), email,
        wants_receipt: val('wants_receipt'), public_wall: val('public_wall'), wall_name: val('wall_name'), project_news: val('project_news'), source: val('source')};
      if (body.wants_receipt) {
        [['address_line1', 'L’adresse'], ['address_postal_code', 'Le code postal'], ['address_city', 'La ville']].forEach(([n, l]) => {
          if (!val(n)) errs[n] = l + ' est nécessaire pour le reçu fiscal.';
        });
        body.address = {line1: val('address_line1'), postal_code: val('address_postal_code'), city: val('address_city'), country: val('address_country') || 'FR'};
        if (val('company_name') || val('company_legal_form') || val('company_siren')) // a company's gift: all three (the server checks the SIREN)
          Object.assign(body, {company_name: val('company_name'), company_legal_form: val('company_legal_form'), company_siren: val('company_siren')});
      }
      return {body, errs};
    }

    function refresh() { // fee top-up, receipt address, the button once the card shows
      const a = amount(), t = $('[data-fee-text]');
      if (t && cfg.bp && typeof a === 'number') t.textContent = 'Ajouter ' + money(fee(a), cur()) + ' pour couvrir les frais bancaires';
      if (address) address.hidden = !receipt.checked;
      if (card && !intent) btn.textContent = typeof a === 'number' ? payLabel(a + (val('cover_fees') ? fee(a) : 0), cur(), val('plan') !== 'once') : 'Je donne';
    }
    function setProject() { // the giving page: the chosen project sets currency, amounts, limits, destination
      const o = select.options[select.selectedIndex], c = o.dataset.currency || 'EUR', e = exp(c), list = JSON.parse(o.dataset.amounts || '[]');
      const proto = $('[data-other]').parentNode, sp = $('[name=plan][value=sponsorship]'), d = $('[data-destination]');
      F.currency.value = c;
      $$('[data-amount-tiles] label').forEach(l => l !== proto && l.remove());
      (list.length ? list : cfg.defaults[c].map(a => ({amount: a}))).forEach((s, i) => {
        const l = el('label', 'df-tile df-tile--amount'), r = el('input'), b = el('span', 'df-tile__box');
        Object.assign(r, {type: 'radio', name: 'amount', value: s.amount, checked: i === 1});
        r.setAttribute('aria-describedby', proto.firstChild.getAttribute('aria-describedby'));
        b.append(el('span', 'df-tile__amount', money(s.amount, c)));
        if (s.label) b.append(el('span', 'visually-hidden', ' — '), el('span', 'df-tile__impact', s.label));
        l.append(r, b); proto.before(l);
      });
      $$('[data-symbol]').forEach(s => { s.textContent = SYM[c] || c; });
      Object.assign(other, {min: cfg.min[c] / 10 ** e, max: cfg.max[c] / 10 ** e, step: e ? '0.01' : '1'});
      $('[data-limits]').textContent = 'Entre ' + money(cfg.min[c], c) + ' et ' + money(cfg.max[c], c) + '.';
      d.textContent = '100\u00a0% de votre don est affecté ' + (select.value ? 'à ce projet\u00a0: ' : 'aux projets où le besoin est le plus urgent.');
      if (select.value) d.append(el('strong', '', o.dataset.title), '.');
      if (sp) { sp.disabled = !select.value; if (sp.disabled && sp.checked) F.plan.value = 'monthly'; }
    }
    function onEdit(t) {
      if (slot.contains(t)) return;
      if (t === other && other.value) $('[data-other]').checked = true;
      else if (t.name === 'amount' && t.value) other.value = '';
      if (t === select) setProject();
      if (intent) { intent = null; say(''); } // the donation changed: the next submit opens a new one
      refresh();
    }
    if (!pay) {
      if (select) {
        const q = new URLSearchParams(location.search).get('projet');
        if (Array.from(select.options).some(o => o.value === q)) select.value = q;
        setProject();
      } else if (F.amount && !F.amount.value) {
        const rs = $$('[name=amount]'); (rs[1] || rs[0]).checked = true;
      }
      $$('[data-nojs-note]').forEach(n => { n.hidden = true; });
      form.addEventListener('input', ev => onEdit(ev.target));
      form.addEventListener('change', ev => onEdit(ev.target));
      refresh();
    }

    async function mountCard() {
      await loadStripe(intent.stripe_js_url);
      if (key !== intent.publishable_key) stripe = window.Stripe(key = intent.publishable_key, {locale: 'fr'});
      if (card) return;
      const mount = $('[data-card-mount]');
      card = stripe.elements().create('card', {hidePostalCode: true, style: {base: {fontSize: '17px', color: '#1E1B18'}}});
      card.mount(mount);
      card.on('change', e => { cardState = e || {}; $('[data-error=card]').textContent = e && e.error ? e.error.message : ''; });
      mount.querySelectorAll('input').forEach(i => i.getAttribute('aria-label') || i.setAttribute('aria-label', CARD_INPUTS[i.placeholder] || i.placeholder));
      slot.hidden = false;
      btn.disabled = false; // rendered disabled: without this script the card cannot be typed
    }
    function fail(r) {
      const errs = r.data.errors;
      if (r.status === 429) say('Trop de tentatives de paiement. Réessayez dans quelques minutes.', true);
      else if (r.status === 400 && errs) showErrors(errs);
      else say((errs && errs.__all__ && errs.__all__.join(' ')) || 'Le don n’a pas pu être enregistré. Réessayez dans quelques instants.', true);
    }
    async function charge(name, email) {
      say('Paiement en cours, ne fermez pas la page…');
      const res = await stripe.confirmCardSetup(intent.client_secret,
        {payment_method: {card, billing_details: Object.assign({}, name && {name}, email && {email})}});
      if (res.error) return cardError(res.error.code === 'card_declined' ? DECLINED : res.error.message || DECLINED);
      const url = /^https?:/.test(intent.confirm_url) ? intent.confirm_url : api + intent.confirm_url, seti = {setup_intent: res.setupIntent.id};
      let r = await post(url, seti);
      for (let i = 0; r.status === 200 && r.data.status === 'requires_action' && i < 3; i++) { // 3-D Secure
        const cs = r.data.client_secret, a = await (stripe.handleCardAction ? stripe.handleCardAction(cs) : stripe.confirmCardPayment(cs));
        if (a.error) return cardError(a.error.message || DECLINED);
        r = await post(url, seti);
      }
      if (r.status === 200 && r.data.status === 'succeeded') {
        say('Merci\u00a0! Votre don est accepté.');
        return location.assign((pay && intent.thank_you_url) || r.data.thank_you_url || intent.thank_you_url);
      }
      if (!pay) intent = null; // this card setup is spent: the next try opens a new donation
      if (r.status === 200) cardError(r.data.message || DECLINED); else fail(r);
    }

    form.addEventListener('submit', async ev => {
      const method = F.payment_method && F.payment_method.value;
      if (!pay && method && method !== 'card') return; // transfer, cheque: the server's page (offline.py)
      ev.preventDefault();
      if (busy) return;
      busy = true; form.setAttribute('aria-busy', 'true');
      try {
        let who = [D.name, D.email];
        if (!pay) {
          const {body, errs} = read();
          if (Object.keys(errs).length) return showErrors(errs);
          clearErrors(); who = [body.name, body.email];
          if (!intent) {
            say('Un instant…');
            const r = await post(D.intentsUrl, body); // the build's address (donation_form.html)
            if (r.status !== 201) return fail(r);
            intent = r.data;
            await mountCard();
            btn.textContent = payLabel(intent.total, intent.currency, intent.frequency === 'monthly');
            if (!cardState) {
              say('Dernière étape : saisissez votre carte bancaire, puis «\u00a0' + btn.textContent + '\u00a0».');
              return ($('[data-card-mount] input') || slot).focus();
            }
          }
        }
        if (!card) await mountCard();
        if (cardState) await charge(...who); else say(NO_CARD, true);
      } catch (e) {
        say(e.message === NO_STRIPE ? NO_STRIPE : 'Connexion impossible. Vérifiez votre connexion et réessayez : rien n’a été prélevé.', true);
      } finally {
        busy = false; form.removeAttribute('aria-busy');
      }
    });
    if (pay) mountCard().catch(() => say(NO_STRIPE, true));
  }

  document.querySelectorAll('form[data-donate]').forEach(f => setup(f, false));
  document.querySelectorAll('form[data-donate-pay]').forEach(f => setup(f, true));
})();
