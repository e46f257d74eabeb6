"""« Supervision habilitations »: who sees what, the « why » of each right, the monthly checks, the CSV."""
import csv
import io
import random
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portail import access
from portail.accounts.models import User
from portail.core.clock import today
from portail.habilitations.models import Group, GroupRole, Membership
from portail.journal.models import Action, JournalEntry
from portail.supervision.selectors import habilitations as sel
from portail.testing import factories as f
from portail.testing.auth import sign_in
from portail.testing.world import build_world

pytestmark = pytest.mark.django_db

PAGES = ["supervision:habilitations_convention", "supervision:habilitations_convention_csv",
         "supervision:changes_convention", "supervision:changes_convention_csv"]
CAF_PAGES = ["supervision:habilitations_caf", "supervision:habilitations_caf_csv", "supervision:changes_caf",
             "supervision:changes_caf_csv"]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The shared world plus a national administrator, built once and rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            w = build_world()
            w.national = f.UserFactory(organisation=None, is_national_admin=True, last_name="National")
            yield w
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def client_of(user) -> Client:
    client = Client()
    return sign_in(client, user) if user is not None else client


def status(user, name, *args, query="") -> int:
    response = client_of(user).get(reverse(name, args=args) + query)
    return response.status_code


# ------------------------------------------------------------------------------------------ permissions

# Convention 1 of Caf 1: its agent, another Caf's agent, the national administrator, its administrator, the
# responsable of N3, a plain user (no role to manage), the administrator of another organisation, anonymous.
CONV1 = {"agent1": 200, "agent2": 404, "national": 200, "admin1": 200, "responsable": 200, "plain": 404,
         "t1_user": 404, "partner_b": 404, "admin2": 404, None: 302}


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("actor,expected", CONV1.items())
def test_convention_pages_answer_each_kind_of_actor(world, name, actor, expected):
    user = getattr(world, actor) if actor else None
    assert status(user, name, world.conv1.pk) == expected


@pytest.mark.parametrize("name", CAF_PAGES)
@pytest.mark.parametrize("actor,expected", {"agent1": 200, "agent2": 200, "national": 200, "admin1": 404,
                                            "responsable": 404, "plain": 404, None: 302}.items())
def test_caf_wide_pages_are_for_the_caf_side_only(world, name, actor, expected):
    user = getattr(world, actor) if actor else None
    assert status(user, name) == expected


def test_an_agent_cannot_choose_another_caf_but_the_national_administrator_can(world):
    query = f"?caf={world.caf2.pk}"
    assert status(world.agent1, "supervision:habilitations_caf", query=query) == 404
    assert status(world.national, "supervision:habilitations_caf", query=query) == 200
    assert status(world.national, "supervision:habilitations_caf", query="?caf=abc") == 404


def test_the_chooser_sends_a_partner_to_his_convention_and_lets_the_caf_choose(world):
    response = client_of(world.admin1).get(reverse("supervision:habilitations"))
    assert response.status_code == 302 and response.url == reverse("supervision:habilitations_convention",
                                                                   args=[world.conv1.pk])
    body = client_of(world.agent1).get(reverse("supervision:changes")).content.decode()
    assert "CONVUNZ Convention 1" in body and "CONVDEUXZ Convention 2" in body and "EXTERIEURZ" not in body
    body = client_of(world.national).get(reverse("supervision:habilitations")).content.decode()
    assert "EXTERIEURZ Convention" in body and "CONVUNZ Convention 1" in body
    assert status(world.plain, "supervision:habilitations") == 404


def test_menu_entries_show_for_supervisors_only(world):
    entries = ("Supervision habilitations", "Supervision modifier")
    for user in (world.admin1, world.responsable, world.agent1, world.national):
        body = client_of(user).get(reverse("home:index")).content.decode()
        assert all(e in body for e in entries), user
    body = client_of(world.t1_user).get(reverse("home:index")).content.decode()
    assert not any(e in body for e in entries)


