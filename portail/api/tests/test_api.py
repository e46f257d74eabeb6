"""The REST API with tokens: the screens' permission matrix repeated through the API, the rules (R3 ceiling,
pending Caf validation, R7b), bad input and refusals (RFC 9457 problems, journaled), pagination, filtering,
throttling, and the journal of every change with the token that caused it.

The world (portail/testing/world.py) is built once for the module; each request runs in a savepoint rolled back.
"""
import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from portail.access import consultation_rights
from portail.api import tokens
from portail.api.models import ApiToken
from portail.accounts.models import User
from portail.core.clock import now, today
from portail.habilitations.models import Group, GroupRole, Membership
from portail.journal.models import Action, JournalEntry
from portail.testing.world import build_world, rolled_back

pytestmark = pytest.mark.django_db

API = "/api/v1/"
PROBLEM_KEYS = {"type", "title", "status", "detail"}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), rolled_back():
        w = build_world()
        w.raw = {}
        for name, admin, conv in (("admin1", w.admin1, w.conv1), ("admin2", w.admin2, w.conv2),
                                  ("partner_b", w.partner_b, w.conv_b)):
            token, raw = tokens.token_create(actor=admin, convention=conv, name=f"outil {name}",
                                             scopes=["api"], expires_on=today() + timedelta(days=30))
            w.raw[name] = raw
        w.t1_membership = Membership.objects.get(user=w.t1_user, group=w.group_n5)
        w.cdap = w.t1.service
        yield w


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()  # throttling counters


@pytest.fixture
def rollback(world):
    """Whatever the test writes is undone, the module's world stays."""
    with transaction.atomic():
        yield world
        transaction.set_rollback(True)


CLIENT = Client(raise_request_exception=False)  # one client: each new one loads the middleware again (slow)


def call(raw, method, path, body=None, *, content=None, content_type="application/json"):
    client = CLIENT
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if raw else {}
    data = content if content is not None else (json.dumps(body) if body is not None else None)
    kwargs = {"content_type": content_type} if data is not None else {}
    return getattr(client, method.lower())(API + path.lstrip("/"), data, **kwargs, **headers) \
        if data is not None else getattr(client, method.lower())(API + path.lstrip("/"), **headers)


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert PROBLEM_KEYS <= set(body) and body["status"] == status
    assert body["type"].startswith("https://")
    return body


# ---------------------------------------------------------------- the screens' matrix, through the API

TOKENS = ("admin1", "admin2", "partner_b")


def _m(spec: str) -> dict:
    return dict(zip(TOKENS, spec.split()))


