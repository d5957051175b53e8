"""Stripe events as Stripe sends them (JSON, signed with the endpoint secret), for tests and benchmarks.

localstripe sends real signed webhooks but never `charge.refunded` or `invoice.paid`, and only once each:
duplicates, refunds, stale and forged deliveries are made here, signed exactly as Stripe signs them.
"""

import hashlib
import hmac
import json
import time
import uuid

WEBHOOK_SECRET = "whsec_test_vision_damour"


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def event(kind: str, obj: dict, event_id: str | None = None) -> bytes:
    return json.dumps({"id": event_id or f"evt_{uuid.uuid4().hex[:20]}", "object": "event", "type": kind,
                       "created": int(time.time()), "api_version": "2017-08-15",
                       "data": {"object": obj}}).encode()


def payment_intent(pi_id: str, amount: int = 5000, project: str = "puits", donation: str | None = None,
                   **extra) -> dict:
    return {"id": pi_id, "object": "payment_intent", "amount": amount, "currency": "eur", "status": "succeeded",
            "customer": "cus_test", "created": int(time.time()), "invoice": None, "latest_charge": f"ch_{pi_id[3:]}",
            "metadata": {"project": project, "donation": donation or str(uuid.uuid4()), "kind": "gift",
                         "frequency": "once", "fee": "0"}, **extra}


def refund_of(pi_id: str, amount: int, refund_id: str) -> dict:
    return {"id": f"ch_{pi_id[3:]}", "object": "charge", "amount": 5000, "amount_refunded": amount,
            "payment_intent": pi_id, "created": int(time.time()),
            "refunds": {"data": [{"id": refund_id, "amount": amount, "status": "succeeded",
                                  "created": int(time.time())}]}}
