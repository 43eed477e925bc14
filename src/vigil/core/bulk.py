"""Rows written in bulk, without a model instance or an INSERT per row: for services that
build many rows themselves in one transaction (the audit chain's events, a travel batch's
clearances and presences)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.column:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return str(field.column)


#: Fewer rows than this go in one INSERT: COPY's extra round trip does not pay for them.
COPY_FROM = 20


def insert_rows(model: type[models.Model], columns: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> int:
    """Insert plain rows (values in the order of ``columns``, attribute names such as
    ``request_id``, each as the database stores it: JSON as its text) without building a
    model instance or an INSERT per row: PostgreSQL's COPY (from COPY_FROM rows), else
    ``bulk_create``. No save(),
    no signals, no primary keys read back: for services that write many rows they built
    themselves in one transaction. The COPY is logged as one statement (query counts see
    it)."""
    if not rows:
        return 0
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql" or len(rows) < COPY_FROM:
        decoded = [i for i, c in enumerate(columns)
                   if isinstance(model._meta.get_field(c), models.JSONField)]
        objects = []
        for row in rows:
            values = list(row)
            for i in decoded:
                values[i] = json.loads(values[i])
            objects.append(model(**dict(zip(columns, values, strict=True))))
        model._default_manager.using(connection.alias).bulk_create(objects, batch_size=500)
        return len(rows)
    quote = connection.ops.quote_name
    names = ", ".join(quote(_column(model, c)) for c in columns)
    sql = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
    with connection.cursor() as cursor:
        debug = getattr(cursor, "debug_sql", None)
        with debug(sql) if debug is not None else contextlib.nullcontext():
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
    return len(rows)