# (label, method, path(w), body(w) or None, expected per token: admin of convention 1, of convention 2 (same
# organisation), of convention B). The same answers as the screens' URL matrix for those actors.
MATRIX = [
    ("conventions", "GET", lambda w: "conventions/", None, _m("200 200 200")),
    ("convention 1", "GET", lambda w: f"conventions/{w.conv1.pk}/", None, _m("200 404 404")),
    ("convention B", "GET", lambda w: f"conventions/{w.conv_b.pk}/", None, _m("404 404 200")),
    ("groups", "GET", lambda w: "groups/", None, _m("200 200 200")),
    ("group N1", "GET", lambda w: f"groups/{w.tree[0].pk}/", None, _m("200 404 404")),
    ("group Accueil", "GET", lambda w: f"groups/{w.accueil.pk}/", None, _m("200 404 404")),
    ("group of convention B", "GET", lambda w: f"groups/{w.group_b.pk}/", None, _m("404 404 200")),
    ("roles of N1", "GET", lambda w: f"groups/{w.tree[0].pk}/roles/", None, _m("200 404 404")),
    ("T1 user (organisation A)", "GET", lambda w: f"users/{w.t1_user.pk}/", None, _m("200 200 404")),
    ("member of B", "GET", lambda w: f"users/{w.member_b.pk}/", None, _m("404 404 200")),
    ("memberships", "GET", lambda w: "memberships/", None, _m("200 200 200")),
    ("membership of the T1 user", "GET", lambda w: f"memberships/{w.t1_membership.pk}/", None, _m("200 404 404")),
    ("journal", "GET", lambda w: "journal/", None, _m("200 200 200")),
    ("create a sub-group of N1", "POST", lambda w: "groups/",
     lambda w: {"code": "APISUB", "label": "Sous-groupe", "parent": w.tree[0].pk}, _m("201 404 404")),
    ("change N2", "PATCH", lambda w: f"groups/{w.tree[1].pk}/", lambda w: {"label": "Nouveau"}, _m("200 404 404")),
    ("close N2", "POST", lambda w: f"groups/{w.tree[1].pk}/close/", lambda w: {}, _m("200 404 404")),
    ("roles of N2", "PUT", lambda w: f"groups/{w.tree[1].pk}/roles/",
     lambda w: {"service": w.cdap.code, "roles": ["T1", "T18"]}, _m("200 404 404")),
    ("change the T1 user (rights from convention 1)", "PATCH", lambda w: f"users/{w.t1_user.pk}/",
     lambda w: {"first_name": "Sophie-Anne"}, _m("200 403 404")),
    ("change the person of two conventions", "PATCH", lambda w: f"users/{w.two_conventions.pk}/",
     lambda w: {"first_name": "Inès"}, _m("403 403 404")),
    ("change an administrator of another convention / oneself", "PATCH", lambda w: f"users/{w.admin2.pk}/",
     lambda w: {"first_name": "Hugo"}, _m("403 403 404")),
    ("close the person in no group", "POST", lambda w: f"users/{w.plain.pk}/close/", None, _m("200 200 404")),
    ("create a user", "POST", lambda w: "users/",
     lambda w: {"last_name": "Nouveau", "first_name": "Noé", "email": "noe@example.org"}, _m("201 201 201")),
    ("add the plain user to N1", "POST", lambda w: "memberships/",
     lambda w: {"user": w.plain.pk, "group": w.tree[0].pk}, _m("201 404 404")),
    ("add the plain user to convention 2's group", "POST", lambda w: "memberships/",
     lambda w: {"user": w.plain.pk, "group": w.conv2_group.pk}, _m("404 201 404")),
    ("add a member of B to N1", "POST", lambda w: "memberships/",
     lambda w: {"user": w.member_b.pk, "group": w.tree[0].pk}, _m("404 404 404")),
    ("end date of the T1 user's membership", "PATCH", lambda w: f"memberships/{w.t1_membership.pk}/",
     lambda w: {"ends_on": str(today() + timedelta(days=10))}, _m("200 404 404")),
    ("remove the T1 user from N5", "DELETE", lambda w: f"memberships/{w.t1_membership.pk}/", None,
     _m("204 404 404")),
]


def test_permission_matrix_through_the_api(world):
    failures = []
    for label, method, path, body, expected in MATRIX:
        for who in TOKENS:
            with transaction.atomic():
                response = call(world.raw[who], method, path(world), body(world) if body else None)
                got = str(response.status_code)
                if got != expected[who]:
                    failures.append(f"{label}: {method} {path(world)} with {who}'s token: expected {expected[who]}, "
                                    f"got {got} {response.content[:200]!r}")
                elif got in ("403", "404"):
                    assert_problem(response, int(got))
                transaction.set_rollback(True)
    assert not failures, "\n".join(failures)


def test_lists_stay_within_the_token_convention(world):
    groups = call(world.raw["admin2"], "GET", "groups/").json()
    assert [g["code"] for g in groups["results"]] == ["C2"]
    conventions = call(world.raw["partner_b"], "GET", "conventions/").json()
    assert [c["id"] for c in conventions] == [world.conv_b.pk]
    users = {u["username"] for u in call(world.raw["partner_b"], "GET", "users/?page_size=500").json()["results"]}
    assert users == {world.partner_b.username, world.member_b.username}
    memberships = call(world.raw["admin2"], "GET", "memberships/?page_size=500").json()["results"]
    assert {m["group"] for m in memberships} == {world.conv2_group.pk}


def test_only_administrators_create_tokens_and_the_creator_seat_counts(rollback):
    w = rollback
    for person in (w.responsable, w.t1_user, w.agent1, w.admin2):
        with pytest.raises(tokens.PermissionDenied):
            tokens.token_create(actor=person, convention=w.conv1, name="x", scopes=["api"],
                                expires_on=today() + timedelta(days=1))
    w.conv1.administrators.remove(w.admin1)
    response = call(w.raw["admin1"], "GET", "groups/")
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    entry = JournalEntry.objects.filter(action=Action.API_REFUSED).latest("id")
    assert entry.details["reason"] == tokens.CREATOR_NOT_ADMINISTRATOR and entry.details["channel"] == "api"


