"""The database itself refuses to rewrite journal entries, whatever code runs against it (R9)."""
from django.db import migrations

PG = """
CREATE OR REPLACE FUNCTION journal_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'journal_journalentry is append-only'; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER journal_no_update BEFORE UPDATE OR DELETE ON journal_journalentry
FOR EACH ROW EXECUTE FUNCTION journal_append_only();
"""
PG_REVERSE = "DROP TRIGGER IF EXISTS journal_no_update ON journal_journalentry; DROP FUNCTION IF EXISTS journal_append_only();"

# SQLite: updates are refused; deletes stay possible only so the test runner can empty its tables.
SQLITE = """
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal_journalentry
BEGIN SELECT RAISE(ABORT, 'journal_journalentry is append-only'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS journal_no_update;"


def forwards(apps, schema_editor):
    sql = {"postgresql": PG, "sqlite": SQLITE}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    sql = {"postgresql": PG_REVERSE, "sqlite": SQLITE_REVERSE}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
