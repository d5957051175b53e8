"""A payment event (`payment_intent.succeeded`, `invoice.paid`) in ONE PostgreSQL statement.

The transaction path (webhooks.process) costs a new gift seven to nine round trips (BEGIN, the event's
row, the donation looked up, its project, the rebuilt donation, the ledger row, the task, COMMIT). On
PostgreSQL, data-modifying CTEs let one statement, run in autocommit, do all of it; a single statement is
atomic on its own, so it is all or nothing (webhooks.already_recorded's indexed read comes first: a
redelivery of a committed event stops there, at the cost of one small statement instead of this one):

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

The statement's text depends only on its shape (which ids find the donation, whether a project is looked
up, which tasks are declared): it is built once per shape and process, with the ORM's own SQL for the
lookups, and each delivery only fills in its values (building it cost a redelivery 1.5 ms of CPU).
"""

from __future__ import annotations

import contextlib
import uuid

from django.db import connection, transaction
from django.utils import timezone

from cms.publishing.wakeup import CHANNEL

from . import ledger, signals, task_rows
from .insert_or_nothing import prepared
from .models import Donation, LedgerEntry, StripeEvent

# The donation's columns: all of them are read back, so a receiver of payment_recorded finds
# `entry.donation` loaded, as the transaction path gives it (no query of its own after the statement).
DONATION_FIELDS = [f for f in Donation._meta.concrete_fields]
CARRIED = tuple(f.column for f in DONATION_FIELDS)
FROM_DONATION = {"donation_id": "id", "project_id": "project_id", "project_slug": "project_slug",
                 "frequency": "frequency", "donation_kind": "kind"}


def available() -> bool:
    return connection.vendor == "postgresql"


class Slot:
    """A value the statement takes per delivery, named in `values` (or a fresh task id for each use)."""
    __slots__ = ("name", "backend")

    def __init__(self, name: str, backend=None):
        self.name, self.backend = name, backend


_SENTINEL_UUID = uuid.UUID("00000000-5e17-4e11-8000-00000000f00d")


def _sql(queryset, sentinels: dict) -> tuple[str, list]:
    """The ORM's SQL of `queryset`, its params mapped back to Slots where they are one of `sentinels`
    ({sentinel value: slot name}) and kept as constants otherwise (the ranks' 0, 1, …)."""
    sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    mapped = []
    for param in params:
        name = next((n for value, n in sentinels.items() if type(param) is type(value) and param == value), None)
        mapped.append(Slot(name) if name else param)
    return sql, mapped


def _update_rule(kind: str) -> tuple[str, dict]:
    """(condition on the donation D, {column: (SQL, params)}) of what a payment changes on its donation:
    the same rule as webhooks.record's."""
    now = Slot("now")
    if kind == "payment_intent":
        return "D.status <> 'succeeded'", {"status": ("%s", ["succeeded"]),
                                           "stripe_payment_intent": ("%s", [Slot("object")]),
                                           "failure_message": ("%s", [""]), "updated_at": ("%s", [now])}
    return "D.status <> 'canceled'", {"status": ("%s", ["active"]),
                                      "stripe_subscription": ("COALESCE(NULLIF(%s, ''), D.stripe_subscription)",
                                                              [Slot("subscription")]),
                                      "failure_message": ("%s", [""]), "updated_at": ("%s", [now])}


def ways_of(metadata: dict, lookup: dict) -> dict:
    """{field: value} find_donation_query matches on, in its order ("pk" for the id our metadata names)."""
    ways = {}
    donation_id = (metadata or {}).get("donation")
    if donation_id:
        try:
            ways["pk"] = uuid.UUID(str(donation_id))
        except ValueError:
            pass
    ways.update({field: value for field, value in lookup.items() if value})
    return ways


_STATEMENTS: dict = {}


