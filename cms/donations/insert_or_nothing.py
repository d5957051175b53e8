"""One statement that inserts a row unless its unique key is taken: `INSERT … ON CONFLICT (key) DO NOTHING
RETURNING pk`, on PostgreSQL and SQLite (3.35 and later) alike.

Why not the ORM's ways:
- `create()` in a savepoint, catching IntegrityError, costs four round trips (SAVEPOINT, INSERT, ROLLBACK TO,
  RELEASE) and, on a duplicate, an error raised and logged by the database; a webhook delivered three times
  paid that twice per delivery;
- `bulk_create(ignore_conflicts=True)` does not say whether the row was written, and on SQLite it becomes
  `INSERT OR IGNORE`, which also swallows NOT NULL and CHECK violations (the ledger's sign rule).
Here only a conflict on the named key is ignored: any other constraint still raises, as `create()` does.
No signal is sent (none is connected to the donation models; `tests/test_webhooks_fast.py` checks it).
"""

from __future__ import annotations

from django.db import connections, models, router


def prepared(obj: models.Model, connection) -> dict:
    """{column: value as the database takes it} of the row `save()` would insert for `obj` (defaults and
    `auto_now_add` filled in; an AutoField left to the database)."""
    return {field.column: field.get_db_prep_save(field.pre_save(obj, add=True), connection)
            for field in obj._meta.concrete_fields
            if not (field.primary_key and getattr(obj, field.attname) is None)}


def insert_or_nothing(obj: models.Model, *, key: str) -> bool:
    """Insert `obj` (its defaults and `auto_now_add` filled in as `save()` would) unless a row with the same
    `key` exists already. True, with `obj.pk` set, when this call wrote it; False when the key was taken
    (the existing row is left as it was). Inside a transaction, a concurrent insert of the same key makes
    this wait for it to commit (then False) or roll back (then True), as a unique index does."""
    meta = obj._meta
    connection = connections[router.db_for_write(type(obj), instance=obj)]
    quote = connection.ops.quote_name
    row = prepared(obj, connection)
    values = list(row.values())
    sql = "INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s) DO NOTHING RETURNING %s" % (
        quote(meta.db_table), ", ".join(quote(column) for column in row), ", ".join(["%s"] * len(row)),
        quote(meta.get_field(key).column), quote(meta.pk.column))
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    if obj.pk is None:
        obj.pk = meta.pk.to_python(row[0])
    obj._state.adding, obj._state.db = False, connection.alias
    return True