def test_expired_revoked_unknown_and_scim_only_tokens(rollback):
    w = rollback
    token = ApiToken.objects.get(prefix=w.raw["admin1"].split("_")[1])
    scim, scim_raw = tokens.token_create(actor=w.admin1, convention=w.conv1, name="scim", scopes=["scim"],
                                         expires_on=today() + timedelta(days=1))
    cases = [(scim_raw, tokens.WRONG_SCOPE), ("ppt_deadbeef_secret", tokens.UNKNOWN), ("abc", tokens.MALFORMED)]
    for raw, reason in cases:
        body = assert_problem(call(raw, "GET", "groups/"), 401)
        assert "Jeton" in body["detail"]
        assert JournalEntry.objects.filter(action=Action.API_REFUSED).latest("id").details["reason"] == reason
    assert_problem(call(None, "GET", "groups/"), 401)
    ApiToken.objects.filter(pk=token.pk).update(created_at=now() - timedelta(days=3),
                                                expires_at=now() - timedelta(seconds=1))
    assert_problem(call(w.raw["admin1"], "GET", "groups/"), 401)
    assert JournalEntry.objects.filter(action=Action.API_REFUSED).latest("id").details["reason"] == tokens.EXPIRED
    tokens.token_revoke(actor=w.admin1, token=scim)
    assert tokens.check(scim_raw, scope="scim")[1] == tokens.REVOKED


def test_revoking_needs_an_administrator_of_the_token_convention(rollback):
    w = rollback
    token = ApiToken.objects.get(convention=w.conv1)
    with pytest.raises(tokens.PermissionDenied):
        tokens.token_revoke(actor=w.admin2, token=token)
    tokens.token_revoke(actor=w.admin1, token=token)
    assert_problem(call(w.raw["admin1"], "GET", "groups/"), 401)
    assert JournalEntry.objects.filter(action=Action.API_REFUSED).latest("id").details["reason"] == tokens.REVOKED


def test_another_convention_answers_404_and_is_journaled(rollback):
    w = rollback
    body = assert_problem(call(w.raw["partner_b"], "GET", f"conventions/{w.conv1.pk}/"), 404)
    assert "périmètre" in body["detail"]
    entry = JournalEntry.objects.filter(action=Action.API_REFUSED).latest("id")
    assert entry.details["reason"] == "not_found" and entry.convention_id == w.conv_b.pk
    assert entry.actor_id == w.partner_b.pk and entry.details["token"]


def test_bad_bodies(rollback):
    w = rollback
    raw = w.raw["admin1"]
    before = Group.objects.count()
    body = assert_problem(call(raw, "POST", "groups/", content="[1, 2]"), 400)
    assert body["errors"]["_"] == ["Le corps de la requête doit être un objet JSON."]
    assert body["detail"] == "Le corps de la requête doit être un objet JSON."
    body = assert_problem(call(raw, "POST", "groups/", content='{"code": '), 400)
    assert "JSON" in body["detail"]
    assert_problem(call(raw, "POST", "groups/", content="code=X", content_type="application/x-www-form-urlencoded"), 415)
    body = assert_problem(call(raw, "POST", "groups/", {"label": "Sans code", "opening_date": "31/02/2026"}), 400)
    assert set(body["errors"]) == {"code", "opening_date"} and body["errors"]["code"] == ["Ce champ est obligatoire."]
    body = assert_problem(call(raw, "POST", "groups/", {"code": "N1", "label": "Doublon"}), 422)
    assert body["detail"] == "Ce code de groupe est déjà utilisé dans la convention."
    assert Group.objects.count() == before
    assert_problem(call(raw, "PUT", f"groups/{w.tree[0].pk}/", {"label": "x"}), 405)
    reasons = list(JournalEntry.objects.filter(action=Action.API_REFUSED).order_by("-id")
                   .values_list("details__reason", flat=True)[:6])
    assert reasons == ["method", "rule", "invalid", "media_type", "invalid", "invalid"]


def test_role_ceiling_and_pending_caf_validation(rollback):
    w = rollback
    raw = w.raw["admin1"]
    created = call(raw, "POST", "groups/", {"code": "ACCSUB", "label": "Sous-accueil", "parent": w.accueil.pk})
    assert created.status_code == 201, created.content
    sub = created.json()
    assert sub["level"] == 2 and sub["parent"] == w.accueil.pk
    body = assert_problem(call(raw, "PUT", f"groups/{sub['id']}/roles/", {"service": w.cdap.code, "roles": ["T1"]}),
                          422)
    assert "ne peut pas être assigné" in body["detail"] and "ACCUEIL" in body["detail"]
    assert not GroupRole.objects.filter(group_id=sub["id"]).exists()
    response = call(raw, "PUT", f"groups/{w.accueil.pk}/roles/", {"service": w.cdap.code, "roles": ["T18", "T9"]})
    assert response.status_code == 200, response.content
    states = {r["role"]: r["state"] for r in response.json()["roles"]}
    assert states == {"T18": "actif", "T9": "attente"}
    body = assert_problem(call(raw, "PUT", f"groups/{w.accueil.pk}/roles/", {"service": w.cdap.code,
                                                                              "roles": ["T99"]}), 422)
    assert "T99" in body["detail"]


