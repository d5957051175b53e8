"""A payment event (`payment_intent.succeeded`, `invoice.paid`) in ONE PostgreSQL statement: one round trip.

The transaction path (webhooks.process) costs a new gift seven to nine round trips (BEGIN, the event's
row, the donation looked up, its project, the rebuilt donation, the ledger row, the task, COMMIT) and a
redelivery three (BEGIN, the event's row, COMMIT). On PostgreSQL, data-modifying CTEs let one statement,
run in autocommit, do all of it; a single statement is atomic on its own, so it is all or nothing:

    found    the donation the event names (ledger.find_donation_query, compiled by the ORM)
    ev       INSERT the event's row ON CONFLICT DO NOTHING            -- gated: see RetryLater below
    rebuilt  INSERT the donation rebuilt from the metadata, if ev and not found, its project looked up by
             slug in a subquery; ON CONFLICT (id) DO UPDATE applies the same update rule as `changed`:
             the donation was written by a concurrent event after this statement's snapshot, and
             DO UPDATE (unlike a SELECT) sees and locks that newest version, so the books stay right
    changed  UPDATE the found donation (paid / active) if ev and the rule allows it
    l        INSERT the ledger row from (found or rebuilt) if ev, ON CONFLICT (stripe_object) DO NOTHING
    t, n     INSERT the declared tasks (signals.enqueue_on) for l's new row, and pg_notify the worker

Everything after `ev` reads `ev`, so a redelivery (its row exists, or a concurrent first delivery holds
the key: the INSERT waits for it to commit) changes nothing else. Every value was checked by webhooks.py's
readers before this runs (400s never get here). Exactly the rows of the transaction path are written,
with the same values; `tests/test_webhook_round_trips.py` and the webhook tests run both paths.
"""

from __future__ import annotations

import contextlib

from django.db import connection, transaction
from django.utils import timezone

from cms.publishing.wakeup import CHANNEL

from . import ledger, signals, task_rows
from .insert_or_nothing import prepared
from .models import Donation, LedgerEntry, StripeEvent

# The donation's columns the ledger row copies, and the rest of what the statement reads back.
CARRIED = ("id", "project_id", "project_slug", "frequency", "kind", "status")
FROM_DONATION = {"donation_id": "id", "project_id": "project_id", "project_slug": "project_slug",
                 "frequency": "frequency", "donation_kind": "kind"}


def available() -> bool:
    return connection.vendor == "postgresql"


def _sql(queryset) -> tuple[str, list]:
    sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    return sql, list(params)


def _update_rule(kind: str, stripe_object: str, subscription: str, now) -> tuple[str, dict]:
    """(condition on the donation D, {column: (SQL, params)}) of what a payment changes on its donation:
    the same rule as webhooks.on_payment_intent_succeeded / on_invoice_paid."""
    if kind == "payment_intent":
        return "D.status <> 'succeeded'", {"status": ("%s", ["succeeded"]),
                                           "stripe_payment_intent": ("%s", [stripe_object]),
                                           "failure_message": ("%s", [""]), "updated_at": ("%s", [now])}
    return "D.status <> 'canceled'", {"status": ("%s", ["active"]),
                                      "stripe_subscription": ("COALESCE(NULLIF(%s, ''), D.stripe_subscription)",
                                                              [subscription]),
                                      "failure_message": ("%s", [""]), "updated_at": ("%s", [now])}


