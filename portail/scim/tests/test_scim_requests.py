"""SCIM bad input, tokens, filters, ETags and the journal, through Django's test client (no network).

The world (portail.testing.world) is built once for the module, in a transaction rolled back at the end;
each test runs in a savepoint rolled back after it.
"""
import json
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portail.access import CDAP, roles_of
from portail.accounts.models import User
from portail.api.models import ApiToken
from portail.api.tokens import token_create
from portail.core.clock import today
from portail.habilitations.models import Membership
from portail.journal.models import Action, JournalEntry
from portail.scim.models import ScimIdentity
from portail.testing.auth import sign_in
from portail.testing.world import build_world, rolled_back

pytestmark = pytest.mark.django_db

SCIM = "application/scim+json"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), rolled_back():
        w = build_world()
        expires = today() + timedelta(days=30)
        w.token, w.raw = token_create(actor=w.admin1, convention=w.conv1, name="annuaire", scopes=["scim"],
                                      expires_on=expires)
        w.api_only, w.raw_api_only = token_create(actor=w.admin1, convention=w.conv1, name="api",
                                                  scopes=["api"], expires_on=expires)
        w.token2, w.raw2 = token_create(actor=w.admin2, convention=w.conv2, name="annuaire 2", scopes=["scim"],
                                        expires_on=expires)
        yield w


@pytest.fixture
def w(world):
    with transaction.atomic():
        yield world
        transaction.set_rollback(True)


class Scim:
    def __init__(self, w, raw=None, convention=None):
        self.client = Client()
        self.raw = w.raw if raw is None else raw
        self.base = f"/scim/v2/{(convention or w.conv1).pk}"

    def call(self, method, path, body=None, raw_body=None, headers=None):
        data = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
        extra = {"HTTP_AUTHORIZATION": f"Bearer {self.raw}"} if self.raw else {}
        for key, value in (headers or {}).items():
            extra["HTTP_" + key.upper().replace("-", "_")] = value
        kwargs = {"content_type": SCIM} if data is not None else {}
        response = getattr(self.client, method)(f"{self.base}{path}", data=data, **kwargs, **extra)
        payload = json.loads(response.content) if response.content else None
        return response, payload


def new_user(**over):
    body = {"schemas": [USER_SCHEMA, ENTERPRISE], "userName": "marie.curie@cd.example", "externalId": "rh-1",
            "name": {"familyName": "Curie", "givenName": "Marie"},
            "emails": [{"value": "marie.curie@cd.example", "type": "work", "primary": True}],
            ENTERPRISE: {"employeeNumber": "M-001"}}
    body.update(over)
    return body


def assert_error(response, payload, status, scim_type=None):
    assert response.status_code == status, payload
    assert response["Content-Type"] == SCIM
    assert payload["schemas"] == [ERROR]
    assert payload["status"] == str(status)
    assert payload.get("scimType") == scim_type


def refusals(**details):
    entries = JournalEntry.objects.filter(action=Action.API_REFUSED)
    return [e for e in entries if all(e.details.get(k) == v for k, v in details.items())]


# ------------------------------------------------------------------------------------------ tokens


