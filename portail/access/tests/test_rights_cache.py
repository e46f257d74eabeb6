"""The shared cache of consultation rights never serves a removed right.

Each change that moves a right is made through its service while the cache is warm (the right is read
from the cache, not recomputed: proven by the query count and by a control that bypasses the models),
and the right is checked from both sides: gone after the change, back after the change that restores it.
These tests commit (transactional): the cache's stamps move when a transaction commits, as in production.
"""
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from portail.access import cafs_for_consultation, consultation_rights, rights, rights_cache
from portail.accounts import services as account_services
from portail.accounts.models import User
from portail.conventions import services as convention_services
from portail.conventions.models import Convention
from portail.core.clock import today
from portail.habilitations import services as habilitation_services
from portail.habilitations.models import Group, GroupRole, Membership
from portail.supervision import services_measures
from portail.testing import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


class World:
    def __init__(self):
        self.cdap = f.ServiceFactory()
        self.t1 = f.RoleFactory(service=self.cdap, code="T1", label="Travailleur social")
        self.t18 = f.RoleFactory(service=self.cdap, code="T18", label="Agent", tabs=["synthese", "resume"])
        self.t9 = f.RoleFactory(service=self.cdap, code="T9", label="Validé", tabs=["paiements"],
                                requires_caf_validation=True)
        self.org = f.OrganisationFactory()
        self.admin = f.UserFactory(organisation=self.org)
        self.convention = f.ConventionFactory(organisation=self.org, services=[self.cdap], administrators=[self.admin])
        self.caf_id = self.convention.caf_id
        self.agent = f.CafAgentFactory(caf=self.convention.caf)
        self.national = f.UserFactory(organisation=None, is_national_admin=True)
        self.main = f.make_group(self.convention, "MAIN", roles=[self.t1, self.t18, self.t9])
        self.sub = f.make_group(self.convention, "SUB", parent=self.main, roles=[self.t1, self.t18])
        self.member = f.UserFactory(organisation=self.org)
        Membership.objects.create(user=self.member, group=self.sub)
        # A colleague elsewhere in the organisation: other users' entries stay warm.
        self.other = f.UserFactory(organisation=self.org)
        Membership.objects.create(user=self.other, group=self.main)


@pytest.fixture
def new_world():
    """A fresh world (its own Caf, organisation, convention) for each scenario: one database flush for all."""
    def build():
        rights_cache.forget_local()
        return World()

    yield build
    rights_cache.forget_local()


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


def codes(user, caf_id, day=None) -> list[str]:
    return sorted(role.code for role, _ in consultation_rights(fresh(user), caf_id, day).grants)


def warm(user, caf_id) -> list[str]:
    """Read twice; the second read comes from the cache: no rights query, only the stamps when the cache is
    the database's (this process holds the entry)."""
    person = fresh(user)
    consultation_rights(person, caf_id)
    with CaptureQueriesContext(connection) as ctx:
        answer = sorted(role.code for role, _ in consultation_rights(person, caf_id).grants)
    in_database = "DatabaseCache" in settings.CACHES[settings.RIGHTS_CACHE]["BACKEND"]
    assert len(ctx) == (1 if in_database else 0), [q["sql"] for q in ctx.captured_queries]
    return answer


def a_warm_entry_is_served_by_the_cache_until_its_stamp_moves(world):
    assert warm(world.member, world.caf_id) == ["T1", "T18"]
    # Behind the models' back (a bulk update): the cache still answers, which is why bulk paths invalidate.
    GroupRole.objects.filter(group=world.sub, role=world.t18).update(state=GroupRole.State.REFUSED)
    assert codes(world.member, world.caf_id) == ["T1", "T18"]
    rights_cache.invalidate_organisations([world.org.pk])
    assert codes(world.member, world.caf_id) == ["T1"]
    GroupRole.objects.filter(group=world.sub, role=world.t18).update(state=GroupRole.State.ACTIVE)
    rights_cache.invalidate_everything()
    assert warm(world.member, world.caf_id) == ["T1", "T18"]
    # Another process's entry (only the shared cache holds it) is used as well.
    rights_cache.forget_local()
    with CaptureQueriesContext(connection) as ctx:
        assert codes(world.member, world.caf_id) == ["T1", "T18"]
    assert len(ctx) == 1 + 2  # the user, the stamps, the shared entry: no rights query