def test_the_responsable_sees_his_subtree_only(world):
    body = client_of(world.responsable).get(
        reverse("supervision:habilitations_convention", args=[world.conv1.pk]) + "?vue=groupes").content.decode()
    assert "CONVUNZ niveau 3" in body and "CONVUNZ niveau 6" in body
    assert "CONVUNZ niveau 2" not in body and "ACCUEILZ" not in body
    admin_body = client_of(world.admin1).get(
        reverse("supervision:habilitations_convention", args=[world.conv1.pk]) + "?vue=groupes").content.decode()
    assert "ACCUEILZ" in admin_body and "N2 — CONVUNZ niveau 2" in admin_body


# ------------------------------------------------------------------------------------------ the « why »


def _random_world(seed: int):
    """A convention with a tree of 6 levels, random roles (some pending), members, closed groups and people."""
    rng = random.Random(seed)
    cdap = f.ServiceFactory()
    roles = [f.RoleFactory(service=cdap, code=f"R{i}") for i in range(4)]
    conv = f.ConventionFactory(services=[cdap])
    admin = f.UserFactory(organisation=conv.organisation)
    conv.administrators.add(admin)
    people = [f.UserFactory(organisation=conv.organisation) for _ in range(14)]
    for person in people[:2]:
        person.status = User.Status.CLOSED
        person.save()
    groups = []
    for i in range(22):
        parent = rng.choice(groups) if groups and rng.random() < 0.85 else None
        if parent is not None and parent.level >= 6:
            parent = None
        group = f.GroupFactory(convention=conv, parent=parent, code=f"G{i}")
        groups.append(group)
    deep = groups[0]
    for level in range(2, 7):  # at least one branch of six levels
        deep = f.GroupFactory(convention=conv, parent=deep, code=f"D{level}")
        groups.append(deep)
    for group in groups:
        for role in rng.sample(roles, rng.randint(0, 4)):
            state = GroupRole.State.PENDING if rng.random() < 0.15 else GroupRole.State.ACTIVE
            GroupRole.objects.create(group=group, role=role, state=state)
        for person in rng.sample(people, rng.randint(0, 4)):
            Membership.objects.create(user=person, group=group)
    for group in rng.sample(groups, 3):
        group.status = Group.Status.CLOSED
        group.closing_date = group.opening_date
        group.save()
    return conv, admin, people


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_why_shown_is_a_right_the_access_module_grants_and_the_other_way_round(seed):
    conv, admin, people = _random_world(seed)
    scope = access.supervision_of_convention(admin, conv.pk)
    shown = {}
    for row in sel.right_rows(sel.right_rows_queryset(scope)):
        if row.state == "actif":
            shown[(row.user.pk, row.group.pk, row.role.pk)] = [g.pk for g in row.chain]
            # The path climbs from the member's group to the main group, each a parent of the one before.
            path = [*row.chain, row.group]
            assert path[0].parent_id is None and all(b.parent_id == a.pk for a, b in zip(path, path[1:]))
    granted = {}
    for person in people:
        for grant in access.roles_of(person, caf_id=conv.caf_id, service_code="CDAP", explain=True):
            granted[(person.pk, grant.group.pk, grant.role.pk)] = [g.pk for g in grant.chain]
        rights = access.consultation_rights(person, conv.caf_id)
        assert {(g.pk, r.pk) for r, g in rights.grants} == {(k[1], k[2]) for k in shown if k[0] == person.pk}
    assert shown == granted
    assert shown, "the random world grants something"