def _statement(kind: str, ways: tuple, with_slug: bool, tasks: tuple) -> tuple[str, list]:
    key = (kind, ways, with_slug, tuple((task.module_path, task in signals.COALESCED) for task in tasks))
    if key not in _STATEMENTS:
        _STATEMENTS[key] = _build(kind, ways, with_slug, tasks)
    return _STATEMENTS[key]


def _build(kind: str, ways: tuple, with_slug: bool, tasks: tuple) -> tuple[str, list]:
    """(SQL, params with Slots) of the statement for one shape."""
    quote = connection.ops.quote_name
    donations, entries, events = (quote(m._meta.db_table) for m in (Donation, LedgerEntry, StripeEvent))
    columns = ", ".join(CARRIED)
    params: list = []

    if not ways:
        found_sql = f"SELECT {columns} FROM {donations} WHERE false"
    else:
        sentinels = {(_SENTINEL_UUID if way == "pk" else f"\x01sentinel:{way}"): f"way.{way}" for way in ways}
        by_name = {name: value for value, name in sentinels.items()}
        metadata = {"donation": str(by_name["way.pk"])} if "pk" in ways else {}
        query = ledger.find_donation_query(metadata, **{w: by_name[f"way.{w}"] for w in ways if w != "pk"})
        found_sql, found_params = _sql(query.values_list(*(f.attname for f in DONATION_FIELDS))[:1], sentinels)
        params += found_params
    ctes = [f"found ({columns}) AS ({found_sql})"]

    event_columns = [f.column for f in StripeEvent._meta.concrete_fields]
    ctes.append("ev AS (INSERT INTO %s (%s) SELECT %s WHERE %%s OR EXISTS (SELECT 1 FROM found) "
                "ON CONFLICT (id) DO NOTHING RETURNING 1)" % (
                    events, ", ".join(quote(c) for c in event_columns), ", ".join(["%s"] * len(event_columns))))
    params += [*(Slot(f"ev.{c}") for c in event_columns), Slot("may_rebuild")]

    condition, changes = _update_rule(kind)
    donation_columns = [f.column for f in Donation._meta.concrete_fields]
    values = []
    for column in donation_columns:
        if column == "project_id" and with_slug:
            sentinel = "\x01sentinel:slug"
            project_sql, project_params = _sql(ledger.project_query(sentinel)[:1], {sentinel: "slug"})
            values.append(f"({project_sql})")
            params += project_params
        else:
            values.append("%s")
            params.append(Slot(f"d.{column}"))
    on_conflict = [f"{quote(column)} = CASE WHEN {condition} THEN {sql} ELSE D.{quote(column)} END"
                   for column, (sql, _) in changes.items()]
    ctes.append("rebuilt AS (INSERT INTO %s AS D (%s) SELECT %s FROM ev WHERE NOT EXISTS (SELECT 1 FROM found) "
                "ON CONFLICT (id) DO UPDATE SET %s RETURNING %s)" % (
                    donations, ", ".join(quote(c) for c in donation_columns), ", ".join(values),
                    ", ".join(on_conflict), ", ".join(f"D.{c}" for c in CARRIED)))
    for _, value_params in changes.values():
        params += value_params

    sets = ", ".join(f"{quote(column)} = {sql}" for column, (sql, _) in changes.items())
    ctes.append(f"changed AS (UPDATE {donations} AS D SET {sets} FROM found "
                f"WHERE D.id = found.id AND EXISTS (SELECT 1 FROM ev) AND {condition} RETURNING 1)")
    for _, value_params in changes.values():
        params += value_params

    ctes.append(f"d AS (SELECT {columns} FROM found UNION ALL SELECT {columns} FROM rebuilt)")
    entry_columns = [f.column for f in LedgerEntry._meta.concrete_fields if not f.primary_key]
    entry_values = []
    for column in entry_columns:
        if column in FROM_DONATION:
            entry_values.append(f"d.{FROM_DONATION[column]}")
        else:
            entry_values.append("%s")
            params.append(Slot(f"l.{column}"))
    returned = ["id", *FROM_DONATION]
    ctes.append("l AS (INSERT INTO %s (%s) (SELECT %s FROM d CROSS JOIN ev LIMIT 1) "
                "ON CONFLICT (stripe_object) DO NOTHING RETURNING %s)" % (
                    entries, ", ".join(quote(c) for c in entry_columns), ", ".join(entry_values),
                    ", ".join(quote(c) for c in returned)))

    notified = "0"
    if tasks:
        tasks_sql, tasks_params = task_rows.insert_select(tasks, "l.id", "l")
        backends = iter([task_rows.task_backends[task.backend] for task in tasks])  # one id per task, in order
        params += [Slot("fresh id", next(backends)) if p is task_rows.FRESH_ID else Slot("now")
                   if p is task_rows.NOW else p for p in tasks_params]  # each delivery's own ids and time
        ctes.append(f"t AS ({tasks_sql})")
        ctes.append("n AS (SELECT pg_notify(%s, '') FROM (SELECT 1 FROM t LIMIT 1) x)")
        params.append(CHANNEL)
        notified = "(SELECT count(*) FROM n)"

    sql = "WITH %s SELECT (SELECT count(*) FROM ev), (SELECT count(*) FROM found), EXISTS (SELECT 1 FROM %s " \
          "WHERE id = %%s), %s, %s FROM (SELECT 1) one LEFT JOIN l ON true LEFT JOIN d ON true" % (
              ",\n".join(ctes), events, notified,
              ", ".join([*(f"l.{quote(c)}" for c in returned), *(f"d.{quote(c)}" for c in CARRIED)]))
    params.append(Slot("ev.id"))
    return sql, params


