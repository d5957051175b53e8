"""Hypothesis strategies for the donation endpoint (tests/test_donations_fuzz.py, bench/fuzz.py).

What an attacker (or a broken client) can send: JSON of every type where a field belongs, the values
that broke us before (Decimal's "sNaN" and "1e999999", NUL, lone surrogates, "ß" that grows when
upper-cased, over-long e-mails), raw bytes and odd content types, form posts with repeated fields, and
Stripe events, validly signed, of every type we handle with data.object contents from plausible to absurd.
Each strategy starts from a valid request and breaks a few parts of it, so the inputs reach deep code (the
form's clean(), the ledger) rather than stopping at the first check.
"""

from __future__ import annotations

import functools
import json
import time

from hypothesis import strategies as st

# --- values ---------------------------------------------------------------------------------------------

NASTY_TEXT = ["", " ", "sNaN", "NaN", "-NaN", "inf", "-inf", "Infinity", "1e999999", "-0", "0", "0,00", "1_000",
              "٣٠", "25.5.5", "+25", "25e2", "€", "25 €", "1\u202f000", "\x00", "a\x00b", "\ud800", "x\udfffy",
              "ß", "ßß", "İ", "\u202e", "<script>alert(1)</script>", "'; DROP TABLE donations_donor; --",
              "../../etc/passwd", "%00", "\r\n", "a" * 255, "a" * 321, "é" * 200, "🙂" * 70, "null", "true", "[]",
              "{}", "puits", "PUITS", "once", "monthly", "gift", "sponsorship", "EUR", "eur", "XOF", "on", "off"]
LONG_EMAILS = ["a" * 64 + "@" + ".".join(["b" * 60] * 3) + ".example.org",  # 259
               "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".org",  # 309
               "a@" + "İ" * 10 + ".example.org", "a" * 65 + "@example.org", "awa@example.org", "AWA@Example.ORG",
               " awa@example.org ", "awa@", "@example.org", "awa@@example.org", "awa@exa mple.org"]

texts = st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=40),
                  st.text(alphabet=st.characters(codec="utf-8"), min_size=100, max_size=400))
numbers = st.one_of(st.integers(min_value=-10, max_value=10), st.integers(min_value=400, max_value=1_100_000),
                    st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
                    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([2 ** 63, 2 ** 64, -2 ** 63]))
json_scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=10)
amount_texts = st.one_of(st.sampled_from(NASTY_TEXT),
                         st.from_regex(r"[-+]?[0-9]{0,12}([.,][0-9]{0,4})?([eE][-+]?[0-9]{1,9})?( ?€)?",
                                       fullmatch=True))
emails = st.one_of(st.emails(), st.sampled_from(LONG_EMAILS), texts)

# --- the JSON API -----------------------------------------------------------------------------------------

INTENT_KEYS = ["project", "amount", "amount_display", "currency", "frequency", "kind", "plan", "cover_fees",
               "name", "email", "wants_receipt", "address", "public_wall", "wall_name", "project_news", "source",
               "total", "fee"]
ADDRESS_KEYS = ["line1", "postal_code", "city", "country"]


def valid_intent() -> dict:
    return {"project": "puits", "amount": 2500, "currency": "EUR", "frequency": "once", "kind": "gift",
            "cover_fees": False, "name": "Awa Diallo", "email": "awa@example.org", "wants_receipt": True,
            "address": {"line1": "3 rue des Lilas", "postal_code": "75011", "city": "Paris", "country": "FR"},
            "public_wall": False, "source": "project-page"}


def _field_value(key: str):
    """Plausible-but-wrong values for a known field, as well as anything at all."""
    specific = {"amount": numbers, "amount_display": amount_texts, "email": emails,
                "address": st.one_of(st.fixed_dictionaries({}, optional={k: json_values | texts
                                                                        for k in ADDRESS_KEYS}), json_values),
                "project": st.sampled_from(["puits", "", "inconnu", "PUITS", "a" * 300, "puits\x00"]) | texts}
    return st.one_of(specific.get(key, texts), json_values)


@st.composite
def intent_payloads(draw) -> dict:
    payload = valid_intent()
    for key in draw(st.lists(st.sampled_from(INTENT_KEYS), max_size=4, unique=True)):
        payload[key] = draw(_field_value(key))
    for key in draw(st.lists(st.sampled_from(INTENT_KEYS), max_size=2, unique=True)):
        payload.pop(key, None)
    payload.update(draw(st.dictionaries(st.text(max_size=12), json_values, max_size=2)))
    return payload


CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "application/json; charset=utf-16",
                 "application/json; charset=bogus", "text/plain", "application/x-www-form-urlencoded",
                 "multipart/form-data; boundary=xyz", "application/xml", ""]