@pytest.mark.parametrize("seed", [1, 2])
def test_the_export_says_what_the_page_says_for_every_right(seed):
    """The CSV reads its rows as tuples and asks the access module once per membership: same states, same « why »."""
    conv, admin, people = _random_world(seed)
    scope = access.supervision_of_convention(admin, conv.pk)
    on_page = [(r.user.username, r.group.code, r.role.code, r.state_label, " → ".join(r.why) if r.state == "actif"
                else "", " > ".join(g.code for g in r.chain)) for r in sel.right_rows(sel.right_rows_queryset(scope))]
    exported = [(row[1], row[4], row[7], row[9], row[10], row[6])
                for row in sel.export_rows(sel.right_rows_queryset(scope), chunk_size=7)]
    assert exported == on_page
    assert {state for *_, state, _, _ in on_page} >= {"Actif", "Sans effet", "En attente de validation Caf"}
    assert len(on_page) == sel.right_rows_count(scope)
    someone = people[3]
    filters_tried = [{"user": someone.last_name}, {"group": "D"}, {"state": "attente"},
                     {"user": someone.username, "state": "actif"}]
    for filters in filters_tried:
        assert sel.right_rows_count(scope, **filters) == len(sel.right_rows_queryset(scope, **filters)), filters


def test_why_is_written_as_a_path_and_other_states_say_why_not(world):
    body = client_of(world.admin1).get(reverse("supervision:habilitations_convention", args=[world.conv1.pk])
                                       + "?utilisateur=Travailleur&role=" + str(world.t18.pk)).content.decode()
    assert (f"Sophie Travailleur ({world.t1_user.username}) → membre de N5 « CONVUNZ niveau 5 » → sous-groupe de "
            "N4 « CONVUNZ niveau 4 » → sous-groupe de N3 « CONVUNZ niveau 3 » → sous-groupe de N2 « CONVUNZ niveau 2 »"
            " → sous-groupe de N1 « CONVUNZ niveau 1 » → rôle T18") in body
    assert "Actif" in body


def test_pending_and_ineffective_roles_are_not_shown_as_rights(world):
    pending = GroupRole.objects.create(group=world.group_n5, role=f.RoleFactory(service=world.t1.service, code="T9"),
                                       state=GroupRole.State.PENDING)
    try:
        scope = access.supervision_of_convention(world.admin1, world.conv1.pk)
        rows = sel.right_rows(sel.right_rows_queryset(scope, user=world.t1_user.username))
        states = {r.role.code: r.state for r in rows}
        assert states == {"T1": "actif", "T18": "actif", "T9": "attente"}
        rows = sel.right_rows(sel.right_rows_queryset(scope, state="attente"))
        assert [(r.user.pk, r.role.code) for r in rows] == [(world.t1_user.pk, "T9")]
    finally:
        pending.delete()


# ------------------------------------------------------------------------------------------ monthly checks


def test_each_monthly_check_lists_exactly_its_people_or_groups():
    conv = f.ConventionFactory()
    org = conv.organisation
    admin = f.UserFactory(organisation=org, last_name="Admin")
    conv.administrators.add(admin)
    placed = f.UserFactory(organisation=org, last_name="Place")
    placed.last_login = timezone.now()
    placed.save()
    alone = f.UserFactory(organisation=org, last_name="Seul")
    never = f.UserFactory(organisation=org, last_name="Jamais")
    never.set_unusable_password()
    never.save()
    dormant = f.UserFactory(organisation=org, last_name="Dormant")
    dormant.last_login = timezone.now() - timedelta(days=200)
    dormant.save()
    leaving = f.UserFactory(organisation=org, last_name="Partant", closing_date=today() + timedelta(days=10))
    later = f.UserFactory(organisation=org, last_name="Tardif", closing_date=today() + timedelta(days=60))
    orphan_lead = f.UserFactory(organisation=org, last_name="Orphelin")
    lead = f.UserFactory(organisation=org, last_name="Chef")
    for person in (leaving, later, orphan_lead, lead):
        person.last_login = timezone.now()
        person.save()
    team = f.make_group(conv, "EQUIPE", members=[placed, never, dormant, leaving, later, lead], responsable=lead)
    empty = f.make_group(conv, "VIDE")
    f.make_group(conv, "FERME", responsable=orphan_lead, members=[orphan_lead], status=Group.Status.CLOSED,
                 closing_date=conv.opening_date)
    scope = access.supervision_of_convention(admin, conv.pk)

    def names(key):
        return sorted(getattr(o, "last_name", None) or o.code for o in sel.CHECK_QUERIES[key](scope))

    assert names("sans-groupe") == ["Admin", "Seul"]
    assert names("groupes-vides") == ["VIDE"]
    assert names("comptes-inactifs") == ["Admin", "Dormant", "Jamais", "Seul"]
    assert names("cloture-proche") == ["Partant"]
    assert names("responsables-sans-groupe") == ["Orphelin"]
    assert team and empty
    body = sign_in(Client(), admin).get(reverse("supervision:habilitations_convention", args=[conv.pk])
                                        + "?vue=responsables-sans-groupe").content.decode()
    assert "Responsables sans groupe (1)" in body and "Orphelin" in body and "Chef" not in body


