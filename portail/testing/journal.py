"""A journal the database refuses to write: its INSERT fails in the database layer, whatever code writes it."""
from django.db import DatabaseError
from django.db.backends.utils import CursorWrapper

from portail.journal.models import JournalEntry


def break_journal_inserts(monkeypatch, message: str = "disque plein") -> None:
    execute = CursorWrapper.execute
    table = JournalEntry._meta.db_table

    def fail_on_journal(self, sql, params=None):
        if sql.startswith("INSERT INTO") and table in sql:
            raise DatabaseError(message)
        return execute(self, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", fail_on_journal)