def test_no_token_bad_token_and_a_token_without_the_scim_scope_answer_401(w):
    for raw, reason in (("", None), ("ppt_deadbeef_nothing", "unknown"), (w.raw_api_only, "scope")):
        response, payload = Scim(w, raw=raw).call("get", "/Users")
        assert_error(response, payload, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")
        if reason:
            assert refusals(channel="scim", reason=reason)


def test_revoked_and_expired_tokens_answer_401_and_are_journaled(w):
    ApiToken.objects.filter(pk=w.token.pk).update(revoked_at=timezone.now())
    response, payload = Scim(w).call("get", "/Users")
    assert_error(response, payload, 401)
    assert refusals(channel="scim", reason="revoked", token=w.token.prefix)
    ApiToken.objects.filter(pk=w.token.pk).update(revoked_at=None, expires_at=timezone.now() - timedelta(seconds=1),
                                                  created_at=timezone.now() - timedelta(days=2))
    response, payload = Scim(w).call("get", "/Users")
    assert_error(response, payload, 401)
    assert refusals(channel="scim", reason="expired", token=w.token.prefix)


def test_a_token_of_another_convention_finds_nothing(w):
    response, payload = Scim(w, raw=w.raw2).call("get", "/Users")  # convention 2's token on convention 1
    assert_error(response, payload, 404)
    assert refusals(channel="scim", reason="other_convention", token=w.token2.prefix)
    response, _ = Scim(w, raw=w.raw2, convention=w.conv2).call("get", "/Users")
    assert response.status_code == 200


def test_a_token_whose_creator_is_no_longer_administrator_stops_working(w):
    w.conv1.administrators.remove(w.admin1)
    response, payload = Scim(w).call("get", "/ServiceProviderConfig")
    assert_error(response, payload, 401)


def test_session_cookies_are_not_enough(w):
    client = sign_in(Client(), w.admin1)
    response = client.get(f"/scim/v2/{w.conv1.pk}/Users")
    assert response.status_code == 401


# ------------------------------------------------------------------------------------------ bad input


def test_a_body_that_is_not_a_json_object_is_invalid_syntax(w):
    scim = Scim(w)
    for raw_body in ("[1, 2]", "not json", '"text"', "\xff"):
        response, payload = scim.call("post", "/Users", raw_body=raw_body)
        assert_error(response, payload, 400, "invalidSyntax")
    assert not User.objects.filter(last_name="Curie").exists()


def test_missing_required_attributes_are_refused(w):
    scim = Scim(w)
    body = new_user()
    del body["userName"]
    response, payload = scim.call("post", "/Users", body)
    assert response.status_code == 400 and payload["schemas"] == [ERROR]
    response, payload = scim.call("post", "/Users", new_user(emails=[]))
    assert_error(response, payload, 400, "invalidValue")
    assert "adresse mail" in payload["detail"]
    assert not User.objects.filter(last_name="Curie").exists()


def test_filter_syntax_errors_and_unknown_attributes_are_invalid_filter(w):
    scim = Scim(w)
    for text in ('userName eq', 'userName zz "a"', '(userName eq "a"', 'title eq "x"', 'userName eq "a" and'):
        response, payload = scim.call("get", f"/Users?filter={text}")
        assert_error(response, payload, 400, "invalidFilter")
    assert refusals(channel="scim", reason="invalidFilter", token=w.token.prefix)


def test_bad_pagination_numbers(w):
    response, payload = Scim(w).call("get", "/Users?startIndex=abc")
    assert_error(response, payload, 400, "invalidValue")
    response, payload = Scim(w).call("get", "/Users?startIndex=-5&count=-1")
    assert response.status_code == 200
    assert payload["startIndex"] == 1 and payload["itemsPerPage"] == 0 and payload["totalResults"] > 0


def test_patch_on_unknown_path_or_with_no_target(w):
    scim = Scim(w)
    group = w.group_n5
    response, payload = scim.call("patch", f"/Groups/{group.pk}", {
        "schemas": [PATCH], "Operations": [{"op": "replace", "path": "colour", "value": "bleu"}]})
    assert_error(response, payload, 400, "invalidPath")
    response, payload = scim.call("patch", f"/Groups/{group.pk}",
                                  {"schemas": [PATCH], "Operations": [{"op": "remove"}]})
    assert_error(response, payload, 400, "noTarget")
    response, payload = scim.call("patch", f"/Users/{w.t1_user.pk}", {
        "schemas": [PATCH],
        "Operations": [{"op": "replace", "path": 'emails[type eq "home"].value', "value": "x@y.fr"}]})
    assert_error(response, payload, 400, "noTarget")


def test_uniqueness_of_external_id_and_user_name_is_409(w):
    scim = Scim(w)
    response, payload = scim.call("post", "/Users", new_user())
    assert response.status_code == 201, payload
    for body in (new_user(userName="autre@cd.example"), new_user(externalId="rh-2", userName="MARIE.CURIE@cd.example"),
                 new_user(externalId="rh-3", userName=w.t1_user.username.lower())):
        response, payload = scim.call("post", "/Users", body)
        assert_error(response, payload, 409, "uniqueness")
    assert User.objects.filter(last_name="Curie").count() == 1


def test_unknown_ids_answer_404_and_outside_scope_too(w):
    scim = Scim(w)
    for path in ("/Users/999999", "/Users/abc", f"/Users/{w.member_b.pk}", "/Groups/999999",
                 f"/Groups/{w.group_b.pk}", f"/Groups/{w.conv2_group.pk}", "/Schemas/urn:x", "/ResourceTypes/Nope"):
        response, payload = scim.call("get", path)
        assert_error(response, payload, 404)


def test_methods_not_allowed(w):
    response, payload = Scim(w).call("delete", "/Users")
    assert_error(response, payload, 405)


# ------------------------------------------------------------------------------------------ rules (R4–R7b)


def test_r7b_a_person_with_rights_elsewhere_is_not_changed_nor_closed(w):
    scim = Scim(w)
    person = w.two_conventions  # member in convention 2 too
    response, payload = scim.call("patch", f"/Users/{person.pk}", {
        "schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": False}]})
    assert_error(response, payload, 403)
    response, payload = scim.call("delete", f"/Users/{person.pk}")
    assert_error(response, payload, 403)
    person.refresh_from_db()
    assert person.status == User.Status.OPEN
    # The token's creator cannot change himself nor put himself in a group (no one widens his own rights).
    response, payload = scim.call("put", f"/Users/{w.admin1.pk}", new_user())
    assert_error(response, payload, 403)
    response, payload = scim.call("patch", f"/Groups/{w.group_n5.pk}", {
        "schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": [{"value": str(w.admin1.pk)}]}]})
    assert_error(response, payload, 400, "invalidValue")
    assert not Membership.objects.filter(user=w.admin1, group=w.group_n5).exists()