# ------------------------------------------------------------------------------------------ query counts and CSV


def _convention_with(n: int):
    conv = f.ConventionFactory()
    cdap = conv.services.first()
    t1 = f.RoleFactory(service=cdap, code="T1")
    admin = f.UserFactory(organisation=conv.organisation)
    conv.administrators.add(admin)
    parent = f.make_group(conv, "HAUT", roles=[t1])
    for i in range(n):
        group = f.make_group(conv, f"S{i}", parent=parent, roles=[t1])
        Membership.objects.create(user=f.UserFactory(organisation=conv.organisation), group=group)
    return conv, admin


@pytest.mark.parametrize("view", ["droits", "groupes", "sans-groupe", "comptes-inactifs"])
def test_pages_read_a_constant_number_of_queries(view, django_assert_max_num_queries):
    counts = []
    for n in (3, 30):
        conv, admin = _convention_with(n)
        client = sign_in(Client(), admin)
        url = reverse("supervision:habilitations_convention", args=[conv.pk]) + f"?vue={view}"
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        client.get(url)  # what a first request reads once (the session, the menu's rights) is not what is measured
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_csv_export_holds_the_filtered_rights_and_is_journaled_first(world):
    client = client_of(world.admin1)
    url = reverse("supervision:habilitations_convention_csv", args=[world.conv1.pk])
    before = JournalEntry.objects.filter(action=Action.SUPERVISION_EXPORTED).count()
    response = client.get(url + f"?role={world.t1.pk}&etat=actif")
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:4] == ["Convention", "Identifiant", "Nom", "Prénoms"]
    people = sorted(r[1] for r in rows[1:])
    assert people == sorted([world.t1_user.username, world.two_conventions.username])
    t1_row = next(r for r in rows[1:] if r[1] == world.t1_user.username)
    assert t1_row[4] == "N5" and t1_row[6] == "N1 > N2 > N3 > N4" and t1_row[7] == "T1" and t1_row[9] == "Actif"
    assert t1_row[10].endswith("→ rôle T1")
    entry = JournalEntry.objects.filter(action=Action.SUPERVISION_EXPORTED).order_by("-id").first()
    assert JournalEntry.objects.filter(action=Action.SUPERVISION_EXPORTED).count() == before + 1
    assert entry.actor_id == world.admin1.pk and entry.convention_id == world.conv1.pk
    assert entry.details["page"] == "habilitations" and entry.details["rows"] == 2
    assert entry.details["filters"] == {"role": str(world.t1.pk), "etat": "actif"}


