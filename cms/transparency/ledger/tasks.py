"""The sync task (publishing worker, queue "builds") and how the webhook asks for it: one statement.

The receivers of payment_recorded/refund_recorded run inside Stripe's webhook request (after its commit).
Another engineer is cutting the webhook's round trips, so asking for a sync must cost at most one cheap
statement and coalesce: `request_sync` inserts the task's row only when no sync task is waiting already
(`INSERT … SELECT … WHERE NOT EXISTS`, answered from django-tasks' partial index of READY rows), and on
PostgreSQL the same statement wakes the worker (`pg_notify` in a CTE over the inserted row). A burst of
gifts makes one waiting task, which appends all of them. Two webhooks racing may both insert: the second
task then finds nothing to append (sync is idempotent), which is harmless.
"""

from __future__ import annotations

import logging
import uuid

from django.db import connections
from django_tasks import task

log = logging.getLogger(__name__)
PRIORITY = 5  # after the donors' e-mails (10), before a queued site build (0): the build then shows it


@task(backend="builds", queue_name="builds", priority=PRIORITY)
def sync_ledger() -> int:
    from .sync import sync

    return sync()


def _row_values(connection):
    """Column -> value of a new READY row of `sync_ledger`, prepared as django-tasks' own enqueue would."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    row = DBTaskResult(id=uuid.uuid4(), args_kwargs={"args": [], "kwargs": {}}, priority=sync_ledger.priority,
                       task_path=sync_ledger.module_path, queue_name=sync_ledger.queue_name,
                       run_after=get_date_max(), backend_name="builds")
    fields = [f for f in DBTaskResult._meta.concrete_fields]
    return DBTaskResult, fields, [f.get_db_prep_save(f.pre_save(row, add=True), connection) for f in fields]


def request_sync(using: str = "default") -> bool:
    """Queue one sync unless one is waiting. One statement. True when this call queued it."""
    from cms.publishing.wakeup import CHANNEL
    from django_tasks_db.compat import TaskResultStatus

    connection = connections[using]
    model, fields, values = _row_values(connection)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pg = connection.vendor == "postgresql"
    placeholders = ", ".join(f"CAST(%s AS {f.db_type(connection)})" if pg else "%s" for f in fields)
    insert = (f"INSERT INTO {table} ({', '.join(quote(f.column) for f in fields)}) SELECT {placeholders} "
              f"WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {quote('status')} = %s AND "
              f"{quote('task_path')} = %s AND {quote('backend_name')} = %s)")
    params = values + [TaskResultStatus.READY, sync_ledger.module_path, "builds"]
    with connection.cursor() as cursor:
        if pg:
            cursor.execute(f"WITH queued AS ({insert} RETURNING 1) SELECT pg_notify(%s, '') FROM queued",
                           params + [CHANNEL])
            return cursor.fetchone() is not None
        cursor.execute(insert, params)
        return cursor.rowcount == 1


def on_money_recorded(sender, **kwargs):
    """Receiver of payment_recorded / refund_recorded and the transparency app's signals."""
    try:
        request_sync()
    except Exception:  # the gift is recorded already: the next gift's sync (or `manage.py`) catches up
        log.exception("could not queue the public ledger's sync")


