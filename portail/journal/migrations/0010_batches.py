"""Sealed batches: entries are inserted freely (no lock shared between appends) and a sealer chains
them into `JournalBatch` rows afterwards (see `portail/journal/seal.py` and docs/journal.md).

The entries written before (the historical chain, each HMAC covering the previous entry's hash) become
the first batch, of kind "chain", whose root is the chain's last hash as the head recorded it. The
batches get the same append-only triggers as the entries. `entry_hash` is no longer unique: the chain
needed it, batches do not, and each append saves the index's upkeep.
"""
import hashlib
import hmac
import json

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

GENESIS = "0" * 64

PG = """
CREATE TRIGGER journal_batch_no_update BEFORE UPDATE OR DELETE ON journal_journalbatch
FOR EACH ROW EXECUTE FUNCTION journal_append_only();
CREATE TRIGGER journal_batch_no_truncate BEFORE TRUNCATE ON journal_journalbatch
FOR EACH STATEMENT EXECUTE FUNCTION journal_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS journal_batch_no_update ON journal_journalbatch;
DROP TRIGGER IF EXISTS journal_batch_no_truncate ON journal_journalbatch;
"""
# SQLite rebuilds a table to alter a column, and its triggers go with it: the entries' one is recreated.
SQLITE = [  # one statement per call on SQLite
    "DROP TRIGGER IF EXISTS journal_no_update",
    "CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal_journalentry "
    "BEGIN SELECT RAISE(ABORT, 'journal_journalentry is append-only'); END",
    "CREATE TRIGGER journal_batch_no_update BEFORE UPDATE ON journal_journalbatch "
    "BEGIN SELECT RAISE(ABORT, 'journal_journalbatch is append-only'); END",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS journal_batch_no_update"]


def seal_historical_chain(apps, schema_editor):
    JournalEntry = apps.get_model("journal", "JournalEntry")
    JournalHead = apps.get_model("journal", "JournalHead")
    JournalBatch = apps.get_model("journal", "JournalBatch")
    db = schema_editor.connection.alias
    head, _ = JournalHead.objects.using(db).get_or_create(pk=1)
    last = JournalEntry.objects.using(db).order_by("-id").values_list("id", flat=True).first()
    if last is None and not head.entry_count:
        return
    last_id = head.last_id or last
    count = head.entry_count or JournalEntry.objects.using(db).filter(id__lte=last_id).count()
    sealed_at = timezone.now()
    fields = ["chain", 1, last_id, count, [], head.last_hash, GENESIS, sealed_at.isoformat()]
    content = "batch:" + json.dumps(fields, separators=(",", ":"))
    digest = hmac.new(settings.JOURNAL_HMAC_KEY.encode(), content.encode(), hashlib.sha256).hexdigest()
    JournalBatch.objects.using(db).create(kind="chain", first_id=1, last_id=last_id, entry_count=count, gaps=[],
                                          merkle_root=head.last_hash, previous_hash=GENESIS, batch_hash=digest,
                                          sealed_at=sealed_at)
    JournalHead.objects.using(db).filter(pk=1).update(last_hash=digest, last_id=last_id, entry_count=count)


def _run(schema_editor, statements) -> None:
    for sql in [statements] if isinstance(statements, str) else statements:
        schema_editor.execute(sql, params=None)


def triggers(apps, schema_editor):
    _run(schema_editor, {"postgresql": PG, "sqlite": SQLITE}.get(schema_editor.connection.vendor, []))


def triggers_reverse(apps, schema_editor):
    _run(schema_editor, {"postgresql": PG_REVERSE, "sqlite": SQLITE_REVERSE}.get(schema_editor.connection.vendor, []))


class Migration(migrations.Migration):
    dependencies = [("journal", "0009_actions_large_partners")]

    operations = [
        migrations.AlterField(model_name="journalentry", name="entry_hash", field=models.CharField(max_length=64)),
        migrations.AlterField(model_name="journalentry", name="previous_hash",
                              field=models.CharField(blank=True, max_length=64)),
        migrations.CreateModel(
            name="JournalBatch",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(default="merkle", max_length=10)),
                ("first_id", models.BigIntegerField()),
                ("last_id", models.BigIntegerField(unique=True)),
                ("entry_count", models.IntegerField()),
                ("gaps", models.JSONField(blank=True, default=list)),
                ("merkle_root", models.CharField(max_length=64)),
                ("previous_hash", models.CharField(max_length=64)),
                ("batch_hash", models.CharField(max_length=64, unique=True)),
                ("sealed_at", models.DateTimeField()),
            ],
            options={"ordering": ["id"]},
        ),
        migrations.RunPython(seal_historical_chain, migrations.RunPython.noop),
        migrations.RunPython(triggers, triggers_reverse),
    ]
