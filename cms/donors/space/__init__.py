"""The donor space, under /donate/espace/ (issue 13 §3): a donor signs in with a link sent by e-mail and,
without an account or a password, sees their gifts and receipts, manages their monthly gifts (amount, card,
pause, stop: through Stripe, the webhook records the end), edits their postal address and e-mail
preferences, exports or erases their data (RGPD).

Modules: `session` (who is signed in), `sign_in` (the link: asked, e-mailed, opened, used), `views` (the
pages of a signed-in donor), `monthly` (one monthly gift's actions), `gdpr` (export and erasure),
`urls`. Every page works without JavaScript except typing a new card (Stripe.js), which says so.
Every page is `private, no-store` and `noindex`: it shows one donor's personal data."""