def _json_bytes(value) -> bytes:
    return json.dumps(value).encode()


raw_bodies = st.one_of(
    st.binary(max_size=600),
    json_values.map(_json_bytes),
    st.integers(min_value=1, max_value=40_000).map(lambda n: b"[" * n),
    st.integers(min_value=1, max_value=40_000).map(lambda n: b'{"a":' * n),
    st.sampled_from([b"", b"{", b"NaN", b'{"amount": NaN}', b'{"amount": -Infinity}', b"\xef\xbb\xbf{}",
                     b'{"email": "\\ud800@x.org"}', b"\x00" * 10, b'{"a": 1e999999}', b"9" * 5000,
                     b"{" + b'"k": 1,' * 3000 + b'"k": 2}']),
    intent_payloads().map(_json_bytes),
)


@st.composite
def confirm_bodies(draw, setup_intent_ids: list[str]):
    choice = draw(st.integers(min_value=0, max_value=2))
    if choice == 0:
        return _json_bytes({"setup_intent": draw(st.sampled_from(setup_intent_ids) | json_values),
                            **draw(st.dictionaries(st.text(max_size=12), json_values, max_size=2))})
    if choice == 1:
        return _json_bytes(draw(json_values))
    return draw(raw_bodies)


# --- the no-JavaScript payment page -----------------------------------------------------------------------

FORM_KEYS = ["project", "amount", "amount_display", "currency", "plan", "frequency", "kind", "cover_fees", "name",
             "email", "wants_receipt", "address_line1", "address_postal_code", "address_city", "address_country",
             "public_wall", "source"]
form_text = st.one_of(texts, amount_texts, emails, st.integers().map(str))


def valid_form() -> dict:
    return {"project": "puits", "amount": "2500", "plan": "once", "name": "Awa Diallo", "email": "awa@example.org",
            "wants_receipt": "on", "address_line1": "3 rue des Lilas", "address_postal_code": "75011",
            "address_city": "Paris", "address_country": "FR", "source": "cms-pay-page"}


def _form_safe(text: str) -> str:
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")  # what a browser can send


@st.composite
def form_posts(draw) -> dict:
    """A form post: field -> one value, or a list (a field repeated in the body)."""
    data = valid_form()
    for key in draw(st.lists(st.sampled_from(FORM_KEYS), max_size=4, unique=True)):
        value = draw(st.one_of(form_text, st.lists(form_text, min_size=2, max_size=3)))
        data[key] = [_form_safe(v) for v in value] if isinstance(value, list) else _form_safe(value)
    for key in draw(st.lists(st.sampled_from(FORM_KEYS), max_size=2, unique=True)):
        data.pop(key, None)
    data.update({_form_safe(k): _form_safe(v) for k, v in draw(st.dictionaries(texts, texts, max_size=2)).items()})
    return data


query_strings = st.dictionaries(st.sampled_from(FORM_KEYS + ["callback", "format", "_"]) | texts,
                                form_text, max_size=4).map(
    lambda d: {_form_safe(k): _form_safe(v) for k, v in d.items()})

# --- Stripe events ------------------------------------------------------------------------------------------

HANDLED = ["payment_intent.succeeded", "payment_intent.payment_failed", "invoice.payment_succeeded", "invoice.paid",
           "invoice.payment_failed", "customer.subscription.deleted", "charge.refunded"]
# Known to the fixture of the fuzz test: a recorded payment pi_fuzz (charge ch_fuzz, 5000) and a monthly
# donation on sub_fuzz, so generated refunds and invoices reach the ledger, not only the first check.
KNOWN_IDS = ["pi_fuzz", "ch_fuzz", "sub_fuzz", "in_fuzz", "cus_fuzz"]
good_ids = st.one_of(st.sampled_from(KNOWN_IDS), st.from_regex(r"(pi|ch|re|in|sub|cus)_[a-zA-Z0-9]{1,24}",
                                                               fullmatch=True))
bad_ids = st.one_of(st.text(max_size=70), st.just("x" * 65), st.just("pi_\x00"), st.just("pi_\ud800"), json_values)
bad_amounts = st.one_of(st.integers(max_value=-1), st.integers(min_value=10 ** 12), st.floats(), st.booleans(),
                        st.text(max_size=8), json_values)
# Anything at all, for the fields an event breaks.
garbage = st.one_of(bad_ids, bad_amounts, json_values, texts)


def _metadata():
    return st.fixed_dictionaries({}, optional={
        "project": st.sampled_from(["puits", "", "inconnu", "pas un slug", "a" * 300]),
        "donation": st.uuids().map(str) | st.sampled_from(["", "not-a-uuid"]),
        "kind": st.sampled_from(["gift", "sponsorship", "k" * 20]),
        "frequency": st.sampled_from(["once", "monthly", "weekly"]),
        "fee": st.integers(min_value=-10, max_value=10_000).map(str) | st.sampled_from(["", "abc", "1e3"])})


