"""The R3 race of test_concurrency.py on SQLite: no row locks there, but IMMEDIATE transactions take
the write lock when they begin, so the two writes run one after the other and each reads the ceiling
the other left. Threads with their own connections, started together; 40 tries."""
import sqlite3
import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.db.backends.sqlite3.base import DatabaseWrapper

from portail.access import consultation_rights
from portail.habilitations import services
from portail.habilitations.models import GroupRole
from portail.testing import factories as f

from .test_concurrency import TRIES, race, report, unexpected

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite variant; PostgreSQL: test_concurrency.py"),
]


def test_immediate_transactions_are_configured():
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def _on_file(path):
    """Point this thread's default connection at an SQLite file: the test database is in memory with a
    shared cache, whose table locks are not waited on (« database table is locked »), unlike a file's."""
    connections["default"] = DatabaseWrapper({**connection.settings_dict, "NAME": str(path)}, "default")


def _copy_of_test_database(path):
    """The test database (migrated, emptied) copied into an SQLite file: its schema without migrating again."""
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()


def _in_thread(target):
    """Run `target` in a thread of its own (its connections are its own) and hand back its result."""
    box = {}

    def run():
        try:
            box["result"] = target()
        except BaseException as exc:  # re-raised below, in the test
            box["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


def test_removing_a_role_while_a_sub_group_takes_it_on_sqlite(tmp_path):
    database = tmp_path / "race.sqlite3"
    _copy_of_test_database(database)

    def scenario():
        _on_file(database)
        cdap = f.ServiceFactory()
        role_t1 = f.RoleFactory(service=cdap, code="T1")
        role_t18 = f.RoleFactory(service=cdap, code="T18", tabs=["synthese", "resume"])
        convention = f.ConventionFactory(services=[cdap])
        admin_user = f.UserFactory(organisation=convention.organisation)
        convention.administrators.add(admin_user)
        top = f.make_group(convention, "GROUPES", roles=[role_t1, role_t18])
        tally = Counter(violations=0, member_consults_with_t18=0, errors=0)
        for i in range(TRIES):
            responsable = f.UserFactory(organisation=convention.organisation)
            member = f.UserFactory(organisation=convention.organisation)
            middle = f.make_group(convention, f"SG{i}", parent=top, roles=[role_t18], responsable=responsable)
            sub = f.make_group(convention, f"SSG{i}", parent=middle, members=[member])

            outcomes = race(
                lambda: (_on_file(database), services.group_roles_set(
                    actor=admin_user, group=middle, service=cdap, roles=[])),
                lambda: (_on_file(database), services.group_roles_set(
                    actor=responsable, group=sub, service=cdap, roles=[role_t18])),
            )

            tally["errors"] += len(unexpected(outcomes))
            tally["addition_done"] += not isinstance(outcomes[1], Exception)
            parent_has = GroupRole.objects.filter(group=middle, role=role_t18, state=GroupRole.State.ACTIVE).exists()
            sub_has = GroupRole.objects.filter(group=sub, role=role_t18).exists()
            tally["violations"] += sub_has and not parent_has
            tally["member_consults_with_t18"] += any(
                role == role_t18 for role, _ in consultation_rights(member, convention.caf_id).grants)
        return tally

    tally = _in_thread(scenario)
    report("SQLite, role removed / sub-group takes it", tally)
    assert (tally["errors"], tally["violations"], tally["member_consults_with_t18"]) == (0, 0, 0)