def test_role_removal_needs_confirmation_and_cascades(rollback):
    w = rollback
    raw = w.raw["admin1"]
    body = assert_problem(call(raw, "PUT", f"groups/{w.tree[0].pk}/roles/",
                               {"service": w.cdap.code, "roles": ["T1"]}), 409)
    assert "N2" in body["detail"] and "confirm" in body["detail"]
    assert GroupRole.objects.filter(role=w.t18, group__in=w.tree).count() == 6
    response = call(raw, "PUT", f"groups/{w.tree[0].pk}/roles/", {"service": w.cdap.code, "roles": ["T1"],
                                                                   "confirm": True})
    assert response.status_code == 200, response.content
    assert not GroupRole.objects.filter(role=w.t18, group__in=w.tree).exists()
    removed = JournalEntry.objects.filter(action=Action.ROLE_REMOVED, details__via="api")
    assert removed.count() == 7  # T18 in the six groups, and the T9 N1 was waiting for


def test_changes_are_journaled_with_the_token_and_rules_apply(rollback):
    w = rollback
    raw = w.raw["admin1"]
    prefix = raw.split("_")[1]
    person = call(raw, "POST", "users/", {"last_name": "Martin", "first_name": "Léo", "email": "leo@example.org",
                                          "work_mode": "itinerant"})
    assert person.status_code == 201, person.content
    person = person.json()
    assert person["username"] and person["memberships"] == []
    added = call(raw, "POST", "memberships/", {"user": person["id"], "group": w.group_n5.pk,
                                               "ends_on": str(today() + timedelta(days=5))})
    assert added.status_code == 201, added.content
    assert added.json()["ends_on"] == str(today() + timedelta(days=5))
    rights = consultation_rights(User.objects.get(pk=person["id"]), w.caf1.pk)
    assert rights.allowed  # the rights of his group (R5), until the end date
    again = assert_problem(call(raw, "POST", "memberships/", {"user": person["id"], "group": w.group_n5.pk}), 422)
    assert again["detail"] == "L'utilisateur appartient déjà à ce groupe."
    for action in (Action.USER_CREATED, Action.MEMBERSHIP_ADDED):
        entry = JournalEntry.objects.filter(action=action).latest("id")
        assert entry.details["via"] == "api" and entry.details["token"] == prefix
        assert entry.actor_id == w.admin1.pk
    shown = call(raw, "GET", f"users/{person['id']}/").json()
    assert [m["code"] for m in shown["memberships"]] == ["N5"]
    closed = call(raw, "POST", f"users/{person['id']}/close/")
    assert closed.status_code == 200 and closed.json()["status"] == "clos"
    assert not consultation_rights(User.objects.get(pk=person["id"]), w.caf1.pk).allowed  # R4
    # Nobody changes himself, even through a token.
    assert_problem(call(raw, "PATCH", f"users/{w.admin1.pk}/", {"first_name": "Moi"}), 403)


def test_caf_takeover_leaves_reading_only(rollback):
    w = rollback
    w.conv1.management_taken_back_at = now()
    w.conv1.save(update_fields=["management_taken_back_at"])
    raw = w.raw["admin1"]
    assert call(raw, "GET", "groups/").status_code == 200
    assert call(raw, "GET", f"conventions/{w.conv1.pk}/").json()["management_taken_back"] is True
    assert_problem(call(raw, "POST", "groups/", {"code": "X", "label": "X"}), 403)
    assert_problem(call(raw, "PATCH", f"groups/{w.tree[0].pk}/", {"label": "X"}), 403)


