"""Inserting many child rows: COPY on PostgreSQL, bulk_create elsewhere."""
from django.db import connection


def insert_rows(model, items: list[dict]) -> None:
    """`items`: column values by attname (absent ones take the field's default)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = [f.attname for f in fields]
    defaults = {f.attname: f.get_default() for f in fields}
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for values in items:
                copy.write_row([values.get(n, defaults[n]) for n in names])
        return
    model.objects.bulk_create([model(**values) for values in items], batch_size=2000)
