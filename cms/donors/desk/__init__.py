"""The staff's donor desk in the Wagtail admin (issue 13 §4).

- `viewsets.py`: the "Donateurs" menu (Donors and Donations listings, a donor's page, a gift's page);
- `search.py`: one search box for a name, an e-mail, a gift reference, a Stripe id or a receipt number;
- `forms.py` + `actions.py`: refund, cancel a monthly gift, resend a receipt, record an offline gift, match
  a pledge to the money received, fix a gift's name and address. Each is a POST with CSRF, confirmed on a
  second page, answered with a French message and logged with who did it (Wagtail's log entries);
- `permissions.py`: what each view needs (the "Dons" group, donations migration 0006, holds it all).

Nothing here writes money to the ledger by itself except the offline paths, which go through
`cms.donations.ledger.record_payment` like a webhook: Stripe refunds and cancellations are recorded when
Stripe's webhook arrives, so the books have one way in for each kind of movement.
"""
