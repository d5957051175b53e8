/* The donor space's new card (donors/space/card.html): Stripe.js's card element and confirmCardSetup, as the
   giving form does (themes/vision/static/js/donate.js); then the form posts the confirmed SetupIntent's id
   to the CMS, which makes its card the monthly gift's. No inline script (CSP). */
(function () {
  'use strict';
  const form = document.querySelector('form[data-card-update]');
  if (!form || !window.Stripe) return;
  const D = form.dataset, status = form.querySelector('[data-status]'), btn = form.querySelector('[data-submit]');
  const stripe = window.Stripe(D.publishableKey, {locale: 'fr'});
  const card = stripe.elements().create('card', {hidePostalCode: true, style: {base: {fontSize: '17px', color: '#1E1B18'}}});
  card.mount(form.querySelector('[data-card-mount]'));
  btn.disabled = false;
  let busy = false;
  form.addEventListener('submit', async function (e) {
    e.preventDefault();
    if (busy) return;
    busy = true; btn.disabled = true;
    status.className = 'df-status'; status.textContent = 'Vérification de la carte…';
    let res;
    try {
      res = await stripe.confirmCardSetup(D.clientSecret, {payment_method: {card: card}});
    } catch (err) {
      res = {error: {message: 'Le service de paiement ne répond pas. Réessayez dans quelques minutes.'}};
    }
    if (res.error) {
      status.className = 'df-status is-error';
      status.textContent = res.error.message || 'La carte a été refusée.';
      busy = false; btn.disabled = false;
      return;
    }
    form.elements.setup_intent.value = res.setupIntent.id;
    form.submit();
  });
})();