def test_pagination_and_filters(world):
    raw = world.raw["admin1"]
    page = call(raw, "GET", "groups/?page_size=2").json()
    assert page["count"] == 7 and len(page["results"]) == 2 and "page=2" in page["next"]
    assert [g["code"] for g in call(raw, "GET", "groups/?code=ACC").json()["results"]] == ["ACCUEIL"]
    assert [g["code"] for g in call(raw, "GET", f"groups/?parent={world.tree[0].pk}").json()["results"]] == ["N2"]
    members = call(raw, "GET", f"users/?group={world.group_n5.pk}").json()["results"]
    assert [u["username"] for u in members] == [world.t1_user.username]
    assert call(raw, "GET", f"users/?group={world.conv2_group.pk}").json()["count"] == 0  # not his to read
    assert_problem(call(raw, "GET", "groups/?status=inconnu"), 400)


def test_journal_read_is_journaled_and_holds_no_consultation(rollback):
    w = rollback
    raw = w.raw["admin1"]
    call(raw, "POST", "memberships/", {"user": w.plain.pk, "group": w.tree[0].pk})
    entries = call(raw, "GET", "journal/?action=membership_added").json()
    assert entries["count"] >= 1 and {e["action"] for e in entries["results"]} == {"membership_added"}
    read = JournalEntry.objects.filter(action=Action.API_JOURNAL_READ).latest("id")
    assert read.details["filters"] == {"action": ["membership_added"]} and read.convention_id == w.conv1.pk
    everything = call(raw, "GET", "journal/?page_size=500").json()["results"]
    assert not {e["action"] for e in everything} & {"dossier_consulted", "tab_opened", "login"}
    assert all(e["convention_id"] == w.conv1.pk for e in everything)


@override_settings(REST_FRAMEWORK={**__import__("django.conf").conf.settings.REST_FRAMEWORK,
                                   "DEFAULT_THROTTLE_RATES": {"token": "3/min", "address": "2/min"}})
def test_rate_limit_per_token(world):
    raw = world.raw["admin2"]
    assert [call(raw, "GET", "conventions/").status_code for _ in range(3)] == [200, 200, 200]
    response = call(raw, "GET", "conventions/")
    body = assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0 and "réessayez" in body["detail"]
    assert call(world.raw["partner_b"], "GET", "conventions/").status_code == 200  # per token
    # Refused tokens per address: beyond the rate, 429 before the token is checked, and no more journal entries.
    refusals = JournalEntry.objects.filter(action=Action.API_REFUSED).count()
    assert [call("ppt_00000000_x", "GET", "groups/").status_code for _ in range(3)] == [401, 401, 429]
    assert JournalEntry.objects.filter(action=Action.API_REFUSED).count() == refusals + 2
    assert call(world.raw["partner_b"], "GET", "conventions/").status_code == 429  # the same address


def test_unknown_address_is_a_problem_too(world):
    for path in ("", "nope/", "groups/12/nope/"):
        body = assert_problem(call(world.raw["admin1"], "GET", path), 404)
        assert "n'existe pas" in body["detail"]


def test_a_token_call_opens_no_session(world):
    from django.contrib.sessions.models import Session

    before = Session.objects.count()
    response = call(world.raw["admin1"], "GET", "groups/")
    assert response.status_code == 200 and not response.cookies
    assert Session.objects.count() == before


def test_schema_validates_and_covers_every_endpoint(world):
    from drf_spectacular.validation import validate_schema

    from portail.api.docs import api_schema
    from portail.api.urls import router

    schema = api_schema()
    validate_schema(schema)
    paths = schema["paths"]
    routes = set()
    for url in router.urls:
        route = "/api/v1/" + str(url.pattern).lstrip("^").rstrip("$").replace("(?P<pk>[^/.]+)", "{id}")
        routes.add(route)
    assert routes <= set(paths), routes - set(paths)
    for path, operations in paths.items():
        for method, op in operations.items():
            assert op.get("summary"), f"{method} {path} has no summary"
            assert op["security"] == [{"jeton": []}]
    served = CLIENT.get(reverse("api:schema") + "?format=json")
    assert served.status_code == 200 and json.loads(served.content)["paths"].keys() == paths.keys()
    page = CLIENT.get(reverse("api:docs"))
    assert page.status_code == 200
    html = page.content.decode()
    for path in paths:
        assert path in html


@pytest.mark.parametrize("path", ["groups/", "users/", "memberships/", "journal/", "conventions/"])
def test_list_queries_do_not_grow_with_the_page(world, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    raw = world.raw["admin1"]
    counts = []
    for size in (1, 50):
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            assert call(raw, "GET", f"{path}?page_size={size}").status_code == 200
            transaction.set_rollback(True)
        counts.append(len(queries))
    assert counts[0] == counts[1] and counts[1] <= 25, counts
