"""Two people changing the same tree at once never break R3, R5 or R7.

Real threads, each with its own database connection, started together by a barrier; every race is
tried 40 times and the rule checked after each try. Row locks are PostgreSQL's: the races run there
(SQLite serialises whole transactions instead, see test_concurrency_sqlite.py).
"""
import threading
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections

from portail.access import consultation_rights, management_scope
from portail.accounts.models import User
from portail.accounts.services import user_close
from portail.core.clock import today
from portail.core.errors import BusinessError
from portail.habilitations import services
from portail.habilitations.models import Group, GroupRole, Membership
from portail.journal.models import Action, JournalEntry
from portail.testing import factories as f

TRIES = 40
REFUSED = (BusinessError, PermissionDenied)  # a write that lost the race is refused, cleanly

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="row locks (select_for_update) exist on PostgreSQL only; SQLite: test_concurrency_sqlite.py"),
]


def race(*calls) -> list:
    """Run `calls` at once, one thread and one connection each; return each result or exception."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            outcomes[i] = call()
        except Exception as exc:  # kept and inspected by the test
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def unexpected(outcomes) -> list:
    """Failures other than a clean refusal (a deadlock, a 500) are bugs too."""
    return [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, REFUSED)]


def report(name: str, tally: Counter) -> None:
    print(f"\n{name}: {TRIES} tries, " + ", ".join(f"{k}: {v}" for k, v in sorted(tally.items())))


def journal_id(action, **fields) -> int | None:
    entry = JournalEntry.objects.filter(action=action, **fields).order_by("pk").last()
    return entry.pk if entry else None


@pytest.fixture
def tree(convention, admin_user, role_t1, role_t18):
    """GROUPES (T1, T18) under the administrator; the races happen below it."""
    return f.make_group(convention, "GROUPES", roles=[role_t1, role_t18])


def test_removing_a_role_while_a_sub_group_takes_it(convention, admin_user, tree, role_t18, cdap):
    """R3: the administrator removes T18 from « SOUS GROUPE » while its responsable adds T18 to its
    sub-group: never a sub-group holding a role its parent lacks, and no member consults with it."""
    tally = Counter(violations=0, member_consults_with_t18=0, errors=0)
    org = convention.organisation
    for i in range(TRIES):
        responsable = f.UserFactory(organisation=org)
        member = f.UserFactory(organisation=org)
        middle = f.make_group(convention, f"SG{i}", parent=tree, roles=[role_t18], responsable=responsable)
        sub = f.make_group(convention, f"SSG{i}", parent=middle, members=[member])

        outcomes = race(
            lambda: services.group_roles_set(actor=admin_user, group=middle, service=cdap, roles=[]),
            lambda: services.group_roles_set(actor=responsable, group=sub, service=cdap, roles=[role_t18]),
        )

        tally["errors"] += len(unexpected(outcomes))
        tally["removal_done"] += not isinstance(outcomes[0], Exception)
        tally["addition_done"] += not isinstance(outcomes[1], Exception)
        parent_has = GroupRole.objects.filter(group=middle, role=role_t18, state=GroupRole.State.ACTIVE).exists()
        sub_has = GroupRole.objects.filter(group=sub, role=role_t18).exists()
        tally["violations"] += sub_has and not parent_has
        grants = consultation_rights(member, convention.caf_id).grants
        tally["member_consults_with_t18"] += any(role == role_t18 for role, _ in grants)
    report("role removed / sub-group takes it", tally)
    assert tally["errors"] == 0
    assert tally["violations"] == 0
    assert tally["member_consults_with_t18"] == 0
    assert tally["removal_done"] == TRIES  # the administrator's removal always goes through


def test_adding_a_member_while_his_group_is_closed(convention, admin_user, tree, role_t18):
    """R5: a member is never added to a group once it (or its parent) is closed, and gains no right
    through it. Even tries close the group itself, odd tries its parent."""
    tally = Counter(violations=0, member_has_rights=0, errors=0)
    org = convention.organisation
    for i in range(TRIES):
        member = f.UserFactory(organisation=org)
        parent = f.make_group(convention, f"P{i}", parent=tree, roles=[role_t18])
        group = f.make_group(convention, f"G{i}", parent=parent, roles=[role_t18])
        closed = group if i % 2 == 0 else parent

        outcomes = race(
            lambda: services.group_close(actor=admin_user, group=closed, closing_date=today()),
            lambda: services.membership_add(actor=admin_user, user=member, group=group),
        )

        tally["errors"] += len(unexpected(outcomes))
        tally["added"] += not isinstance(outcomes[1], Exception)
        added_at = journal_id(Action.MEMBERSHIP_ADDED, group_id=group.pk, target_user_id=member.pk)
        closed_at = journal_id(Action.GROUP_CLOSED, group_id=closed.pk)
        assert closed_at is not None and Group.objects.get(pk=closed.pk).status == Group.Status.CLOSED
        is_member = Membership.objects.filter(user=member, group=group).exists()
        tally["violations"] += is_member and (added_at is None or added_at > closed_at)
        tally["member_has_rights"] += consultation_rights(member, convention.caf_id).allowed
    report("member added / group closed", tally)
    assert tally["errors"] == 0
    assert tally["violations"] == 0
    assert tally["member_has_rights"] == 0


def test_naming_a_responsable_while_he_is_closed(convention, admin_user, tree):
    """R7: a person closed meanwhile is never named responsable; if the naming came first, the
    closure still goes through (and a closed person manages nothing)."""
    tally = Counter(violations=0, closed_person_manages=0, errors=0)
    org = convention.organisation
    for i in range(TRIES):
        person = f.UserFactory(organisation=org)
        group = f.make_group(convention, f"R{i}", parent=tree)

        outcomes = race(
            lambda: services.group_update(actor=admin_user, group=group, label=group.label,
                                          opening_date=group.opening_date, closing_date=None, responsable=person),
            lambda: user_close(actor=admin_user, user=person, convention=convention),
        )

        tally["errors"] += len(unexpected(outcomes))
        tally["named"] += not isinstance(outcomes[0], Exception)
        assert not isinstance(outcomes[1], Exception)  # the closure always goes through
        person = User.objects.get(pk=person.pk)
        named_at = journal_id(Action.RESPONSABLE_NAMED, group_id=group.pk, target_user_id=person.pk)
        closed_at = journal_id(Action.USER_CLOSED, target_user_id=person.pk)
        responsable = Group.objects.get(pk=group.pk).responsable_id == person.pk
        # Named after the closure: the naming read a stale « open ».
        tally["violations"] += responsable and (named_at is None or closed_at is None or named_at > closed_at)
        tally["closed_person_manages"] += management_scope(person, convention) is not None
    report("responsable named / person closed", tally)
    assert tally["errors"] == 0
    assert tally["violations"] == 0
    assert tally["closed_person_manages"] == 0