def test_r5_staff_of_another_organisation_never_joins(w):
    response, payload = Scim(w).call("patch", f"/Groups/{w.group_n5.pk}", {
        "schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": [{"value": str(w.member_b.pk)}]}]})
    assert_error(response, payload, 400, "invalidValue")
    assert not Membership.objects.filter(user=w.member_b).exclude(group=w.group_b).exists()


def test_a_group_of_a_closed_parent_takes_no_one_and_nothing_is_half_written(w):
    scim = Scim(w)
    w.tree[3].status = "clos"
    w.tree[3].save()
    response, payload = scim.call("put", f"/Groups/{w.group_n5.pk}", {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Renommé",
        "members": [{"value": str(w.t1_user.pk)}, {"value": str(w.plain.pk)}]})
    assert_error(response, payload, 400, "invalidValue")
    w.group_n5.refresh_from_db()
    assert w.group_n5.label != "Renommé"  # the rename before the refused member was rolled back
    assert not Membership.objects.filter(user=w.plain, group=w.group_n5).exists()


def test_closing_through_scim_removes_every_right_and_keeps_history(w):
    scim = Scim(w)
    person = w.t1_user
    assert roles_of(person, caf_id=w.caf1.pk, service_code=CDAP)
    response, payload = scim.call("patch", f"/Users/{person.pk}", {
        "schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]})
    assert response.status_code == 200, payload
    assert payload["active"] is False
    person.refresh_from_db()
    assert person.status == User.Status.CLOSED
    assert roles_of(person, caf_id=w.caf1.pk, service_code=CDAP) == []
    assert Membership.objects.filter(user=person).exists()  # history kept
    # Reopening is not SCIM's to do.
    response, payload = scim.call("patch", f"/Users/{person.pk}", {
        "schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": True}]})
    assert_error(response, payload, 400, "invalidValue")


# ------------------------------------------------------------------------------------------ ETags, journal


def test_etag_if_match_and_if_none_match(w):
    scim = Scim(w)
    response, payload = scim.call("get", f"/Users/{w.plain.pk}")
    etag = response["ETag"]
    assert etag == payload["meta"]["version"] and etag.startswith('W/"')
    response, _ = scim.call("get", f"/Users/{w.plain.pk}", headers={"If-None-Match": etag})
    assert response.status_code == 304
    change = {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "name.givenName", "value": "Paulin"}]}
    response, payload = scim.call("patch", f"/Users/{w.plain.pk}", change, headers={"If-Match": etag})
    assert response.status_code == 200, payload
    assert response["ETag"] != etag
    response, payload = scim.call("patch", f"/Users/{w.plain.pk}", change, headers={"If-Match": etag})
    assert_error(response, payload, 412)
    response, payload = scim.call("delete", f"/Users/{w.plain.pk}", headers={"If-Match": etag})
    assert_error(response, payload, 412)
    w.plain.refresh_from_db()
    assert w.plain.status == User.Status.OPEN


def test_every_change_is_journaled_with_the_token(w):
    scim = Scim(w)
    before = JournalEntry.objects.count()
    response, payload = scim.call("post", "/Users", new_user())
    assert response.status_code == 201, payload
    person = User.objects.get(pk=payload["id"])
    response, _ = scim.call("patch", f"/Groups/{w.group_n5.pk}", {
        "schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": [{"value": str(person.pk)}]}]})
    assert response.status_code == 200
    response, _ = scim.call("delete", f"/Users/{person.pk}")
    assert response.status_code == 204
    entries = list(JournalEntry.objects.order_by("id")[before:])
    actions = [e.action for e in entries]
    for action in (Action.USER_CREATED, Action.USER_UPDATED, Action.MEMBERSHIP_ADDED, Action.USER_CLOSED):
        assert action in actions
    for entry in entries:
        assert entry.details.get("via") == "scim" and entry.details.get("token") == w.token.prefix, entry.details
        assert entry.actor_id == w.admin1.pk
    identity = ScimIdentity.objects.get(user=person)
    assert (identity.external_id, identity.user_name, identity.employee_number) == (
        "rh-1", "marie.curie@cd.example", "M-001")
    response, payload = scim.call("get", f"/Users/{person.pk}")
    assert_error(response, payload, 404)  # deleted for SCIM, closed (kept) in the portal
    assert User.objects.get(pk=person.pk).status == User.Status.CLOSED