def memberships_and_their_end_dates(world):
    assert warm(world.member, world.caf_id) == ["T1", "T18"]
    habilitation_services.membership_remove(actor=world.admin, user=world.member, group=world.sub)
    assert codes(world.member, world.caf_id) == []
    assert cafs_for_consultation(fresh(world.member)) == []
    assert warm(world.member, world.caf_id) == []
    membership = habilitation_services.membership_add(actor=world.admin, user=world.member, group=world.sub)
    assert codes(world.member, world.caf_id) == ["T1", "T18"]
    assert [c.pk for c in cafs_for_consultation(fresh(world.member))] == [world.caf_id]
    # An end date: the right holds through that day, and not the next (the entry is keyed by day).
    warm(world.member, world.caf_id)
    habilitation_services.membership_set_end(actor=world.admin, membership=membership, ends_on=today())
    assert warm(world.member, world.caf_id) == ["T1", "T18"]
    assert codes(world.member, world.caf_id, today() + timedelta(days=1)) == []
    # Past end date written directly (a day later, as the clock would see it): nothing any more.
    Membership.objects.filter(pk=membership.pk).update(ends_on=today() - timedelta(days=1))
    rights_cache.invalidate_users([world.member.pk])
    assert codes(world.member, world.caf_id) == []
    assert rights.explain_memberships([(fresh(world.member), Group.objects.select_related("convention")
                                        .get(pk=world.sub.pk))]) == []


def group_roles_assigned_removed_approved_refused(world):
    other_before = warm(world.other, world.caf_id)
    assert warm(world.member, world.caf_id) == ["T1", "T18"]
    habilitation_services.group_roles_set(actor=world.admin, group=world.main, service=world.cdap,
                                          roles=[world.t1, world.t9])
    # Removed from the main group, so from its sub-group too (R3).
    assert codes(world.member, world.caf_id) == ["T1"]
    assert codes(world.other, world.caf_id) == ["T1", "T9"] and other_before == ["T1", "T18", "T9"]
    warm(world.member, world.caf_id)
    habilitation_services.group_roles_set(actor=world.admin, group=world.main, service=world.cdap,
                                          roles=[world.t1, world.t9, world.t18])
    habilitation_services.group_roles_set(actor=world.admin, group=world.sub, service=world.cdap,
                                          roles=[world.t1, world.t18])
    assert codes(world.member, world.caf_id) == ["T1", "T18"]
    # A role « validation Caf requise »: pending grants nothing; approved it does; refused never.
    habilitation_services.group_roles_set(actor=world.admin, group=world.sub, service=world.cdap,
                                          roles=[world.t1, world.t18, world.t9])
    assert warm(world.member, world.caf_id) == ["T1", "T18"]
    pending = GroupRole.objects.get(group=world.sub, role=world.t9)
    assert pending.state == GroupRole.State.PENDING
    habilitation_services.group_role_approve(actor=world.agent, grant=pending)
    assert warm(world.member, world.caf_id) == ["T1", "T18", "T9"]
    habilitation_services.group_roles_set(actor=world.admin, group=world.sub, service=world.cdap,
                                          roles=[world.t1, world.t18])
    habilitation_services.group_roles_set(actor=world.admin, group=world.sub, service=world.cdap,
                                          roles=[world.t1, world.t18, world.t9])
    warm(world.member, world.caf_id)
    habilitation_services.group_role_refuse(actor=world.agent, grant=GroupRole.objects.get(group=world.sub,
                                                                                             role=world.t9),
                                            reason="Non")
    assert codes(world.member, world.caf_id) == ["T1", "T18"]


