"""The head also records the last entry's id and the number of entries; on PostgreSQL, triggers
refuse UPDATE and DELETE on entries for every role, DELETE on the head, and TRUNCATE of either
table for any role but the tables' owner (the migration role, which could disable triggers anyway;
the test runner empties tables with TRUNCATE as that role). The application role holds no TRUNCATE
privilege either: see `manage.py journal_db_roles`.

The chain itself becomes an HMAC (models.JournalEntry.compute_hash): entries written before this
migration with plain SHA-256 are reported by `journal_verify`, as they should be.
"""
from django.db import migrations, models

PG = """
CREATE OR REPLACE FUNCTION journal_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' AND pg_has_role(current_user,
       (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP;
END; $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS journal_no_update ON journal_journalentry;
CREATE TRIGGER journal_no_update BEFORE UPDATE OR DELETE ON journal_journalentry
FOR EACH ROW EXECUTE FUNCTION journal_append_only();
CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal_journalentry
FOR EACH STATEMENT EXECUTE FUNCTION journal_append_only();
CREATE TRIGGER journal_head_no_delete BEFORE DELETE ON journal_journalhead
FOR EACH ROW EXECUTE FUNCTION journal_append_only();
CREATE TRIGGER journal_head_no_truncate BEFORE TRUNCATE ON journal_journalhead
FOR EACH STATEMENT EXECUTE FUNCTION journal_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS journal_no_truncate ON journal_journalentry;
DROP TRIGGER IF EXISTS journal_head_no_delete ON journal_journalhead;
DROP TRIGGER IF EXISTS journal_head_no_truncate ON journal_journalhead;
"""


def fill_head(apps, schema_editor):
    """The head row exists from now on (the application role only updates it); existing journals'
    head learns its last id and count from the table as it stands."""
    JournalEntry = apps.get_model("journal", "JournalEntry")
    JournalHead = apps.get_model("journal", "JournalHead")
    db = schema_editor.connection.alias  # `migrate --database owner`: stay on the owner's connection
    JournalHead.objects.using(db).get_or_create(pk=1)
    last = JournalEntry.objects.using(db).order_by("-id").first()
    if last is not None:
        JournalHead.objects.using(db).filter(pk=1).update(
            last_id=last.pk, entry_count=JournalEntry.objects.using(db).count())


def triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG, params=None)  # no placeholders: the % are plpgsql's


def triggers_reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("journal", "0003_action_attestation_sent_dialogue_read_closed")]

    operations = [
        migrations.AddField(
            model_name="journalhead", name="entry_count", field=models.BigIntegerField(default=0)
        ),
        migrations.AddField(
            model_name="journalhead", name="last_id", field=models.BigIntegerField(blank=True, null=True)
        ),
        migrations.RunPython(fill_head, migrations.RunPython.noop),
        migrations.RunPython(triggers, triggers_reverse),
    ]