def _resolve(params: list, values: dict) -> list:
    out = []
    for param in params:
        if param.__class__ is not Slot:
            out.append(param)
        elif param.backend is not None:
            out.append(param.backend._get_id())
        else:
            out.append(values[param.name])
    return out


def record_payment_event(*, event_id: str, event_type: str, kind: str, metadata: dict, lookup: dict,
                         rebuilt: Donation, may_rebuild: bool, entry: LedgerEntry,
                         subscription: str = "") -> tuple[str, bool]:
    """Run the statement. `kind` is "payment_intent" or "invoice" (which update rule applies); the donation
    is found as ledger.find_donation(metadata, **lookup) finds it; `rebuilt` is the unsaved donation to
    write if none is found (its project looked up from `project_slug`); `entry` the unsaved ledger row
    without its donation's columns. Returns ("processed" or "duplicate", or "retry" when no donation is
    found and `may_rebuild` is False (nothing written: webhooks.py answers 503); whether the donation was
    rebuilt)."""
    ways = ways_of(metadata, lookup)
    tasks = tuple(signals.tasks_for(signals.payment_recorded))
    sql, plan = _statement(kind, tuple(ways), bool(rebuilt.project_slug), tasks)
    now = timezone.now()
    values = {"may_rebuild": may_rebuild, "object": entry.stripe_object, "subscription": subscription,
              "now": now, "slug": rebuilt.project_slug}
    values.update((f"way.{field}", value) for field, value in ways.items())
    for prefix, obj in (("ev", StripeEvent(id=event_id, type=event_type)), ("d", rebuilt), ("l", entry)):
        values.update((f"{prefix}.{column}", value) for column, value in prepared(obj, connection).items())
    params = _resolve(plan, values)
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
        for attname, value in zip(FROM_DONATION, row[1:len(FROM_DONATION) + 1]):
            setattr(entry, attname, value)
        entry.donation = Donation.from_db(connection.alias, [f.attname for f in DONATION_FIELDS],
                                          row[len(FROM_DONATION) + 1:])
        entry._state.adding, entry._state.db = False, connection.alias
        ledger.totals_changed()
        if signals.payment_recorded.has_listeners():
            signals.payment_recorded.send(sender=None, entry=entry)
    return "processed", not found