def groups_closed_suspended_reinstated(world):
    assert warm(world.member, world.caf_id) == ["T1", "T18"]
    habilitation_services.group_set_suspension(actor=world.agent, group=world.main, move="suspend", reason="Contrôle")
    assert codes(world.member, world.caf_id) == []  # a suspended ancestor closes the subtree (R2)
    assert warm(world.member, world.caf_id) == []
    habilitation_services.group_set_suspension(actor=world.agent, group=Group.objects.get(pk=world.main.pk),
                                               move="reinstate", reason="Fin")
    assert warm(world.member, world.caf_id) == ["T1", "T18"]
    # Dates: a group that opens tomorrow grants nothing today, and does tomorrow.
    sub = Group.objects.get(pk=world.sub.pk)
    habilitation_services.group_update(actor=world.admin, group=sub, label=sub.label,
                                       opening_date=today() + timedelta(days=1), closing_date=None, responsable=None)
    assert codes(world.member, world.caf_id) == []
    assert codes(world.member, world.caf_id, today() + timedelta(days=1)) == ["T1", "T18"]
    habilitation_services.group_update(actor=world.admin, group=sub, label=sub.label,
                                       opening_date=today() - timedelta(days=1), closing_date=None, responsable=None)
    assert warm(world.member, world.caf_id) == ["T1", "T18"]
    habilitation_services.group_close(actor=world.admin, group=Group.objects.get(pk=world.sub.pk),
                                      closing_date=today())
    # Closed (status): nothing any more, today already.
    assert codes(world.member, world.caf_id) == []


def conventions_state_dates_and_services(world):
    assert warm(world.member, world.caf_id) == ["T1", "T18"]
    convention_services.convention_set_status(actor=world.agent, convention=world.convention, move="suspend",
                                              reason="Contrôle")
    assert codes(world.member, world.caf_id) == []
    convention_services.convention_set_status(actor=world.agent, convention=Convention.objects.get(pk=world.convention.pk),
                                              move="reopen", reason="Fin")
    assert warm(world.member, world.caf_id) == ["T1", "T18"]
    convention = Convention.objects.get(pk=world.convention.pk)
    convention_services.convention_update(actor=world.agent, convention=convention, label=convention.label,
                                          services=[world.cdap], opening_date=convention.opening_date,
                                          closing_date=today() + timedelta(days=2))
    assert warm(world.member, world.caf_id) == ["T1", "T18"]
    assert codes(world.member, world.caf_id, today() + timedelta(days=3)) == []
    convention_services.convention_set_status(actor=world.agent, convention=Convention.objects.get(pk=world.convention.pk),
                                              move="close", reason="Fin")
    assert codes(world.member, world.caf_id) == []


def users_closed_suspended_and_the_role_catalogue(world):
    assert warm(world.member, world.caf_id) == ["T1", "T18"]
    services_measures.user_set_suspension(actor=world.agent, user=world.member, move="suspend", reason="Contrôle")
    assert codes(world.member, world.caf_id) == []
    services_measures.user_set_suspension(actor=world.agent, user=world.member, move="reinstate", reason="Fin")
    assert warm(world.member, world.caf_id) == ["T1", "T18"]
    # The catalogue: a role's tabs change for everyone who holds it.
    def t18_tabs():
        grants = consultation_rights(fresh(world.member), world.caf_id).grants
        return [role.tabs for role, _ in grants if role.code == "T18"][0]

    assert t18_tabs() == ["synthese", "resume"]
    convention_services.role_save(actor=world.national, service=world.cdap, code="T18", label="Agent",
                                  tabs=["synthese", "famille"], role=world.t18)
    assert t18_tabs() == ["synthese", "famille"]
    # A user who closes loses everything; an entry of the user object itself is never needed.
    person = fresh(world.member)
    account_services.user_close(actor=world.admin, user=person)
    assert codes(world.member, world.caf_id) == []
    assert warm(world.other, world.caf_id) == ["T1", "T18", "T9"]


def within_a_transaction_the_change_is_seen_before_it_commits(world):
    from django.db import transaction

    assert warm(world.member, world.caf_id) == ["T1", "T18"]
    with transaction.atomic():
        Membership.objects.filter(user=world.member).delete()
        # This transaction bypasses the cache for what it changed; nothing is stored meanwhile.
        assert codes(world.member, world.caf_id) == []
    assert codes(world.member, world.caf_id) == []
    try:
        with transaction.atomic():
            Membership.objects.create(user=world.member, group=world.sub)
            assert codes(world.member, world.caf_id) == ["T1", "T18"]
            raise RuntimeError
    except RuntimeError:
        pass
    assert codes(world.member, world.caf_id) == []


