"""Queueing the work the books trigger in the statement (or the transaction) that records the money.

A receiver that enqueued its task after the webhook's commit cost the webhook two more round trips each
(the task's INSERT, then a NOTIFY for the worker), and a process that died between the commit and the
INSERT lost the task. Work declared with `signals.enqueue_on(signal, task)` is queued instead:
- by the PostgreSQL fast path (fast_intake.py) inside its single statement, one row per declared task,
  its argument (the new ledger row's id) taken from the row the statement inserts;
- elsewhere (SQLite, the other event types) in the event's transaction, all of an event's tasks in one
  INSERT with, on PostgreSQL, the worker's NOTIFY in the same statement (a NOTIFY is delivered at commit).
Either way a task exists exactly when the row it is about was committed.

The rows are the ones `django_tasks_db`'s `DatabaseBackend.enqueue` writes (its `_task_to_db_task`):
same columns, same defaults (`run_after` "never" for "at once", as its pre_save receiver sets), validated
by the backend as `enqueue` does. `task_enqueued`, the library's signal sent by `enqueue`, is not sent:
its only receiver is the library's own debug log line (`tests/test_webhook_round_trips.py` checks it).
"""

from __future__ import annotations

from django.db import connection
from django_tasks import task_backends
from django_tasks.utils import normalize_json

from cms.publishing.wakeup import CHANNEL

ARGS_COLUMN = "args_kwargs"
FRESH_ID, NOW = object(), object()  # insert_select's markers: a new task id, the time of enqueueing


def _model():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult


def row_values(task, args: list) -> dict:
    """{column: value ready for the database} of the row `task.enqueue(*args)` would write, with a fresh id."""
    from django_tasks_db.models import get_date_max

    backend = task_backends[task.backend]
    backend.validate_task(task)
    model = _model()
    row = model(id=backend._get_id(), args_kwargs=normalize_json({"args": args, "kwargs": {}}),
                priority=task.priority, task_path=task.module_path, queue_name=task.queue_name,
                run_after=task.run_after or get_date_max(), backend_name=backend.alias)
    return {field.column: field.get_db_prep_save(field.pre_save(row, add=True), connection)
            for field in model._meta.concrete_fields}


def _waiting(task) -> tuple[str, list]:
    """SQL (and params) true when a READY row of `task` waits: a coalesced task is then not queued again."""
    from django_tasks_db.compat import TaskResultStatus

    model, quote = _model(), connection.ops.quote_name
    return ("NOT EXISTS (SELECT 1 FROM %s WHERE %s = %%s AND %s = %%s AND %s = %%s)" % (
        quote(model._meta.db_table), quote("status"), quote("task_path"), quote("backend_name")),
        [TaskResultStatus.READY, task.module_path, task.backend])


def _coalesced(task) -> bool:
    from .signals import COALESCED

    return task in COALESCED


def insert_select(tasks, arg_sql: str, source: str) -> tuple[str, list]:
    """`INSERT INTO <tasks table> … SELECT … FROM source` (PostgreSQL): one row per task for each row of
    `source`, whose argument is the SQL expression `arg_sql` (e.g. `l.id`). For fast_intake's statement,
    which keeps it for every delivery: the task's id and enqueueing time are the markers FRESH_ID and NOW,
    the caller puts a value in their place each time."""
    model, quote = _model(), connection.ops.quote_name
    selects, params = [], []
    columns = None
    types = {field.column: field.db_type(connection) for field in model._meta.concrete_fields}
    for task in tasks:
        values = row_values(task, [0])
        columns = list(values)
        parts = []
        coalesced = _coalesced(task)
        for column in columns:
            if column == ARGS_COLUMN and coalesced:
                parts.append("'{\"args\": [], \"kwargs\": {}}'::jsonb")
            elif column == ARGS_COLUMN:
                parts.append(f"jsonb_build_object('args', jsonb_build_array({arg_sql}), 'kwargs', '{{}}'::jsonb)")
            else:  # typed: a UNION of untyped NULLs would be text
                parts.append(f"CAST(%s AS {types[column]})")
                params.append(FRESH_ID if column == "id" else NOW if column == "enqueued_at" else values[column])
        if coalesced:
            where, where_params = _waiting(task)
            selects.append(f"(SELECT {', '.join(parts)} FROM {source} WHERE {where} LIMIT 1)")
            params += where_params
        else:
            selects.append(f"SELECT {', '.join(parts)} FROM {source}")
    sql = "INSERT INTO %s (%s) %s RETURNING 1" % (
        quote(model._meta.db_table), ", ".join(quote(c) for c in columns), " UNION ALL ".join(selects))
    return sql, params


def enqueue_now(tasks, arg) -> None:
    """Queue each task with the single argument `arg` in the current transaction: one statement for all of
    them, carrying the worker's NOTIFY on PostgreSQL (sent by the database when the transaction commits)."""
    if not tasks:
        return
    model, quote = _model(), connection.ops.quote_name
    pg = connection.vendor == "postgresql"
    types = {field.column: field.db_type(connection) for field in model._meta.concrete_fields}
    selects, params, columns = [], [], None
    for task in tasks:
        row = row_values(task, [] if _coalesced(task) else [arg])
        columns = list(row)
        # typed on PostgreSQL (a UNION of untyped NULLs would be text); SQLite's CAST would change values
        parts = ", ".join(f"CAST(%s AS {types[c]})" if pg else "%s" for c in columns)
        params += [row[c] for c in columns]
        if _coalesced(task):
            where, where_params = _waiting(task)
            selects.append(f"SELECT {parts} WHERE {where}")
            params += where_params
        else:
            selects.append(f"SELECT {parts}")
    sql = "INSERT INTO %s (%s) %s" % (quote(model._meta.db_table), ", ".join(quote(c) for c in columns),
                                      " UNION ALL ".join(selects))
    if pg:
        sql = f"WITH queued AS ({sql} RETURNING 1) SELECT pg_notify(%s, '') FROM (SELECT 1 FROM queued LIMIT 1) q"
        params.append(CHANNEL)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)

