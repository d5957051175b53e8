"""The one way this project talks to Stripe: a configured `StripeClient` (the SDK's own style).

`STRIPE_API_BASE` points the SDK at localstripe in the demo and tests; unset, it talks to Stripe. The
same calls serve both: SetupIntent confirmed by the browser, then the server creates and confirms the
PaymentIntent, or a Subscription on a one-minor-unit Plan whose quantity is the amount.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import time

import stripe
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
def _client(api_key: str, api_base: str) -> stripe.StripeClient:
    base = {"api": api_base} if api_base else None
    return stripe.StripeClient(api_key, base_addresses=base, max_network_retries=2)


def client() -> stripe.StripeClient:
    return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE or "")


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