def _redis_reachable() -> bool:
    try:
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=0.2).ping()
        return True
    except Exception:
        return False




def _drop(prefix: str) -> None:
    """Only this test's keys (the Redis database is shared: never FLUSHDB)."""
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def _redis_caches(prefix: str) -> dict:
    redis = {"BACKEND": "portail.core.redis_cache.RedisCache", "LOCATION": "redis://127.0.0.1:6379/0",
             "KEY_PREFIX": prefix}
    return {"default": settings.CACHES["default"], "rights": redis, "another_process": dict(redis)}


def redis_two_clients_share_the_stamps(world):
    """What one client (another worker) moves, the other sees at its next read: it holds no stamp of its own."""
    prefix = f"test-rights-{os.getpid()}-{world.member.pk}"
    with override_settings(CACHES=_redis_caches(prefix), RIGHTS_CACHE="rights"):
        try:
            assert codes(world.member, world.caf_id) == ["T1", "T18"]
            with CaptureQueriesContext(connection) as ctx:
                assert codes(world.member, world.caf_id) == ["T1", "T18"]
            assert len(ctx) == 1  # the user only: the stamps come from this process's mirror of Redis
            Membership.objects.filter(user=world.member).update(ends_on=today() - timedelta(days=1))
            assert codes(world.member, world.caf_id) == ["T1", "T18"]  # no signal: the cache still answers
            # The other client moves the stamp as a service of another worker does: this process's mirror of
            # the stamps hears of it before its next read.
            rights_cache._write_stamps([rights_cache.user_key(world.member.pk)], cache=caches["another_process"])
            assert codes(world.member, world.caf_id) == []
            # A stamp moved behind the announcements' back (written by hand) is not seen by the mirror…
            Membership.objects.filter(user=world.member).update(ends_on=None)
            caches["another_process"].set(rights_cache.user_key(world.member.pk), 777, timeout=None)
            assert codes(world.member, world.caf_id) == []
            # …but by a process that reads the stamps from Redis; an evicted stamp gets a fresh token there,
            # so an older entry never matches again.
            rights_cache.forget_local()
            assert codes(world.member, world.caf_id) == ["T1", "T18"]
            caches["another_process"].delete(rights_cache.user_key(world.member.pk))
            Membership.objects.filter(user=world.member).update(ends_on=today() - timedelta(days=1))
            rights_cache.forget_local()
            assert codes(world.member, world.caf_id) == []
        finally:
            _drop(prefix)