@functools.lru_cache(maxsize=1)
def _valid_objects():
    """Each handled type's data.object, shaped as Stripe sends it, with generated contents."""
    now = int(time.time())
    created = st.integers(min_value=now - 10 ** 8, max_value=now)
    amount = st.integers(min_value=0, max_value=12_000)
    currency = st.sampled_from(["eur", "EUR", "xof", "usd"])
    refund = st.fixed_dictionaries({"id": good_ids, "amount": amount}, optional={
        "status": st.sampled_from(["succeeded", "pending", "failed", "canceled"]), "created": created})
    return {
        "payment_intent": st.fixed_dictionaries({"id": good_ids, "amount": amount, "currency": currency}, optional={
            "created": created, "metadata": _metadata(), "customer": good_ids, "latest_charge": good_ids,
            "invoice": st.none() | good_ids, "status": st.sampled_from(["succeeded", "requires_payment_method"]),
            "last_payment_error": st.fixed_dictionaries({"message": texts})}),
        "invoice": st.fixed_dictionaries({"id": good_ids, "amount_paid": amount, "currency": currency}, optional={
            "created": created, "customer": good_ids, "subscription": good_ids, "charge": good_ids,
            "parent": st.fixed_dictionaries({"subscription_details": st.fixed_dictionaries(
                {}, optional={"subscription": good_ids, "metadata": _metadata()})}),
            "lines": st.fixed_dictionaries({"data": st.lists(st.fixed_dictionaries(
                {}, optional={"metadata": _metadata()}), max_size=3)})}),
        "subscription": st.fixed_dictionaries({"id": good_ids}, optional={"status": texts}),
        "charge": st.fixed_dictionaries({"id": good_ids}, optional={
            "amount": amount, "amount_refunded": amount, "payment_intent": good_ids, "invoice": good_ids,
            "created": created, "refunds": st.fixed_dictionaries({"data": st.lists(refund, max_size=3)})}),
    }


@st.composite
def stripe_objects(draw, kind: str) -> dict:
    """A valid object of that kind with up to three of its values (nested ones included) broken."""
    obj = draw(_valid_objects()[kind])
    for _ in range(draw(st.sampled_from([0, 0, 0, 0, 1, 1, 2, 3]))):  # half of them intact
        target = obj
        path = [k for k in target]
        if not path:
            break
        key = draw(st.sampled_from(path))
        # one level down sometimes: metadata values, a refund's amount...
        inner = target[key]
        if isinstance(inner, dict) and inner and draw(st.booleans()):
            target, key = inner, draw(st.sampled_from(list(inner)))
        elif isinstance(inner, list) and inner and isinstance(inner[0], dict) and inner[0] and draw(st.booleans()):
            target, key = inner[0], draw(st.sampled_from(list(inner[0])))
        if draw(st.integers(0, 4)) == 0:
            target.pop(key)
        else:
            target[key] = draw(garbage)
    return obj


OBJECT_FOR = {"payment_intent.succeeded": "payment_intent", "payment_intent.payment_failed": "payment_intent",
              "invoice.payment_succeeded": "invoice", "invoice.paid": "invoice", "invoice.payment_failed": "invoice",
              "customer.subscription.deleted": "subscription", "charge.refunded": "charge"}


@st.composite
def stripe_events(draw) -> bytes:
    """The JSON of an event of a handled type: most shaped like Stripe's with generated, partly broken
    contents; some broken at the top (type, id, data), some absurd (any JSON as data.object, deep nesting)."""
    kind = draw(st.sampled_from(HANDLED))
    # Rare cases are picked by a middle value: Hypothesis draws a range's ends (0 first) far more often.
    obj = draw(json_values) if draw(st.integers(0, 9)) == 5 else draw(stripe_objects(OBJECT_FOR[kind]))
    event = {"id": draw(st.from_regex(r"evt_[a-z0-9]{20}", fullmatch=True)), "object": "event", "type": kind,
             "created": int(time.time()), "api_version": "2017-08-15", "data": {"object": obj}}
    broken = draw(st.integers(0, 19))
    if broken == 11:
        event["type"] = draw(json_values | texts)
    elif broken == 12:
        event["id"] = draw(bad_ids)
    elif broken == 13:
        event["data"] = draw(json_values)
    elif broken == 14:
        event.pop(draw(st.sampled_from(["id", "type", "data"])))
    body = json.dumps(event).encode()
    if draw(st.integers(0, 19)) == 9:
        body = b'{"id": "evt_deep", "type": "charge.refunded", "data": {"object": ' + b"[" * 20_000 + b"]" * 20_000 \
            + b"}}"
    return body
