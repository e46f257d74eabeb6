"""PostgreSQL privileges of the application role (R9): on the journal it may only INSERT and SELECT.

Migrations run as the owner of the tables (MIGRATE_DATABASE_URL); the portal runs as another role
(DATABASE_URL) that owns nothing, so it can neither `ALTER TABLE … DISABLE TRIGGER` nor drop the
triggers, and holds no UPDATE, DELETE or TRUNCATE on journal entries nor on their sealed batches. The
head row is the one journal row it updates (once per seal, by the sealer); rewriting it hides nothing,
since entries and batches cannot be removed and a head that disagrees with them is reported. The
monthly partitions of a partitioned journal (`manage.py journal_partitions`) get no privilege at all:
the portal reaches them only through the partitioned table.
"""
import re

from .models import JournalBatch, JournalEntry, JournalHead

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def app_role_grants(connection, app_role: str) -> list[str]:
    """The statements, idempotent, to run as the owner after each `migrate`."""
    if not ROLE_NAME.fullmatch(app_role):
        raise ValueError("Nom de rôle invalide : lettres minuscules, chiffres et _ seulement.")
    q = connection.ops.quote_name
    role = q(app_role)
    entries, head, batches = JournalEntry._meta.db_table, JournalHead._meta.db_table, JournalBatch._meta.db_table
    with connection.cursor() as cursor:  # partitions of any partitioned table: reached through their parent only
        cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid")
        partitions = {row[0] for row in cursor.fetchall()}
    others = sorted(t for t in connection.introspection.table_names()
                    if t not in (entries, head, batches) and t not in partitions)
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        f"GRANT SELECT, INSERT ON {q(entries)} TO {role}",
        f"GRANT SELECT, INSERT ON {q(batches)} TO {role}",
        # INSERT only recreates a missing head (a fresh database); DELETE and TRUNCATE are refused.
        f"GRANT SELECT, INSERT, UPDATE ON {q(head)} TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]
    statements += [f"GRANT SELECT, INSERT, UPDATE, DELETE ON {q(table)} TO {role}" for table in others]
    return statements
