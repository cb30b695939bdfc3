"""Writing tens of thousands of rows quickly, inside the import's one transaction.

Why not bulk_create: Django compiles every value of every row through the ORM, and on SQLite it
splits the rows into batches of 999 parameters (about 40 actions a statement). A 20,000-action
plan writes about 100,000 rows (actions, their history, progress updates, their history, the
import log), which took over a minute. Here each model's INSERT is written once and run with
executemany (SQLite) or COPY (PostgreSQL), with values passed through unchanged where
the driver takes them as they are. History rows are built straight from the tracked fields, as
simple_history's bulk_history_create builds them, without a model instance each.
"""

import io
import json

from django.db import DEFAULT_DB_ALIAS, connection, connections

from core import clock

BATCH = 1000
# Field types whose Python value the database drivers take as it is.
PASS_THROUGH = {
    "CharField",
    "TextField",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveSmallIntegerField",
    "BooleanField",
    "ForeignKey",
    "OneToOneField",
}


def _converter(field):
    kind = field.get_internal_type()
    if kind in PASS_THROUGH:
        return None
    database = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the thread-local proxy, per value
    if kind == "DateField":
        return database.ops.adapt_datefield_value
    if kind == "DateTimeField":
        return database.ops.adapt_datetimefield_value
    if kind == "JSONField":
        # As text, for both executemany (SQLite) and COPY (PostgreSQL).
        return lambda value: json.dumps(value, cls=field.encoder)
    return lambda value: field.get_db_prep_save(value, database)


def _insert_fields(model):
    fields = []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.get_internal_type() in {"AutoField", "BigAutoField", "SmallAutoField"}:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            raise ValueError(f"{model.__name__}.{field.name} is set on save; use bulk_create for this model")
        fields.append(field)
    return fields


def _execute(table, columns, rows):
    if not rows:
        return
    quote = connection.ops.quote_name
    column_sql = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: the rows as one stream of text, with no statement to parse per batch.
            stream = io.StringIO()
            for row in rows:
                stream.write("\t".join([_copy_text(value) for value in row]))
                stream.write("\n")
            stream.seek(0)
            cursor.cursor.copy_expert(f"COPY {quote(table)} ({column_sql}) FROM STDIN", stream)
        else:
            sql = f"INSERT INTO {quote(table)} ({column_sql}) VALUES ({', '.join(['%s'] * len(columns))})"
            for start in range(0, len(rows), BATCH):
                cursor.executemany(sql, rows[start : start + BATCH])


COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    return str(value).translate(COPY_ESCAPES)


def insert(model, objects) -> None:
    """INSERT the objects (their primary keys are not set: read them back where needed)."""
    fields = _insert_fields(model)
    converters = [(f.attname, _converter(f)) for f in fields]
    rows = []
    for obj in objects:
        row = []
        for attname, convert in converters:
            value = getattr(obj, attname)
            row.append(value if convert is None or value is None else convert(value))
        rows.append(row)
    _execute(model._meta.db_table, [f.column for f in fields], rows)


def insert_history(model, objects, *, user, reason: str, history_type: str = "+") -> None:
    """The historical rows simple_history would write for these saved objects, in one go.

    history_type: "+" for created objects, "~" for changed ones."""
    history_model = model.history.model
    tracked = history_model.tracked_fields
    converters = [(f.attname, _converter(f)) for f in tracked]
    when = connection.ops.adapt_datetimefield_value(clock.now())
    user_id = getattr(user, "pk", None)
    rows = []
    for obj in objects:
        row = []
        for attname, convert in converters:
            value = getattr(obj, attname)
            row.append(value if convert is None or value is None else convert(value))
        row.extend((when, reason, history_type, user_id))
        rows.append(row)
    columns = [history_model._meta.get_field(f.name).column for f in tracked]
    columns += [
        history_model._meta.get_field(name).column
        for name in ("history_date", "history_change_reason", "history_type", "history_user")
    ]
    _execute(history_model._meta.db_table, columns, rows)