def record_payment_event(*, event_id: str, event_type: str, kind: str, found_query, rebuilt: Donation,
                         may_rebuild: bool, entry: LedgerEntry, subscription: str = "") -> tuple[str, bool]:
    """Run the statement. `kind` is "payment_intent" or "invoice" (which update rule applies); `rebuilt` the
    unsaved donation to write if none is found (its project looked up from `project_slug`); `entry` the
    unsaved ledger row without its donation's columns. Returns ("processed" or "duplicate", or "retry" when
    no donation is found and `may_rebuild` is False (nothing written: webhooks.py answers 503); whether
    the donation was rebuilt)."""
    quote = connection.ops.quote_name
    donations, entries, events = (quote(m._meta.db_table) for m in (Donation, LedgerEntry, StripeEvent))
    columns = ", ".join(CARRIED)
    params: list = []

    if found_query is None:
        found_sql = f"SELECT {columns} FROM {donations} WHERE false"
    else:
        found_sql, found_params = _sql(found_query.values_list(*CARRIED)[:1])
        params += found_params
    ctes = [f"found ({columns}) AS ({found_sql})"]

    event_row = prepared(StripeEvent(id=event_id, type=event_type), connection)
    ctes.append("ev AS (INSERT INTO %s (%s) SELECT %s WHERE %%s OR EXISTS (SELECT 1 FROM found) "
                "ON CONFLICT (id) DO NOTHING RETURNING 1)" % (
                    events, ", ".join(quote(c) for c in event_row), ", ".join(["%s"] * len(event_row))))
    params += [*event_row.values(), may_rebuild]

    now = timezone.now()
    condition, changes = _update_rule(kind, entry.stripe_object, subscription, now)
    donation_row = prepared(rebuilt, connection)
    values = []
    for column, value in donation_row.items():
        if column == "project_id" and rebuilt.project_slug:
            project_sql, project_params = _sql(ledger.project_query(rebuilt.project_slug)[:1])
            values.append(f"({project_sql})")
            params += project_params
        else:
            values.append("%s")
            params.append(value)
    on_conflict = []
    for column, (sql, value_params) in changes.items():
        on_conflict.append(f"{quote(column)} = CASE WHEN {condition} THEN {sql} ELSE D.{quote(column)} END")
    ctes.append("rebuilt AS (INSERT INTO %s AS D (%s) SELECT %s FROM ev WHERE NOT EXISTS (SELECT 1 FROM found) "
                "ON CONFLICT (id) DO UPDATE SET %s RETURNING %s)" % (
                    donations, ", ".join(quote(c) for c in donation_row), ", ".join(values), ", ".join(on_conflict),
                    ", ".join(f"D.{c}" for c in CARRIED)))
    for sql, value_params in changes.values():
        params += value_params

    sets = ", ".join(f"{quote(column)} = {sql}" for column, (sql, _) in changes.items())
    ctes.append(f"changed AS (UPDATE {donations} AS D SET {sets} FROM found "
                f"WHERE D.id = found.id AND EXISTS (SELECT 1 FROM ev) AND {condition} RETURNING 1)")
    for sql, value_params in changes.values():
        params += value_params

    ctes.append(f"d AS (SELECT {columns} FROM found UNION ALL SELECT {columns} FROM rebuilt)")
    entry_row = prepared(entry, connection)
    entry_values = []
    for column, value in entry_row.items():
        if column in FROM_DONATION:
            entry_values.append(f"d.{FROM_DONATION[column]}")
        else:
            entry_values.append("%s")
            params.append(value)
    returned = ["id", *FROM_DONATION]
    ctes.append("l AS (INSERT INTO %s (%s) (SELECT %s FROM d CROSS JOIN ev LIMIT 1) "
                "ON CONFLICT (stripe_object) DO NOTHING RETURNING %s)" % (
                    entries, ", ".join(quote(c) for c in entry_row), ", ".join(entry_values),
                    ", ".join(quote(c) for c in returned)))

    tasks = signals.tasks_for(signals.payment_recorded)
    notified = "0"
    if tasks:
        tasks_sql, tasks_params = task_rows.insert_select(tasks, "l.id", "l")
        ctes.append(f"t AS ({tasks_sql})")
        params += tasks_params
        ctes.append("n AS (SELECT pg_notify(%s, '') FROM (SELECT 1 FROM t LIMIT 1) x)")
        params.append(CHANNEL)
        notified = "(SELECT count(*) FROM n)"

    sql = "WITH %s SELECT (SELECT count(*) FROM ev), (SELECT count(*) FROM found), EXISTS (SELECT 1 FROM %s " \
          "WHERE id = %%s), %s, %s FROM (SELECT 1) one LEFT JOIN l ON true" % (
              ",\n".join(ctes), events, notified, ", ".join(f"l.{quote(c)}" for c in returned))
    params.append(event_id)
    # Inside a caller's transaction (a test's, a management command's), a savepoint keeps it usable if
    # the statement fails, as process()'s atomic block does; the webhook's request has none around it.
    with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            recorded, found, seen, _notified, *row = cursor.fetchone()

    if not recorded:
        return ("duplicate" if seen or found or may_rebuild else "retry"), False
    if row[0] is not None:  # a new ledger row: what ledger._insert_once does after its INSERT
        entry.pk = row[0]
        for attname, value in zip(FROM_DONATION, row[1:]):
            setattr(entry, attname, value)
        entry._state.adding, entry._state.db = False, connection.alias
        ledger.totals_changed()
        if signals.payment_recorded.has_listeners():
            signals.payment_recorded.send(sender=None, entry=entry)
    return "processed", not found