def test_a_responsable_export_holds_his_subtree_only(world):
    response = client_of(world.responsable).get(
        reverse("supervision:habilitations_convention_csv", args=[world.conv1.pk]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert world.t1_user.username in text and world.t18_user.username not in text


@pytest.mark.parametrize("view", ["droits", "groupes"])
def test_caf_wide_pages_and_export_read_a_constant_number_of_queries(view):
    """An agent of the Caf: the same number of queries with ten times the groups and members (page and CSV)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (3, 30):
        conv, _ = _convention_with(n)
        client = sign_in(Client(), f.CafAgentFactory(caf=conv.caf))
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("supervision:habilitations_caf") + f"?vue={view}").status_code == 200
        with CaptureQueriesContext(connection) as export:
            response = client.get(reverse("supervision:habilitations_caf_csv"))
            rows = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
        assert len(rows) >= 1 + n  # the header, then one right per member at least
        counts.append((len(page), len(export)))
    assert counts[0] == counts[1], counts


def _convention_with_members(n: int):
    """A convention whose `n` members each hold two roles: 2n rows, more than a page (50) when n is 30."""
    conv = f.ConventionFactory()
    cdap = conv.services.first()
    t1, t18 = f.RoleFactory(service=cdap, code="T1"), f.RoleFactory(service=cdap, code="T18")
    admin = f.UserFactory(organisation=conv.organisation)
    conv.administrators.add(admin)
    parent = f.make_group(conv, "HAUT", roles=[t1, t18])
    for i in range(n):
        group = f.make_group(conv, f"S{i}", parent=parent, roles=[t1, t18])
        Membership.objects.create(user=f.UserFactory(organisation=conv.organisation), group=group)
    return conv, admin


def test_rights_pages_and_export_beyond_a_page_read_a_constant_number_of_queries(monkeypatch):
    """Page 1, page 2 and the CSV (read in slices of 10 rows) cost the same queries for 6 rows as for 60."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portail.supervision.views import partner_habilitations

    monkeypatch.setattr(partner_habilitations, "EXPORT_CHUNK", 10)
    counts = []
    for n in (3, 30):
        conv, admin = _convention_with_members(n)
        client = sign_in(Client(), admin)
        url = reverse("supervision:habilitations_convention", args=[conv.pk])
        client.get(url)  # what a first request reads once (the session, the menu's rights) is not what is measured
        got = []
        # A filter every row matches (identifiers are TEST…; random names may lack any given letter).
        for query in ("", "?page=2", "?tri=role", "?utilisateur=tes"):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url + query)
            assert response.status_code == 200
            got.append(len(queries))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("supervision:habilitations_convention_csv", args=[conv.pk]))
            lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
        got.append(len(queries))
        assert len(lines) == 1 + 2 * n
        assert sum(";Actif;" in line for line in lines) == 2 * n
        counts.append(got)
    assert counts[0] == counts[1], counts
    assert f"Droits ({2 * 30} lignes)" in client.get(url).content.decode()


@pytest.mark.parametrize("view", ["groupes", "responsables-sans-groupe"])
def test_group_tree_and_orphan_responsables_beyond_a_page_read_a_constant_number_of_queries(view):
    """60 groups (more than a page), each with its responsable, every other one closed: same queries as for 3."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts, bodies = [], []
    for n in (3, 60):
        conv = f.ConventionFactory()
        admin = f.UserFactory(organisation=conv.organisation)
        conv.administrators.add(admin)
        parent = f.make_group(conv, "HAUT")
        for i in range(n):
            closed = {"status": Group.Status.CLOSED, "closing_date": conv.opening_date} if i % 2 else {}
            f.make_group(conv, f"S{i:02}", parent=parent, members=[f.UserFactory(organisation=conv.organisation)],
                         responsable=f.UserFactory(organisation=conv.organisation, last_name=f"Chef{i:02}"), **closed)
        client = sign_in(Client(), admin)
        url = reverse("supervision:habilitations_convention", args=[conv.pk]) + f"?vue={view}"
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            bodies.append(client.get(url + "&page=2").content.decode())
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    if view == "groupes":
        assert "Groupes (61)" in bodies[1] and "S59 — " in bodies[1] and "HAUT" in bodies[1]  # page 2: S49…S59
    else:
        assert "Responsables sans groupe (30)" in bodies[1] and "Chef59" in bodies[1] and "Chef58" not in bodies[1]
