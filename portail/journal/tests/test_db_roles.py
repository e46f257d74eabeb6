"""R9 on PostgreSQL: the application's own database role may only INSERT and SELECT on the journal.

The role is created here, given its privileges by `manage.py journal_db_roles --apply` (run as the
owner, as after a migrate), and then used through a separate psycopg connection.
"""
from io import StringIO

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from portail.journal import events
from portail.journal.models import JournalBatch, JournalEntry, JournalHead
from portail.journal.seal import journal_seal

ROLE = "jrnl_test_app_role"
TABLE, HEAD, BATCHES = JournalEntry._meta.db_table, JournalHead._meta.db_table, JournalBatch._meta.db_table
pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles: PostgreSQL only")


def _drop_role(cursor):
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [ROLE])
    if cursor.fetchone():
        cursor.execute(f"DROP OWNED BY {ROLE}")
        cursor.execute(f"DROP ROLE {ROLE}")


@pytest.fixture
def app(transactional_db):
    """A psycopg connection as the application role, privileges granted and committed."""
    events.login_failed(identifier="AAAA0001", ip="10.0.0.1")
    journal_seal()  # the head row exists from the first seal on
    with connection.cursor() as cursor:
        _drop_role(cursor)
        cursor.execute(f"CREATE ROLE {ROLE} LOGIN")
    call_command("journal_db_roles", "--app-role", ROLE, "--apply", stdout=StringIO())
    params = connection.settings_dict
    app_connection = psycopg.connect(host=params["HOST"] or None, port=params["PORT"] or None,
                                     dbname=params["NAME"], user=ROLE, autocommit=True)
    yield app_connection
    app_connection.close()
    with connection.cursor() as cursor:
        _drop_role(cursor)


def _refused(app_connection, sql, params=()):
    with pytest.raises(psycopg.Error) as error:
        app_connection.execute(sql, params)
    return error.value


def test_the_application_role_reads_and_appends(app):
    assert app.execute(f"SELECT count(*) FROM {TABLE}").fetchone() == (1,)
    row = app.execute(f"SELECT id, entry_hash FROM {TABLE} ORDER BY id DESC LIMIT 1").fetchone()
    app.execute(
        f"INSERT INTO {TABLE} (created_at, action, actor_identifier, dossier_number, details, previous_hash, entry_hash)"
        " VALUES (now(), 'login', '', '', '{}', %s, %s)", [row[1], "f" * 64])
    app.execute(f"UPDATE {HEAD} SET entry_count = entry_count WHERE id = 1")  # the one row it updates
    assert app.execute(f"SELECT count(*) FROM {TABLE}").fetchone() == (2,)
    assert app.execute(f"SELECT count(*) FROM {BATCHES}").fetchone() == (1,)
    sequence = app.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE]).fetchone()[0]
    assert app.execute(f"SELECT last_value FROM {sequence}").fetchone()  # what the sealer reads


@pytest.mark.parametrize("sql", [
    f"UPDATE {TABLE} SET details = '{{}}'",
    f"DELETE FROM {TABLE}",
    f"TRUNCATE {TABLE}",
    f"ALTER TABLE {TABLE} DISABLE TRIGGER journal_no_update",
    f"ALTER TABLE {TABLE} DISABLE TRIGGER ALL",
    f"DROP TRIGGER journal_no_truncate ON {TABLE}",
    f"DELETE FROM {HEAD}",
    f"TRUNCATE {HEAD}",
])
def test_the_application_role_cannot_rewrite_the_journal(app, sql):
    error = _refused(app, sql)
    assert isinstance(error, (psycopg.errors.InsufficientPrivilege, psycopg.errors.RaiseException))
    assert JournalEntry.objects.count() == 1


def test_the_application_role_cannot_rewrite_the_sealed_batches(app):
    for sql in (f"UPDATE {BATCHES} SET merkle_root = ''", f"DELETE FROM {BATCHES}", f"TRUNCATE {BATCHES}"):
        assert isinstance(_refused(app, sql), psycopg.errors.InsufficientPrivilege)
    assert JournalBatch.objects.count() == 1


def test_the_triggers_refuse_even_a_role_granted_too_much(app):
    """A mistaken GRANT of UPDATE, DELETE and TRUNCATE still meets the triggers (the owner alone may TRUNCATE)."""
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT UPDATE, DELETE, TRUNCATE ON {TABLE}, {HEAD} TO {ROLE}")
    for sql in (f"UPDATE {TABLE} SET details = '{{}}'", f"DELETE FROM {TABLE}", f"TRUNCATE {TABLE}",
                f"DELETE FROM {HEAD}", f"TRUNCATE {HEAD}"):
        assert "append-only" in str(_refused(app, sql))
    assert JournalEntry.objects.count() == 1


def test_the_command_prints_the_grants(db):
    out = StringIO()
    call_command("journal_db_roles", "--app-role", "portail_app", stdout=out)
    text = out.getvalue()
    assert f'GRANT SELECT, INSERT ON "{TABLE}" TO "portail_app";' in text
    assert f'GRANT SELECT, INSERT ON "{BATCHES}" TO "portail_app";' in text
    assert f'GRANT SELECT, INSERT, UPDATE ON "{HEAD}" TO "portail_app";' in text
    assert f'"{TABLE}" TO "portail_app"' not in text.replace(f'GRANT SELECT, INSERT ON "{TABLE}"', "")


def test_the_command_refuses_a_forged_role_name(db):
    with pytest.raises(CommandError):
        call_command("journal_db_roles", "--app-role", 'x"; DROP TABLE journal_journalentry; --', stdout=StringIO())