def redis_a_subscription_cut_trusts_no_kept_stamp(world, *, retry: bool):
    """The server closes this process's subscription (a Redis restart, a proxy's idle timeout); a right is removed
    before anything reads again, its announcement lost. By default redis-py then raises at the next read; with a
    retry policy (`OPTIONS: {"retry": …}`) it connects and subscribes again by itself, without a word. Either
    way the kept stamps must not be trusted: the right is gone, and what comes next on the new connection is
    heard."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    prefix = f"test-rights-cut-{retry}-{os.getpid()}-{world.member.pk}"
    caches_ = _redis_caches(prefix)
    if retry:
        caches_["rights"]["OPTIONS"] = {"retry": Retry(NoBackoff(), 2)}
    with override_settings(CACHES=caches_, RIGHTS_CACHE="rights"):
        try:
            assert codes(world.member, world.caf_id) == ["T1", "T18"]
            mirror = rights_cache._mirror(caches["rights"])
            before = mirror.pubsub.connection._sock
            host, port = before.getsockname()[:2]
            assert redis.Redis.from_url("redis://127.0.0.1:6379/0").client_kill(f"{host}:{port}")
            # The stamp moves while nobody listens (as another worker moves it, announcement included).
            Membership.objects.filter(user=world.member).update(ends_on=today() - timedelta(days=1))
            rights_cache._write_stamps([rights_cache.user_key(world.member.pk)], cache=caches["another_process"])
            assert codes(world.member, world.caf_id) == []
            if retry:  # redis-py made the connection again: the mirror watches the new one
                assert mirror.pubsub.connection._sock is mirror.sock is not before
            Membership.objects.filter(user=world.member).update(ends_on=None)
            rights_cache._write_stamps([rights_cache.user_key(world.member.pk)], cache=caches["another_process"])
            assert codes(world.member, world.caf_id) == ["T1", "T18"]
        finally:
            rights_cache.forget_local()
            _drop(prefix)


SCENARIOS = [
    a_warm_entry_is_served_by_the_cache_until_its_stamp_moves,
    memberships_and_their_end_dates,
    group_roles_assigned_removed_approved_refused,
    groups_closed_suspended_reinstated,
    conventions_state_dates_and_services,
    users_closed_suspended_and_the_role_catalogue,
    within_a_transaction_the_change_is_seen_before_it_commits,
]


def test_every_change_that_moves_a_right(new_world):
    """Each scenario in its own world; one test, so the database is emptied once (these tests commit)."""
    for scenario in SCENARIOS:
        scenario(new_world())
    if _redis_reachable():
        redis_two_clients_share_the_stamps(new_world())
        redis_a_subscription_cut_trusts_no_kept_stamp(new_world(), retry=False)
        redis_a_subscription_cut_trusts_no_kept_stamp(new_world(), retry=True)


def test_a_database_emptied_and_filled_again_moves_the_right_stamps(new_world):
    """After a flush (or a rebuilt database), the same ids can name other rows: a group id this process saw in
    another convention must not send its changes to that convention's organisation."""
    from django.core.management import call_command

    first = new_world()
    habilitation_services.group_roles_set(actor=first.admin, group=first.main, service=first.cdap,
                                          roles=[first.t1, first.t9])  # the sub-group's too: this process learns ids
    call_command("flush", interactive=False, verbosity=0)
    f.ConventionFactory()  # another organisation's convention takes the first convention's place
    world = World()  # no forget_local(): only what the flush itself triggers
    assert warm(world.member, world.caf_id) == ["T1", "T18"]
    habilitation_services.group_roles_set(actor=world.admin, group=world.main, service=world.cdap,
                                          roles=[world.t1, world.t9])
    assert codes(world.member, world.caf_id) == ["T1"]


SCRIPT = """
import django, os, sys
django.setup()
from django.test import override_settings
from portail.accounts.models import User
from portail.habilitations.models import Group
from portail.habilitations import services
admin, member, group = (int(x) for x in sys.argv[1:4])
services.membership_remove(actor=User.objects.get(pk=admin), user=User.objects.get(pk=member),
                           group=Group.objects.get(pk=group))
print("removed")
"""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="another process needs a database it can reach")
def test_another_process_removes_a_membership(new_world):
    """A second process (a worker) removes the membership through the service: this one sees it at once,
    with the database cache and with Redis."""
    for backend in ["database", "redis"] if _redis_reachable() else ["database"]:
        _another_process_removes_a_membership(new_world(), backend)


def _another_process_removes_a_membership(world, backend):
    prefix = f"test-rights-proc-{os.getpid()}-{world.member.pk}"
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    overrides = {}
    if backend == "redis":
        overrides = {"CACHES": _redis_caches(prefix), "RIGHTS_CACHE": "rights"}
        env["PORTAIL_TEST_RIGHTS_REDIS_PREFIX"] = prefix
    script = SCRIPT
    if backend == "redis":
        script = SCRIPT.replace("services.membership_remove(", (
            "override_settings(CACHES={'default': {'BACKEND': 'django.core.cache.backends.db.DatabaseCache', "
            "'LOCATION': 'portail_cache'}, 'rights': {'BACKEND': 'portail.core.redis_cache.RedisCache', "
            "'LOCATION': 'redis://127.0.0.1:6379/0', 'KEY_PREFIX': os.environ['PORTAIL_TEST_RIGHTS_REDIS_PREFIX']}}, "
            "RIGHTS_CACHE='rights').enable()\nservices.membership_remove("), 1)
    with override_settings(**overrides):
        try:
            assert warm(world.member, world.caf_id) == ["T1", "T18"]
            done = subprocess.run([sys.executable, "-c", script, str(world.admin.pk), str(world.member.pk),
                                   str(world.sub.pk)], env=env, cwd=settings.BASE_DIR, capture_output=True,
                                  text=True, timeout=120)
            assert done.returncode == 0, done.stderr[-2000:]
            assert codes(world.member, world.caf_id) == []
        finally:
            if backend == "redis":
                _drop(prefix)
