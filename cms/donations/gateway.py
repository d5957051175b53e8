"""The one way this project talks to Stripe: a configured `StripeClient` (the SDK's own style).

`STRIPE_API_BASE` points the SDK at localstripe in the demo and tests; unset, it talks to Stripe. The
same calls serve both: SetupIntent confirmed by the browser, then the server creates and confirms the
PaymentIntent, or a Subscription on a one-minor-unit Plan whose quantity is the amount.

Two defaults of the SDK are wrong for a donation form, so the client sets them:
- its network timeout is 80 s, tried three times: a Stripe that hangs held a donor (and a worker thread)
  for four minutes. Here each try waits `STRIPE_TIMEOUT_SECONDS` (10 s) and a failed try is retried
  `STRIPE_MAX_NETWORK_RETRIES` times (1): a hanging Stripe answers the donor in about 21 s at worst,
  with a French message, and the idempotency keys make the retry safe.
- its logger (and the `STRIPE_LOG` environment variable) prints request and response bodies at DEBUG:
  donors' names, e-mails and the SetupIntent client secret. LOGGING caps the `stripe` logger at WARNING
  and `client()` switches the console printing off, whatever the environment says.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import time

import stripe
import stripe._util as stripe_util
from django.conf import settings

# Seconds spent waiting for Stripe in the current request (reported in Server-Timing).
stripe_seconds: contextvars.ContextVar[float] = contextvars.ContextVar("stripe_seconds", default=0.0)


@contextlib.contextmanager
def timed():
    start = time.perf_counter()
    try:
        yield
    finally:
        stripe_seconds.set(stripe_seconds.get() + time.perf_counter() - start)

PLAN_ID = "vda-monthly-{currency}"


@functools.lru_cache(maxsize=4)
def _client(api_key: str, api_base: str, timeout: float, retries: int) -> stripe.StripeClient:
    base = {"api": api_base} if api_base else None
    return stripe.StripeClient(api_key, base_addresses=base, max_network_retries=retries,
                               http_client=stripe.RequestsClient(timeout=timeout))


def _no_console_log() -> None:
    """The SDK prints every request body to stderr when `STRIPE_LOG` (read once, at import) or `stripe.log`
    says "debug" or "info", bypassing LOGGING: donors' names and e-mails would reach the logs. Reset at
    every call, so neither the environment nor a later assignment can switch it back on."""
    stripe.log = None
    stripe_util.STRIPE_LOG = None  # the module global the SDK reads (stripe/_util.py)


def client() -> stripe.StripeClient:
    _no_console_log()
    return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE or "",
                   float(getattr(settings, "STRIPE_TIMEOUT_SECONDS", 10)),
                   int(getattr(settings, "STRIPE_MAX_NETWORK_RETRIES", 1)))


def stripe_js_url() -> str:
    if settings.STRIPE_API_BASE:
        return settings.STRIPE_API_BASE.rstrip("/") + "/js.stripe.com/v3/"
    return "https://js.stripe.com/v3/"


def _opts(key: str) -> dict:
    return {"idempotency_key": key}


def create_setup_intent(donation) -> dict:
    """A Customer for this donation and a SetupIntent the browser confirms with the card."""
    c = client()
    with timed():
        customer = c.v1.customers.create(
            {"email": donation.donor.email, "name": donation.donor.name,
             "metadata": {"donation": str(donation.id)}},
            _opts(f"customer-{donation.id}"))
        setup = c.v1.setup_intents.create(
            {"customer": customer.id, "usage": "off_session", "payment_method_types": ["card"],
             "metadata": metadata(donation)},
            _opts(f"setup-{donation.id}"))
    return {"customer": customer.id, "setup_intent": setup.id, "client_secret": setup.client_secret}


def metadata(donation) -> dict:
    return {"donation": str(donation.id), "project": donation.project_slug, "kind": donation.kind,
            "frequency": donation.frequency, "amount": str(donation.amount), "fee": str(donation.fee)}


def retrieve_setup_intent(setup_intent_id: str):
    return client().v1.setup_intents.retrieve(setup_intent_id)


def charge_once(donation, payment_method: str):
    return client().v1.payment_intents.create(
        {"amount": donation.total, "currency": donation.currency.lower(), "customer": donation.stripe_customer,
         "payment_method": payment_method, "confirm": True, "metadata": metadata(donation)},
        _opts(f"pay-{donation.id}"))


def retrieve_payment_intent(payment_intent_id: str):
    return client().v1.payment_intents.retrieve(payment_intent_id)


def confirm_payment_intent(payment_intent_id: str):
    return client().v1.payment_intents.confirm(payment_intent_id)


def ensure_plan(currency: str) -> str:
    """One Plan per currency, one minor unit a month: any amount is a quantity (no Product per amount)."""
    c = client()
    plan_id = PLAN_ID.format(currency=currency.lower())
    try:
        c.v1.plans.retrieve(plan_id)
    except stripe.InvalidRequestError:
        c.v1.plans.create({"id": plan_id, "amount": 1, "currency": currency.lower(), "interval": "month",
                           "product": {"name": f"Don mensuel ({currency})"}}, _opts(f"plan-{plan_id}"))
    return plan_id


def subscribe(donation, payment_method: str):
    c = client()
    pm = c.v1.payment_methods.retrieve(payment_method)
    if getattr(pm, "customer", None) != donation.stripe_customer:
        c.v1.payment_methods.attach(payment_method, {"customer": donation.stripe_customer})
    c.v1.customers.update(donation.stripe_customer,
                          {"invoice_settings": {"default_payment_method": payment_method}})
    return c.v1.subscriptions.create(
        {"customer": donation.stripe_customer,
         "items": [{"plan": ensure_plan(donation.currency), "quantity": donation.total}],
         "metadata": metadata(donation)},
        _opts(f"subscribe-{donation.id}"))


def cancel_subscription(subscription_id: str):
    return client().v1.subscriptions.cancel(subscription_id)


def refund(*, stripe_object: str, stripe_charge: str = "", amount: int, key: str):
    """Give back `amount` minor units of one ledger payment (`pi_…` one-off gift, or `in_…` monthly payment)
    at Stripe; the ledger records it when Stripe's `charge.refunded` arrives (webhooks.py), never here.
    `key`: the idempotency key (the staff's form carries one, so a double click refunds once). The charge
    is used when the ledger has it; a monthly payment without one is looked up through its invoice."""
    c = client()
    params: dict = {"amount": int(amount)}
    if stripe_charge.startswith("ch_"):
        params["charge"] = stripe_charge
    elif stripe_object.startswith("pi_"):
        params["payment_intent"] = stripe_object
    elif stripe_object.startswith("in_"):
        invoice = c.v1.invoices.retrieve(stripe_object).to_dict()
        charge = invoice.get("charge")
        charge = charge.get("id") if isinstance(charge, dict) else charge
        if charge:
            params["charge"] = charge
        elif invoice.get("payment_intent"):
            params["payment_intent"] = invoice["payment_intent"]
        else:
            raise ValueError(f"invoice {stripe_object} has no charge to refund")
    else:
        raise ValueError(f"{stripe_object} is not a Stripe payment")
    with timed():
        return c.v1.refunds.create(params, _opts(key))


def refunded_at_stripe(stripe_charge: str) -> int | None:
    """What Stripe has refunded so far on a charge (minor units), refunds the webhook has not brought yet
    included; None without a charge id."""
    if not stripe_charge.startswith("ch_"):
        return None
    with timed():
        charge = client().v1.charges.retrieve(stripe_charge).to_dict()
    value = charge.get("amount_refunded")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --- the donor space manages a monthly gift (cms/donors/space/monthly.py) ---------------------------------
# No idempotency key of ours on these updates: the same request may rightly be made twice a day (30 -> 20 ->
# 30 €), and a repeated key would answer the first one's cached result instead. The SDK adds its own key
# to its retries of a POST, so a network retry is still applied once.

def retrieve_subscription(subscription_id: str):
    return client().v1.subscriptions.retrieve(subscription_id)


def change_subscription_amount(subscription_id: str, quantity: int, metadata: dict):
    """The monthly amount is the quantity of the one-minor-unit Plan. No proration: the new amount applies
    from the next monthly payment, never as an extra charge or credit for the current month."""
    c = client()
    with timed():
        subscription = c.v1.subscriptions.retrieve(subscription_id)
        item = subscription["items"]["data"][0]["id"]
        return c.v1.subscriptions.update(subscription_id, {"items": [{"id": item, "quantity": quantity}],
                                                           "proration_behavior": "none", "metadata": metadata})


def pause_subscription(subscription_id: str):
    """Stripe's `pause_collection` (behavior "void"): no invoice is charged until resumed."""
    with timed():
        return client().v1.subscriptions.update(subscription_id, {"pause_collection": {"behavior": "void"}})


def resume_subscription(subscription_id: str):
    """An empty `pause_collection` unsets it: the next monthly payment is charged again."""
    with timed():
        return client().v1.subscriptions.update(subscription_id, {"pause_collection": ""})


def create_card_setup(customer: str, donation_id: str) -> dict:
    """A SetupIntent for a new card for this monthly gift, confirmed in the page by Stripe.js."""
    with timed():
        setup = client().v1.setup_intents.create(
            {"customer": customer, "usage": "off_session", "payment_method_types": ["card"],
             "metadata": {"donation": donation_id, "purpose": "card_update"}})
    return {"setup_intent": setup.id, "client_secret": setup.client_secret}


def use_card_for_subscription(subscription_id: str, customer: str, payment_method: str):
    """The card of a confirmed SetupIntent becomes the subscription's default payment method (and the
    customer's, which Stripe falls back to), attached to the customer first if it is not yet."""
    c = client()
    with timed():
        pm = c.v1.payment_methods.retrieve(payment_method)
        if getattr(pm, "customer", None) != customer:
            c.v1.payment_methods.attach(payment_method, {"customer": customer})
        c.v1.customers.update(customer, {"invoice_settings": {"default_payment_method": payment_method}})
        return c.v1.subscriptions.update(subscription_id, {"default_payment_method": payment_method})


def redact_customer(customer: str):
    """RGPD erasure: the Stripe Customer keeps no name or e-mail (its payments stay, for the books)."""
    with timed():
        return client().v1.customers.update(customer, {"name": "", "email": ""})


def retrieve_payment_method(payment_method: str):
    return client().v1.payment_methods.retrieve(payment_method)


def retrieve_invoice(invoice_id: str):
    return client().v1.invoices.retrieve(invoice_id)


def retrieve_charge(charge_id: str):
    return client().v1.charges.retrieve(charge_id)


# --- listings (reconcile_stripe) ------------------------------------------------------------------------

def _created_since(service, since_ts: int):
    """Every object of one listing created at or after `since_ts`, as plain dicts, newest first.

    The date filter is always sent and never dropped: a listing that fails raises the SDK's StripeError
    for the caller to report, because falling back to an unfiltered list would, against real Stripe, page
    through every object the account ever had. (localstripe refuses `created` on its lists; the tests put
    a small adapter in front of it, tests/test_reconcile.py, so this path stays the production one.)"""
    for obj in service.list({"limit": 100, "created": {"gte": since_ts}}).auto_paging_iter():
        yield obj.to_dict()


def payment_intents_since(since_ts: int):
    return _created_since(client().v1.payment_intents, since_ts)


def invoices_since(since_ts: int):
    return _created_since(client().v1.invoices, since_ts)


def refunds_since(since_ts: int):
    return _created_since(client().v1.refunds, since_ts)


# --- webhooks -------------------------------------------------------------------------------------------

class UnreadableEvent(ValueError):
    """Signed, but not a JSON object the SDK can read as an event (not JSON, too deep, a list…)."""


def webhook_event(payload: bytes, sig_header: str) -> dict:
    """The event Stripe signed, as plain JSON (what webhooks.process reads), checked the SDK's own way:
    `stripe.WebhookSignature.verify_header` (what `StripeClient.construct_event` runs first) verifies the
    `Stripe-Signature` header (secret, `STRIPE_WEBHOOK_TOLERANCE`) before the body is parsed. Raises
    `stripe.SignatureVerificationError` (unsigned, forged, stale) or `UnreadableEvent`; no request is made to
    Stripe, so no API key is needed for it.

    The body is then read with `json.loads`, not turned into the SDK's `Event`: the handlers read plain
    dicts, and building an `Event` only to convert it back with `to_dict()` cost about half a millisecond of
    every delivery (a quarter of what the bare endpoint spends on one) for the same values."""
    try:
        stripe.WebhookSignature.verify_header(payload, sig_header, settings.STRIPE_WEBHOOK_SECRET,
                                              settings.STRIPE_WEBHOOK_TOLERANCE)
        event = json.loads(payload)
    except stripe.SignatureVerificationError:
        raise
    # A body that is not UTF-8 (UnicodeDecodeError, raised by verify_header, which decodes it first),
    # json.loads' own errors, and RecursionError for deep nesting.
    except (ValueError, RecursionError):
        raise UnreadableEvent("not JSON") from None
    if not isinstance(event, dict):
        raise UnreadableEvent("not an object")
    if event.get("object") == "v2.core.event":  # a thin event notification: the SDK refuses those here too
        raise UnreadableEvent("thin event")
    return event