def test_a_naive_client_echoing_read_only_attributes_in_put_and_asking_for_attributes(w):
    scim = Scim(w)
    response, current = scim.call("get", f"/Users/{w.plain.pk}")
    current["name"]["familyName"] = "Sansgroupe-Martin"
    response, payload = scim.call("put", f"/Users/{w.plain.pk}", current)  # id, meta, groups sent back as read
    assert response.status_code == 200, payload
    assert payload["name"]["familyName"] == "Sansgroupe-Martin" and payload["userName"] == w.plain.username
    response, payload = scim.call("get", f"/Users?filter=userName eq \"{w.plain.username}\"&attributes=userName")
    assert response.status_code == 200
    assert payload["totalResults"] == 1
    resource = payload["Resources"][0]
    assert resource["userName"] == w.plain.username and "name" not in resource and resource["id"]


def test_discovery_endpoints(w):
    scim = Scim(w)
    response, config = scim.call("get", "/ServiceProviderConfig")
    assert response["Content-Type"] == SCIM
    assert config["patch"]["supported"] and config["etag"]["supported"] and not config["bulk"]["supported"]
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    response, schemas = scim.call("get", "/Schemas")
    assert {s["id"] for s in schemas["Resources"]} == {
        USER_SCHEMA, ENTERPRISE, "urn:ietf:params:scim:schemas:core:2.0:Group",
        "urn:fr:caf:portail-partenaires:scim:schemas:extension:2.0:Group"}
    response, schema = scim.call("get", f"/Schemas/{ENTERPRISE}")
    assert any(a["name"] == "employeeNumber" for a in schema["attributes"])
    response, types = scim.call("get", "/ResourceTypes")
    assert {t["endpoint"] for t in types["Resources"]} == {"/Users", "/Groups"}
    response, user_type = scim.call("get", "/ResourceTypes/User")
    assert user_type["schemaExtensions"][0]["schema"] == ENTERPRISE


def test_lists_take_a_constant_number_of_queries(w):
    scim = Scim(w)
    scim.call("get", "/Users?count=1")  # the token's last use is written once a minute: done here
    counts = {}
    for path in ("/Users?count=2", "/Users?count=50", "/Groups?count=2", "/Groups?count=50"):
        with CaptureQueriesContext(connection) as queries:
            response, payload = scim.call("get", path)
        assert response.status_code == 200
        counts[path] = len(queries)
    assert counts["/Users?count=2"] == counts["/Users?count=50"], counts
    assert counts["/Groups?count=2"] == counts["/Groups?count=50"], counts
    assert max(counts.values()) <= 15, counts


def test_time_bound_membership_through_the_portal_extension(w):
    scim, group, person = Scim(w), w.group_n5, w.plain
    ext = "urn:fr:caf:portail-partenaires:scim:schemas:extension:2.0:Group"
    last_day = today() + timedelta(days=10)
    response, payload = scim.call("patch", f"/Groups/{group.pk}", {"schemas": [PATCH], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": str(person.pk)}]},
        {"op": "add", "path": f"{ext}:temporaryMembers", "value": [{"value": str(person.pk),
                                                                    "endsOn": last_day.isoformat()}]}]})
    assert response.status_code == 200, payload
    assert payload[ext]["temporaryMembers"] == [{"value": str(person.pk), "endsOn": last_day.isoformat()}]
    assert Membership.objects.get(user=person, group=group).ends_on == last_day
    assert roles_of(person, caf_id=w.caf1.pk, service_code=CDAP)
    assert roles_of(person, caf_id=w.caf1.pk, service_code=CDAP, day=last_day + timedelta(days=1)) == []
    # A client that knows nothing of the extension replaces the group: the end date stays.
    response, current = scim.call("get", f"/Groups/{group.pk}")
    current.pop(ext)
    current["schemas"] = ["urn:ietf:params:scim:schemas:core:2.0:Group"]
    response, payload = scim.call("put", f"/Groups/{group.pk}", current)
    assert response.status_code == 200, payload
    assert Membership.objects.get(user=person, group=group).ends_on == last_day
    # Bad dates and strangers are refused; removing the end dates removes them.
    for value in ([{"value": str(person.pk), "endsOn": "2001-01-01"}], [{"value": str(person.pk), "endsOn": "demain"}],
                  [{"value": str(w.member_b.pk), "endsOn": last_day.isoformat()}]):
        response, payload = scim.call("patch", f"/Groups/{group.pk}", {"schemas": [PATCH], "Operations": [
            {"op": "replace", "path": f"{ext}:temporaryMembers", "value": value}]})
        assert_error(response, payload, 400, "invalidValue")
    response, payload = scim.call("patch", f"/Groups/{group.pk}", {"schemas": [PATCH], "Operations": [
        {"op": "remove", "path": f"{ext}:temporaryMembers"}]})
    assert response.status_code == 200, payload
    assert Membership.objects.get(user=person, group=group).ends_on is None
