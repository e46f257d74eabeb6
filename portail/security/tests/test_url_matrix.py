"""Every URL pattern × every kind of actor, inside and outside scope (issue 6, « proofs that must exist »).

`CASES` maps each URL pattern name to requests built on `portail.testing.world` (inside-scope and
outside-scope objects, forged ids) and, per actor, the status expected for GET and for POST:

- ``200``/``400`` page (400: a form posted empty or forged, answered with its errors), ``R`` a redirect that
  is not the login page, ``L`` a redirect to the login page (anonymous), ``403`` visible but not allowed,
  ``404`` outside scope (its existence does not leak), ``405`` method refused; ``a/b`` accepts either.
- A request never answers 500; a POST answered otherwise than by a redirect (refused, or a form shown again
  with its errors) writes nothing (the habilitations, users, messages and attestation requests are compared
  before and after), and no response body of an actor contains a
  marker of something outside his scope (`FORBIDDEN`, see the world's docstring).
- A URL pattern of the project missing from `CASES` (and from `EXEMPT`) makes `test_every_url_pattern_has_cases` fail.

Every request runs in a savepoint rolled back afterwards, so the world is built once for the module.
"""
import base64
from copy import deepcopy
from datetime import timedelta
from dataclasses import dataclass
from functools import cache
from typing import Callable

import pytest
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse

from portail.accounts.models import User
from portail.api.models import ApiToken
from portail.dialogue.models import Answer, Message
from portail.dossiers.models import AttestationRequest
from portail.habilitations.models import Group, GroupRole, Membership
from portail.testing.world import World, build_world
from portail.testing.auth import sign_in

# The mark makes pytest-django create the test database; the world itself lives in the module fixture.
pytestmark = pytest.mark.django_db

PORTAL_BACKEND = "portail.accounts.backends.PortalBackend"
ACTORS = ("anonymous", "plain", "t18", "t1", "responsable", "admin1", "admin2", "partner_b", "agent1", "agent2")
ACTOR_USERS = {"plain": "plain", "t18": "t18_user", "t1": "t1_user", "responsable": "responsable",
               "admin1": "admin1", "admin2": "admin2", "partner_b": "partner_b", "agent1": "agent1",
               "agent2": "agent2"}

# URL patterns that need no entry: none today (static files are served by WhiteNoise's middleware, not by
# a URL pattern, and the project mounts no admin site). Add « name: reason » here only with a reason.
EXEMPT: dict[str, str] = {}

# Figures of dossier 1110001 that belong to tabs the T18 role does not open (droits/RSA, paiements, créances):
# no summary (synthèse, résumé, attestation…) may show them to him (R8).
AMOUNTS = {"611,37", "533,21", "987,65"}
# What each actor must never read. Markers are set in the world's names and labels.
ALL_MARKERS = {"CONVUNZ", "CONVDEUXZ", "MEMBREDEUXZ", "ACCUEILZ", "PETITACCZ", "DOSSIERUNZ", "MESSAGEUNZ",
               "1110001", "EXTERIEURZ", "9990001", *AMOUNTS}
ALLOWED_MARKERS = {
    "anonymous": set(),
    "plain": set(),
    "t18": {"CONVUNZ", "PETITACCZ", "DOSSIERUNZ", "1110001"},
    "t1": {"CONVUNZ", "DOSSIERUNZ", "1110001", "MESSAGEUNZ", *AMOUNTS},
    "responsable": {"CONVUNZ"},
    # An administrator sees the organisation's staff (he may put any of them in his groups, R7b).
    "admin1": {"CONVUNZ", "ACCUEILZ", "PETITACCZ", "MEMBREDEUXZ"},
    "admin2": {"CONVDEUXZ", "PETITACCZ", "MEMBREDEUXZ"},
    "partner_b": {"EXTERIEURZ", "9990001", *AMOUNTS},  # dossier 9990001 carries the same figures
    "agent1": {"CONVUNZ", "CONVDEUXZ", "MEMBREDEUXZ", "ACCUEILZ", "PETITACCZ", "DOSSIERUNZ", "MESSAGEUNZ", "1110001"},
    "agent2": {"EXTERIEURZ", "9990001"},
}
FORBIDDEN = {actor: ALL_MARKERS - allowed for actor, allowed in ALLOWED_MARKERS.items()}


def codes(spec: str) -> dict[str, set[str]]:
    """« L 404 200 … » → expected codes per actor, in the order of ACTORS."""
    parts = spec.split()
    if len(parts) == 1:
        parts = parts * len(ACTORS)
    assert len(parts) == len(ACTORS), spec
    return {actor: set(part.split("/")) for actor, part in zip(ACTORS, parts)}


@dataclass(frozen=True)
class Case:
    label: str
    args: Callable[[World], list]
    get: str | None  # expected per actor for GET (None: GET not tried)
    post: str | None = None  # expected per actor for POST (None: the view takes no POST, not tried)
    data: Callable[[World], dict] | None = None  # POST body (empty by default)


def c(label, args, get, post=None, data=None) -> Case:
    return Case(label, args, get, post, data)


# Shorthands for the rows below.
NONE = "L 404 404 404 404 404 404 404 404 404"
ALL_IN = "L 200 200 200 200 200 200 200 200 200"
PUBLIC = "200 R R R R R R R R R"
GET_405 = "405"
LOGGED_405 = "L 405 405 405 405 405 405 405 405 405"
# Convention pages: columns anon plain t18 t1 responsable admin1 admin2 partner_b agent1 agent2
CONV1_READ = "L 404 404 404 200 200 404 404 200 404"
CONV1_WRITE = "L 404 404 404 200 200 404 404 403 404"
CONV1_ADMIN_READ = "L 404 404 404 404 200 404 404 200 404"
CONV1_ADMIN_WRITE = "L 404 404 404 404 200 404 404 403 404"
CONV2_READ = "L 404 404 404 404 404 200 404 200 404"
CONV2_WRITE = "L 404 404 404 404 404 200 404 403 404"
CONVB_READ = "L 404 404 404 404 404 404 200 404 200"
CONVB_WRITE = "L 404 404 404 404 404 404 200 404 403"
CONV1_WRITE_R = "L 404 404 404 R/200 R/200 404 404 403 404"
CAF_SIDE = "L 404 404 404 404 404 404 404 200 200"
CAF1_ONLY = "L 404 404 404 404 404 404 404 200 404"
CAF2_ONLY = "L 404 404 404 404 404 404 404 404 200"
# Caf back office: an agent of the object's Caf (or of any Caf for lists); partners find nothing (404).
CAF1_PAGE = "L 404 404 404 404 404 404 404 200 404"
CAFB_PAGE = "L 404 404 404 404 404 404 404 404 200"
CAF_ANY = "L 404 404 404 404 404 404 404 200 200"
CAF_ROLE_EDIT = "L 404 404 404 404 404 404 404 403 403"
TOKENS_CONV1 = "L 404 404 404 403 200 404 404 403 404"
TOKENS_CONVB = "L 404 404 404 404 404 404 200 404 403"


def _api_token(w):
    """One API token of Convention 1 (made once for the module's world)."""
    if not hasattr(w, "_api_token"):
        w._api_token = ApiToken.objects.create(
            convention=w.conv1, created_by=w.admin1, name="CONVUNZ annuaire", scopes=["api"], prefix="matrice1",
            secret_hash="0" * 64, expires_at=timezone.now() + timedelta(days=30))
    return w._api_token


def _uid(user) -> str:
    return base64.urlsafe_b64encode(str(user.pk).encode()).decode().rstrip("=")


def _user_body(w):
    return {"last_name": "Pirate", "first_name": "Pierre", "email": "pirate@evil.example",
            "email_confirm": "pirate@evil.example", "phone": "", "phone_confirm": "",
            "opening_date": "2020-01-01", "closing_date": "", "work_mode": "sedentaire", "status": "ouvert"}


def _group_body(w):
    return {"label": "Pirate", "opening_date": "2020-01-01", "closing_date": ""}


def _roles_body(w):  # « Proposer les modifications » without T18: stops at the confirmation page
    return {"service": "CDAP", "action": "save", "draft": [w.t1.pk]}


def _conv(name):
    return lambda w: [getattr(w, name).pk]


def _conv_obj(conv, obj):
    return lambda w: [getattr(w, conv).pk, _get(w, obj).pk]


def _get(w, path):
    value = w
    for part in path.split("."):
        value = value[int(part)] if part.isdigit() else getattr(value, part)
    return value


# Whoever may reset a user's second factor (Do.RESET_2FA): the same people unlock the account and manage his
# ProConnect identity.
RESET_2FA_CASES = [
    c("T1 user, in the responsable's subtree", _conv_obj("conv1", "t1_user"), CONV1_READ,
      post="L 404 404 404 R R 404 404 R 404"),
    c("T18 user, another branch", _conv_obj("conv1", "t18_user"), CONV1_ADMIN_READ),
    c("administrator of convention 2", _conv_obj("conv1", "admin2"),
      "L 404 404 404 403 403 404 404 200 404", post="L 404 404 404 403 403 404 404 R 404"),
    c("organisation B's staff under convention 1", _conv_obj("conv1", "member_b"), NONE, post=NONE),
    c("convention B", _conv_obj("conv_b", "member_b"), CONVB_READ, post="L 404 404 404 404 404 404 R 404 R"),
]


CASES: dict[str, list[Case]] = {
    "home:index": [c("home", lambda w: [], ALL_IN)],
    "conventions:list": [c("conventions", lambda w: [], ALL_IN)],
    "aide:index": [c("index", lambda w: [], ALL_IN)],
    "aide:page": [c("existing page", lambda w: ["attestation"], ALL_IN),
                  c("unknown page", lambda w: ["inconnue"], NONE)],
    # ---------------------------------------------------------------- accounts (public pages)
    "accounts:login": [c("login", lambda w: [], PUBLIC, post=PUBLIC)],
    "accounts:logout": [c("logout", lambda w: [], GET_405, post="L")],
    "accounts:password_forgotten": [c("form", lambda w: [], "200", post="200")],
    "accounts:password_forgotten_sent": [c("sent", lambda w: [], "200")],
    # « Rester connecté » of the session timer: POST only; 401 once the session is gone.
    "accounts:keep_alive": [c("keep alive", lambda w: [], GET_405, post="401 204 204 204 204 204 204 204 204 204")],
    # Second factor: the code and enrolment steps need a pending sign-in (password just typed), else back to login.
    "accounts:second_factor": [c("no pending sign-in", lambda w: [], "L", post="L")],
    "accounts:second_factor_enrol": [c("no pending sign-in", lambda w: [], "L", post="L")],
    "accounts:recovery_codes": [c("none to show", lambda w: [], "L R R R R R R R R R")],
    "accounts:reauth": [c("confirm identity", lambda w: [], ALL_IN, post=ALL_IN)],
    "accounts:email_confirm": [c("forged token", lambda w: ["abc-123"], "200", post="200")],
    "accounts:activate": [
        c("forged token, outside user", lambda w: [_uid(w.member_b), "choisir"], "200", post="200"),
        c("forged token, admin", lambda w: [_uid(w.admin2), "abc-123"], "200", post="200"),
    ],
    "accounts:password_reset_confirm": [
        c("forged token, outside user", lambda w: [_uid(w.member_b), "choisir"], "200", post="200"),
        c("forged uid", lambda w: ["zzzz", "abc-123"], "200", post="200"),
    ],
    # ---------------------------------------------------------------- ProConnect (not configured here: no flow starts)
    "proconnect:account": [c("Mon compte", lambda w: [], ALL_IN)],
    "proconnect:login_start": [c("sign in", lambda w: [], GET_405, post="503 R R R R R R R R R")],
    "proconnect:link_start": [c("link", lambda w: [], GET_405, post="L 503 503 503 503 503 503 503 503 503")],
    "proconnect:link_confirm": [c("nothing pending", lambda w: [], "L R R R R R R R R R",
                                  post="L R R R R R R R R R")],
    "proconnect:unlink": [c("no link", lambda w: [], LOGGED_405, post="L R R R R R R R R R")],
    "proconnect:callback": [c("forged answer", lambda w: [], "403")],
    "proconnect:logged_out": [c("no logout under way", lambda w: [], "L")],
    # « Identité ProConnect » of a user: the same people as « Réinitialiser le second facteur » (Do.RESET_2FA).
    "proconnect_admin:user_link": [
        *RESET_2FA_CASES,
    ],
    # ---------------------------------------------------------------- habilitations (per convention)
    "habilitations:groups": [
        c("convention 1", _conv("conv1"), CONV1_READ),
        c("convention 2", _conv("conv2"), CONV2_READ),
        c("convention B", _conv("conv_b"), CONVB_READ),
        c("unknown convention", lambda w: [999999], NONE),
    ],
    "habilitations:group_create": [
        c("convention 1", _conv("conv1"), CONV1_WRITE, post=CONV1_WRITE),
        c("convention 1, sub-group of Accueil forged",
          _conv("conv1"), None, post="L 404 404 404 200 R/200 404 404 403 404",
          data=lambda w: {"code": "FORGE", "label": "Forgé", "opening_date": "2024-01-01", "is_subgroup": "on",
                          "parent": w.accueil.pk}),
        c("convention 2", _conv("conv2"), CONV2_WRITE, post=CONV2_WRITE),
        c("convention B", _conv("conv_b"), CONVB_WRITE, post=CONVB_WRITE),
    ],
    "habilitations:group_update": [
        c("N4, below the responsable", _conv_obj("conv1", "group_n4"), CONV1_WRITE, post=CONV1_WRITE_R,
          data=_group_body),
        # R7b: a responsable does not change the dates of the group he is responsable of.
        c("N3, the responsable's own group", _conv_obj("conv1", "group_n3"), CONV1_WRITE,
          post="L 404 404 404 403/200 R/200 404 404 403 404",
          data=lambda w: {"label": w.group_n3.label, "opening_date": "2020-01-01", "closing_date": "2030-12-31"}),
        c("N1, above the responsable", _conv_obj("conv1", "tree.0"), CONV1_ADMIN_WRITE,
          post="L 404 404 404 404 R/200 404 404 403 404", data=_group_body),
        c("Accueil, another branch", _conv_obj("conv1", "accueil"), CONV1_ADMIN_WRITE),
        c("convention 2's group under convention 1", _conv_obj("conv1", "conv2_group"), NONE, post=NONE,
          data=_group_body),
        c("convention 2", _conv_obj("conv2", "conv2_group"), CONV2_WRITE),
        c("convention B", _conv_obj("conv_b", "group_b"), CONVB_WRITE, post=CONVB_WRITE),
    ],
    "habilitations:group_close": [
        c("N4, below the responsable", _conv_obj("conv1", "group_n4"), CONV1_WRITE, post=CONV1_WRITE),
        c("N3, the responsable's own group", _conv_obj("conv1", "group_n3"),
          "L 404 404 404 403 200 404 404 403 404", post="L 404 404 404 403 200 404 404 403 404"),
        c("Accueil, another branch", _conv_obj("conv1", "accueil"), CONV1_ADMIN_WRITE, post=CONV1_ADMIN_WRITE),
        c("convention 2's group under convention 1", _conv_obj("conv1", "conv2_group"), NONE, post=NONE),
        c("convention 2", _conv_obj("conv2", "conv2_group"), CONV2_WRITE),
        c("convention B", _conv_obj("conv_b", "group_b"), CONVB_WRITE, post=CONVB_WRITE),
    ],
    "habilitations:group_roles": [
        c("N4, below the responsable", _conv_obj("conv1", "group_n4"), CONV1_READ, post=CONV1_WRITE,
          data=_roles_body),
        # R7b: a responsable changes no role of the group he is responsable of.
        c("N3, the responsable's own group", _conv_obj("conv1", "group_n3"), CONV1_READ,
          post="L 404 404 404 403 200 404 404 403 404", data=_roles_body),
        c("Accueil, another branch", _conv_obj("conv1", "accueil"), CONV1_ADMIN_READ, post=CONV1_ADMIN_WRITE,
          data=lambda w: {"service": "CDAP", "action": "save", "draft": []}),
        c("convention 2's group under convention 1", _conv_obj("conv1", "conv2_group"), NONE, post=NONE,
          data=_roles_body),
        c("convention 2", _conv_obj("conv2", "conv2_group"), CONV2_READ),
        c("convention B", _conv_obj("conv_b", "group_b"), CONVB_READ,
          post="L 404 404 404 404 404 404 R/200 404 403", data=_roles_body),
    ],
    "habilitations:users": [
        c("convention 1", _conv("conv1"), CONV1_READ),
        c("convention 2", _conv("conv2"), CONV2_READ),
        c("convention B", _conv("conv_b"), CONVB_READ),
    ],
    "habilitations:user_create": [
        c("convention 1", _conv("conv1"), CONV1_WRITE, post=CONV1_WRITE),
        c("convention B", _conv("conv_b"), CONVB_WRITE, post=CONVB_WRITE),
    ],
    "habilitations:user_update": [
        c("T1 user, in the responsable's subtree", _conv_obj("conv1", "t1_user"), CONV1_WRITE,
          post=CONV1_WRITE_R, data=_user_body),
        c("T18 user, another branch", _conv_obj("conv1", "t18_user"), CONV1_ADMIN_WRITE),
        # R7b: never another convention's administrator (the account takeover of issue 6).
        c("administrator of convention 2", _conv_obj("conv1", "admin2"),
          "L 404 404 404 403 403 404 404 403 404", post="L 404 404 404 403 403 404 404 403 404", data=_user_body),
        c("person of two conventions", _conv_obj("conv1", "two_conventions"),
          "L 404 404 404 403 403 404 404 403 404", post="L 404 404 404 403 403 404 404 403 404", data=_user_body),
        c("member of convention 2 only", _conv_obj("conv1", "conv2_member"),
          "L 404 404 404 404 403 404 404 403 404", post="L 404 404 404 404 403 404 404 403 404", data=_user_body),
        c("administrator 1 (himself for admin1)", _conv_obj("conv1", "admin1"),
          "L 404 404 404 403 403 404 404 403 404", post="L 404 404 404 403 403 404 404 403 404", data=_user_body),
        c("the responsable (himself for him)", _conv_obj("conv1", "responsable"),
          "L 404 404 404 403 200 404 404 403 404", post="L 404 404 404 403 R/200 404 404 403 404", data=_user_body),
        c("organisation B's staff under convention 1", _conv_obj("conv1", "member_b"), NONE, post=NONE,
          data=_user_body),
        c("T1 user under convention 2", _conv_obj("conv2", "t1_user"),
          "L 404 404 404 404 404 403 404 403 404", post="L 404 404 404 404 404 403 404 403 404", data=_user_body),
        c("convention B", _conv_obj("conv_b", "member_b"), CONVB_WRITE, post=CONVB_WRITE),
    ],
    "habilitations:user_close": [
        c("T1 user, in the responsable's subtree", _conv_obj("conv1", "t1_user"), CONV1_WRITE, post=CONV1_WRITE_R),
        c("T18 user, another branch", _conv_obj("conv1", "t18_user"), CONV1_ADMIN_WRITE),
        c("administrator of convention 2", _conv_obj("conv1", "admin2"),
          "L 404 404 404 403 403 404 404 403 404", post="L 404 404 404 403 403 404 404 403 404"),
        c("person of two conventions", _conv_obj("conv1", "two_conventions"),
          "L 404 404 404 403 403 404 404 403 404", post="L 404 404 404 403 403 404 404 403 404"),
        c("organisation B's staff under convention 1", _conv_obj("conv1", "member_b"), NONE, post=NONE),
        c("convention B", _conv_obj("conv_b", "member_b"), CONVB_WRITE),
    ],
    # « Débloquer le compte »: whoever may change the user, or an agent of the convention's Caf.
    "habilitations:user_unlock": [
        *RESET_2FA_CASES,
    ],
    # « Réinitialiser le second facteur »: the same people as « Débloquer le compte » (Do.RESET_2FA).
    "habilitations:user_second_factor_reset": [
        *RESET_2FA_CASES,
    ],
    "habilitations:membership_add": [
        c("plain user into N4", _conv_obj("conv1", "plain"), CONV1_WRITE, post=CONV1_WRITE_R,
          data=lambda w: {"group": w.group_n4.pk}),
        # A group outside the actor's scope is not offered: the form refuses it, nothing is written.
        c("plain user into Accueil (forged for the responsable)", _conv_obj("conv1", "plain"), None,
          post="L 404 404 404 200 R 404 404 403 404", data=lambda w: {"group": w.accueil.pk}),
        c("plain user into convention 2's group (forged)", _conv_obj("conv1", "plain"), None,
          post="L 404 404 404 200 200 404 404 403 404", data=lambda w: {"group": w.conv2_group.pk}),
        c("T18 user, another branch", _conv_obj("conv1", "t18_user"), CONV1_ADMIN_WRITE),
        c("member of convention 2 only", _conv_obj("conv1", "conv2_member"), CONV1_ADMIN_WRITE,
          post="L 404 404 404 404 R 404 404 403 404", data=lambda w: {"group": w.group_n4.pk}),
        c("administrator of convention 2", _conv_obj("conv1", "admin2"), CONV1_WRITE),
        c("organisation B's staff under convention 1", _conv_obj("conv1", "member_b"), NONE, post=NONE,
          data=lambda w: {"group": w.group_n4.pk}),
        c("convention B", _conv_obj("conv_b", "member_b"), CONVB_WRITE),
    ],
    "habilitations:memberships": [
        c("T1 user", _conv_obj("conv1", "t1_user"), CONV1_READ),
        c("T18 user, another branch", _conv_obj("conv1", "t18_user"), CONV1_ADMIN_READ),
        c("person of two conventions", _conv_obj("conv1", "two_conventions"), CONV1_READ),
        c("person of two conventions, convention 2", _conv_obj("conv2", "two_conventions"), CONV2_READ),
        c("organisation B's staff under convention 1", _conv_obj("conv1", "member_b"), NONE),
        c("convention B", _conv_obj("conv_b", "member_b"), CONVB_READ),
    ],
    "habilitations:membership_remove": [
        c("T1 user from N5", lambda w: [w.conv1.pk, w.t1_user.pk, w.group_n5.pk], GET_405,
          post="L 404 404 404 R R 404 404 403 404"),
        c("T18 user from Accueil", lambda w: [w.conv1.pk, w.t18_user.pk, w.accueil.pk], GET_405,
          post="L 404 404 404 404 R 404 404 403 404"),
        c("two-convention person from convention 2's group, under convention 1",
          lambda w: [w.conv1.pk, w.two_conventions.pk, w.conv2_group.pk], GET_405,
          post="L 404 404 404 404 404 404 404 403 404"),
        c("T1 user from a group he is not in", lambda w: [w.conv1.pk, w.t1_user.pk, w.accueil.pk], GET_405,
          post="L 404 404 404 404 R/400/404 404 404 403 404"),
        c("convention B", lambda w: [w.conv_b.pk, w.member_b.pk, w.group_b.pk], GET_405,
          post="L 404 404 404 404 404 404 R 404 403"),
    ],
    # End date of a membership: whoever may take the person out of the group (Do.ENROL on him, Do.MANAGE on it).
    "habilitations:membership_end": [
        c("T1 user in N5", lambda w: [w.conv1.pk, w.t1_user.pk, w.group_n5.pk], CONV1_WRITE, post=CONV1_WRITE_R,
          data=lambda w: {"ends_on": ""}),
        c("T18 user in Accueil, a past date (refused)", lambda w: [w.conv1.pk, w.t18_user.pk, w.accueil.pk],
          CONV1_ADMIN_WRITE, post=CONV1_ADMIN_WRITE, data=lambda w: {"ends_on": "2001-01-01"}),
        c("two-convention person in convention 2's group, under convention 1",
          lambda w: [w.conv1.pk, w.two_conventions.pk, w.conv2_group.pk], "L 404 404 404 404 404 404 404 403 404",
          post="L 404 404 404 404 404 404 404 403 404", data=lambda w: {"ends_on": ""}),
        c("convention B", lambda w: [w.conv_b.pk, w.member_b.pk, w.group_b.pk], CONVB_WRITE,
          post="L 404 404 404 404 404 404 R 404 403", data=lambda w: {"ends_on": ""}),
    ],
    # Bulk import: who may create users; the pending import is its owner's only (an unknown one: 404).
    "habilitations:users_import": [
        c("convention 1", _conv("conv1"), CONV1_WRITE, post=CONV1_WRITE),
        c("convention 2", _conv("conv2"), CONV2_WRITE, post=CONV2_WRITE),
        c("convention B", _conv("conv_b"), CONVB_WRITE, post=CONVB_WRITE),
    ],
    "habilitations:users_import_template": [
        c("CSV, convention 1", lambda w: [w.conv1.pk, "csv"], CONV1_WRITE),
        c("XLSX, convention B", lambda w: [w.conv_b.pk, "xlsx"], CONVB_WRITE),
        c("unknown format", lambda w: [w.conv1.pk, "pdf"], "L 404 404 404 404 404 404 404 403 404"),
    ],
    "habilitations:users_import_preview": [c("unknown import", lambda w: [w.conv1.pk, 999999], NONE)],
    "habilitations:users_import_errors": [c("unknown import", lambda w: [w.conv1.pk, 999999], NONE)],
    "habilitations:users_import_confirm": [
        c("unknown import", lambda w: [w.conv1.pk, 999999], GET_405, post=NONE),
    ],
    # Export of one's scope: whoever reads the convention's lists.
    "habilitations:users_export": [
        c("XLSX, convention 1", lambda w: [w.conv1.pk, "xlsx"], CONV1_READ),
        c("CSV, convention 2", lambda w: [w.conv2.pk, "csv"], CONV2_READ),
        c("XLSX, convention B", lambda w: [w.conv_b.pk, "xlsx"], CONVB_READ),
        c("unknown format", lambda w: [w.conv1.pk, "pdf"], NONE),
    ],
    # ---------------------------------------------------------------- dossiers
    "dossiers:search": [c("search", lambda w: [], "L 403 200 200 403 403 403 200 403 403",
                          post="L 403 200 200 403 403 403 200 403 403")],
    "dossiers:attestation_requests": [c("own requests", lambda w: [], ALL_IN)],
    "dossiers:caf_attestations": [c("Caf list", lambda w: [], "L 404 404 404 404 404 404 404 200 200")],
    "dossiers:caf_attestation_mark_sent": [
        c("Caf 1 request", lambda w: [w.request1.pk], LOGGED_405, post="L 404 404 404 404 404 404 404 R 404"),
        c("Caf 2 request", lambda w: [w.request_b.pk], LOGGED_405, post="L 404 404 404 404 404 404 404 404 R"),
        c("unknown request", lambda w: [999999], LOGGED_405, post=NONE),
    ],
    "dossiers:open": [
        c("Caf 1 dossier", lambda w: ["601", "1110001"], "L 403 R R 403 403 403 403 403 403"),
        c("Caf 2 dossier", lambda w: ["602", "9990001"], "L 403 403 403 403 403 403 R 403 403"),
        c("Caf 1, unknown number", lambda w: ["601", "1119999"], "L 403 404 404 403 403 403 403 403 403"),
        c("unknown Caf", lambda w: ["999", "1110001"], NONE),
        c("malformed number", lambda w: ["601", "abc"], NONE),
        c("NUL in the Caf code", lambda w: ["\x00", "1110001"], NONE),
    ],
    "dossiers:tab": [
        c("Caf 1, synthèse", lambda w: ["601", "1110001", "synthese"], "L 403 200 200 403 403 403 403 403 403"),
        c("Caf 1, résumé", lambda w: ["601", "1110001", "resume"], "L 403 200 200 403 403 403 403 403 403"),
        c("Caf 1, paiements", lambda w: ["601", "1110001", "paiements"], "L 403 403 200 403 403 403 403 403 403"),
        c("Caf 1, créances", lambda w: ["601", "1110001", "creances"], "L 403 403 200 403 403 403 403 403 403"),
        c("Caf 1, RSA", lambda w: ["601", "1110001", "rsa"], "L 403 403 200 403 403 403 403 403 403"),
        c("Caf 1, unknown tab", lambda w: ["601", "1110001", "inconnu"], "L 403 404 404 403 403 403 403 403 403"),
        c("Caf 2, synthèse", lambda w: ["602", "9990001", "synthese"], "L 403 403 403 403 403 403 200 403 403"),
        c("Caf 2, paiements", lambda w: ["602", "9990001", "paiements"], "L 403 403 403 403 403 403 200 403 403"),
    ],
    "dossiers:attestation": [
        c("Caf 1", lambda w: ["601", "1110001"], "L 403 403 200 403 403 403 403 403 403"),
        c("Caf 2", lambda w: ["602", "9990001"], "L 403 403 403 403 403 403 200 403 403"),
    ],
    "dossiers:attestation_pdf": [
        c("Caf 1", lambda w: ["601", "1110001"], "L 403 403 200 403 403 403 403 403 403"),
        c("Caf 2", lambda w: ["602", "9990001"], "L 403 403 403 403 403 403 200 403 403"),
    ],
    "dossiers:attestation_post": [  # without « confirm »: the confirmation page, nothing written
        c("Caf 1", lambda w: ["601", "1110001"], GET_405, post="L 403 403 200 403 403 403 403 403 403"),
        c("Caf 2", lambda w: ["602", "9990001"], GET_405, post="L 403 403 403 403 403 403 200 403 403"),
        c("Caf 1, confirmed", lambda w: ["601", "1110001"], GET_405, post="L 403 403 R 403 403 403 403 403 403",
          data=lambda w: {"confirm": "1"}),
    ],
    "dossiers:caf_attestation_pdf": [
        c("Caf 1 request", lambda w: [w.request1.pk], "L 404 404 404 404 404 404 404 200 404"),
        c("Caf 2 request", lambda w: [w.request_b.pk], "L 404 404 404 404 404 404 404 404 200"),
        c("unknown request", lambda w: [999999], NONE),
    ],
    # ---------------------------------------------------------------- footer pages (public)
    "pages:accessibility": [c("statement", lambda w: [], "200")],
    "pages:personal_data": [c("personal data", lambda w: [], "200")],
    "pages:legal": [c("mentions légales", lambda w: [], "200")],
    "pages:site_map": [c("site map", lambda w: [], "200")],
    # « Vérifier une attestation »: public; posted empty, the form with its errors (nothing looked up)
    "verification:verify": [c("form", lambda w: [], "200", post="400")],
    # ---------------------------------------------------------------- Dialogue
    "dialogue:mine": [c("own messages", lambda w: [], "L 200 200 200 200 200 200 200 R R")],
    "dialogue:new": [
        c("Caf 1 dossier", lambda w: ["601", "1110001"], "L 404 403 200 404 404 404 404 404 404",
          post="L 404 403 200/400 404 404 404 404 404 404"),
        c("Caf 1, unknown number", lambda w: ["601", "1119999"], "L 404 403 404 404 404 404 404 404 404"),
        c("Caf 2 dossier", lambda w: ["602", "9990001"], "L 404 404 404 404 404 404 200 404 404",
          post="L 404 404 404 404 404 404 200/400 404 404"),
        c("unknown Caf", lambda w: ["999", "1110001"], NONE),
        c("NUL in the Caf code", lambda w: ["\x00", "1110001"], NONE),
        c("NUL in the number", lambda w: ["601", "111\x00001"], "L 404 403/404 404 404 404 404 404 404 404"),
    ],
    "dialogue:detail": [
        c("plain user's message, written before he lost his role", lambda w: [w.former_message.pk], NONE),
        c("T1 user's message", lambda w: [w.message1.pk], "L 404 404 200 404 404 404 404 404 404"),
        c("partner B's message", lambda w: [w.message_b.pk], "L 404 404 404 404 404 404 200 404 404"),
        c("unknown message", lambda w: [999999], NONE),
    ],
    "dialogue:attachment": [
        c("plain user's message, written before he lost his role", lambda w: [w.former_message.pk], NONE),
        c("T1 user's message", lambda w: [w.message1.pk], "L 404 404 200 404 404 404 404 404 404"),
        c("partner B's message", lambda w: [w.message_b.pk], "L 404 404 404 404 404 404 200 404 404"),
    ],
    "dialogue:inbox": [c("Caf inbox", lambda w: [], "L 404 404 404 404 404 404 404 200 200")],
    "dialogue:inbox_detail": [
        c("Caf 1 message", lambda w: [w.message1.pk], "L 404 404 404 404 404 404 404 200 404"),
        c("Caf 2 message", lambda w: [w.message_b.pk], "L 404 404 404 404 404 404 404 404 200"),
        c("unknown message", lambda w: [999999], NONE),
    ],
    "dialogue:answer": [
        c("Caf 1 message", lambda w: [w.message1.pk], LOGGED_405, post="L 404 404 404 404 404 404 404 400 404"),
        c("Caf 2 message", lambda w: [w.message_b.pk], LOGGED_405, post="L 404 404 404 404 404 404 404 404 R",
          data=lambda w: {"body": "Réponse de la Caf"}),
    ],
    "dialogue:mark_done": [
        c("Caf 1 message", lambda w: [w.message1.pk], LOGGED_405, post="L 404 404 404 404 404 404 404 R 404"),
        c("Caf 2 message", lambda w: [w.message_b.pk], LOGGED_405, post="L 404 404 404 404 404 404 404 404 R"),
    ],
    # ---------------------------------------------------------------- Caf back office (/caf/): Caf side only
    "cafadmin:conventions": [c("list", lambda w: [], CAF_ANY)],
    "cafadmin:convention": [c("Caf 1", _conv("conv1"), CAF1_PAGE), c("Caf 2", _conv("conv_b"), CAFB_PAGE),
                            c("unknown", lambda w: [999999], NONE)],
    "cafadmin:convention_update": [c("Caf 1", _conv("conv1"), CAF1_PAGE, post=CAF1_PAGE),
                                   c("Caf 2", _conv("conv_b"), CAFB_PAGE, post=CAFB_PAGE)],
    "cafadmin:convention_suspend": [c("Caf 1", _conv("conv1"), CAF1_PAGE, post=CAF1_PAGE),
                                    c("Caf 2", _conv("conv_b"), CAFB_PAGE, post=CAFB_PAGE)],
    "cafadmin:convention_reopen": [c("Caf 1", _conv("conv1"), CAF1_PAGE, post=CAF1_PAGE)],
    "cafadmin:convention_close": [c("Caf 1", _conv("conv1"), CAF1_PAGE, post=CAF1_PAGE),
                                  c("Caf 2", _conv("conv_b"), CAFB_PAGE, post=CAFB_PAGE)],
    "cafadmin:administrator_name": [c("Caf 1", _conv("conv1"), CAF1_PAGE, post=CAF1_PAGE),
                                    c("Caf 2", _conv("conv_b"), CAFB_PAGE, post=CAFB_PAGE)],
    "cafadmin:administrator_create": [c("Caf 1", _conv("conv1"), CAF1_PAGE, post=CAF1_PAGE),
                                      c("Caf 2", _conv("conv_b"), CAFB_PAGE, post=CAFB_PAGE)],
    "cafadmin:administrator_remove": [
        c("Caf 1, its administrator", _conv_obj("conv1", "admin1"), CAF1_PAGE,
          post="L 404 404 404 404 404 404 404 R 404"),
        c("Caf 1, not an administrator", _conv_obj("conv1", "plain"), NONE, post=NONE),
        c("Caf 2, its administrator", _conv_obj("conv_b", "partner_b"), CAFB_PAGE),
    ],
    "cafadmin:organisations": [c("list", lambda w: [], CAF_ANY)],
    "cafadmin:organisation_create": [c("form", lambda w: [], CAF_ANY, post=CAF_ANY)],
    "cafadmin:organisation": [c("Caf 1's partner", lambda w: [w.org_a.pk], CAF1_PAGE),
                              c("Caf 2's partner", lambda w: [w.org_b.pk], CAFB_PAGE)],
    "cafadmin:organisation_update": [c("Caf 1's partner", lambda w: [w.org_a.pk], CAF1_PAGE, post=CAF1_PAGE),
                                     c("Caf 2's partner", lambda w: [w.org_b.pk], CAFB_PAGE, post=CAFB_PAGE)],
    "cafadmin:convention_create": [c("Caf 1's partner", lambda w: [w.org_a.pk], CAF1_PAGE, post=CAF1_PAGE),
                                   c("Caf 2's partner", lambda w: [w.org_b.pk], CAFB_PAGE, post=CAFB_PAGE)],
    # The role catalogue is national data: Caf agents read it, only national administrators change it.
    "cafadmin:roles": [c("list", lambda w: [], CAF_ANY)],
    "cafadmin:role_create": [c("form", lambda w: [], CAF_ROLE_EDIT, post=CAF_ROLE_EDIT)],
    "cafadmin:role_update": [c("T1", lambda w: [w.t1.pk], CAF_ROLE_EDIT, post=CAF_ROLE_EDIT)],
    # posted empty: the form again with its errors (400/200), nothing saved
    "cafadmin:settings": [c("his Caf", lambda w: [], CAF_ANY, post=CAF_ANY)],
    "cafadmin:caf_settings": [c("Caf 1", lambda w: [w.caf1.pk], CAF1_PAGE, post=CAF1_PAGE),
                              c("Caf 2", lambda w: [w.caf2.pk], CAFB_PAGE, post=CAFB_PAGE),
                              c("forged id", lambda w: [999999], "L 404 404 404 404 404 404 404 404 404",
                                post="L 404 404 404 404 404 404 404 404 404")],
    "dialogue:inbox_attachment": [
        c("Caf 1 message", lambda w: [w.message1.pk], "L 404 404 404 404 404 404 404 200 404"),
        c("Caf 2 message", lambda w: [w.message_b.pk], "L 404 404 404 404 404 404 404 404 200"),
    ],
    # ---------------------------------------------------------------- Caf: validation, measures, journal
    "mesures:index": [c("measures", lambda w: [], CAF_SIDE)],
    "mesures:validation": [c("queue", lambda w: [], CAF_SIDE)],
    "mesures:validation_decide": [
        c("Caf 1 request, empty post", lambda w: [w.pending1.pk], CAF1_ONLY, post=CAF1_ONLY),
        c("Caf 1 request, approved", lambda w: [w.pending1.pk], None, post="L 404 404 404 404 404 404 404 R 404",
          data=lambda w: {"decision": "approve"}),
        c("Caf 1 request, refused without reason", lambda w: [w.pending1.pk], None, post=CAF1_ONLY,
          data=lambda w: {"decision": "refuse"}),
        c("Caf 2 request", lambda w: [w.pending_b.pk], CAF2_ONLY, post="L 404 404 404 404 404 404 404 404 R",
          data=lambda w: {"decision": "refuse", "reason": "Motif"}),
        c("unknown request", lambda w: [999999], NONE, post=NONE),
    ],
    "mesures:user": [
        c("T1 user of Caf 1's partner", _conv("t1_user"), CAF1_ONLY, post="L 404 404 404 404 404 404 404 R 404",
          data=lambda w: {"move": "suspend", "reason": "Usage anormal"}),
        c("T1 user, reason left empty", _conv("t1_user"), None, post=CAF1_ONLY, data=lambda w: {"move": "suspend"}),
        c("organisation B's staff", _conv("member_b"), CAF2_ONLY, post="L 404 404 404 404 404 404 404 404 R",
          data=lambda w: {"move": "require_password", "reason": "Mot de passe divulgué"}),
        c("a Caf agent", _conv("agent2"), NONE, post=NONE),
    ],
    "mesures:group": [
        c("N1 of Convention 1", lambda w: [w.tree[0].pk], CAF1_ONLY, post="L 404 404 404 404 404 404 404 R 404",
          data=lambda w: {"move": "suspend", "reason": "Enquête"}),
        c("Convention B's group", _conv("group_b"), CAF2_ONLY, post=CAF2_ONLY),
    ],
    "mesures:convention": [
        c("Convention 1", _conv("conv1"), CAF1_ONLY, post="L 404 404 404 404 404 404 404 R 404",
          data=lambda w: {"move": "take_back", "reason": "Contrôle"}),
        c("Convention B", _conv("conv_b"), CAF2_ONLY, post="L 404 404 404 404 404 404 404 404 R",
          data=lambda w: {"move": "suspend", "reason": "Contrôle"}),
    ],
    "journal_caf:search": [c("search", lambda w: [], CAF_SIDE)],
    "journal_caf:export": [c("CSV", lambda w: [], CAF_SIDE)],
    "journal_caf:detail": [c("unknown entry", lambda w: [999999], NONE)],
    "journal_caf:verification": [c("status; run: national administrator only", lambda w: [], CAF_SIDE,
                                   post="L 404 404 404 404 404 404 404 403 403")],
    "journal_caf:unusual": [c("today", lambda w: [], CAF_SIDE)],
    # ---------------------------------------------------------------- « Statistiques d'usage », « Consulter documents »
    "statistiques:index": [c("Caf-wide, or the partner's convention", lambda w: [],
                             "L 404 404 404 R R R R 200 200")],
    "statistiques:export": [
        c("Caf-wide table", lambda w: ["periodes"], "L 404 404 404 404 404 404 404 200 200"),
        c("unknown table", lambda w: ["inconnu"], NONE),
    ],
    "statistiques:convention": [
        c("convention 1", _conv("conv1"), CONV1_READ),
        c("convention 2", _conv("conv2"), CONV2_READ),
        c("convention B", _conv("conv_b"), CONVB_READ),
        c("unknown convention", lambda w: [999999], NONE),
    ],
    "statistiques:convention_export": [
        c("convention 1", lambda w: [w.conv1.pk, "utilisateurs"], CONV1_READ),
        c("convention B", lambda w: [w.conv_b.pk, "groupes"], CONVB_READ),
        c("convention 1, unknown table", lambda w: [w.conv1.pk, "inconnu"], NONE),
    ],
    # ---------------------------------------------------------------- « Supervision habilitations », « Supervision modifier »
    **{f"supervision:{page}": [c("chooser (one convention: straight to it)", lambda w: [],
                                 "L 404 404 404 R R R R 200 200")] for page in ("habilitations", "changes")},
    **{f"supervision:{page}_caf{suffix}": [c("whole Caf", lambda w: [], "L 404 404 404 404 404 404 404 200 200")]
       for page in ("habilitations", "changes") for suffix in ("", "_csv")},
    **{f"supervision:{page}_convention{suffix}": [
        c("convention 1", _conv("conv1"), CONV1_READ),
        c("convention 2", _conv("conv2"), CONV2_READ),
        c("convention B", _conv("conv_b"), CONVB_READ),
        c("unknown convention", lambda w: [999999], NONE),
    ] for page in ("habilitations", "changes") for suffix in ("", "_csv")},
    "documents:index": [c("conventions with documents", lambda w: [], "L 404 404 404 R R R R 200 200")],
    "documents:convention": [
        c("convention 1", _conv("conv1"), CONV1_READ),
        c("convention 2", _conv("conv2"), CONV2_READ),
        c("convention B", _conv("conv_b"), CONVB_READ),
        c("unknown convention", lambda w: [999999], NONE),
    ],
    "documents:upload": [
        c("convention 1, empty form", _conv("conv1"), GET_405, post="L 404 404 404 403 403 404 404 400 404"),
        c("convention B, empty form", _conv("conv_b"), GET_405, post="L 404 404 404 404 404 404 403 404 400"),
    ],
    "documents:download": [
        c("convention 1's document", lambda w: [w.document1.pk], CONV1_READ),
        c("convention B's document", lambda w: [w.document_b.pk], CONVB_READ),
        c("unknown document", lambda w: [999999], NONE),
    ],
    # ---------------------------------------------------------------- « Jetons d'API » and the REST API
    # The page: administrators of the convention only (a responsable or an agent who sees it: 403).
    "api_tokens:list": [c("convention 1", _conv("conv1"), TOKENS_CONV1),
                        c("convention B", _conv("conv_b"), TOKENS_CONVB)],
    "api_tokens:create": [c("convention 1, empty form", _conv("conv1"), TOKENS_CONV1, post=TOKENS_CONV1)],
    "api_tokens:revoke": [c("convention 1's token", lambda w: [w.conv1.pk, _api_token(w).pk], TOKENS_CONV1,
                            post="L 404 404 404 403 R 404 404 403 404"),
                          c("token of convention 1 under convention B", lambda w: [w.conv_b.pk, _api_token(w).pk],
                            "L 404 404 404 404 404 404 404 404 403")],
    # The API takes tokens only: a signed-in session gets 401 (its own tests: portail/api/tests/).
    "api:schema": [c("OpenAPI schema", lambda w: [], "200")],
    "api:docs": [c("documentation page", lambda w: [], "200")],
    "api:unknown": [c("any other address under /api/v1/", lambda w: [], "404", post="404")],
    **{f"api:{name}-list": [c("without a token", lambda w: [], "401", post="401")]
       for name in ("conventions", "groups", "users", "memberships", "journal")},
    **{f"api:{name}": [c("without a token", lambda w: [w.conv1.pk], "401", post="401")]
       for name in ("conventions-detail", "groups-detail", "groups-close", "groups-roles", "users-detail",
                    "users-close", "memberships-detail")},
    # SCIM takes tokens only: a signed-in session gets 401 (its own tests: portail/scim/tests/).
    **{f"scim:{name}": [c("without a token", lambda w: [w.conv1.pk], "401", post="401")]
       for name in ("service_provider_config", "schemas", "resource_types", "users", "groups")},
    **{f"scim:{name}": [c("without a token", lambda w: [w.conv1.pk, w.t1_user.pk], "401", post="401")]
       for name in ("schema", "resource_type", "user", "group")},
}


def url_pattern_names(resolver=None, namespace: str | None = None) -> list[str]:
    """Every named pattern of the project, with its namespaces (« app:name »); unnamed ones as « <route> »."""
    names = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace) if n) or None
            names += url_pattern_names(entry, inner)
        elif isinstance(entry, URLPattern):
            name = entry.name or f"<{entry.pattern}>"
            names.append(f"{namespace}:{name}" if namespace else name)
    return names


def missing_from_matrix(names: list[str]) -> list[str]:
    return [n for n in names if n not in CASES and n not in EXEMPT]


def test_every_url_pattern_has_cases():
    names = url_pattern_names()
    missing = missing_from_matrix(names)
    assert not missing, f"URL patterns with no entry in the matrix (add them to CASES): {missing}"
    stale = [n for n in CASES if n not in names]
    assert not stale, f"Entries of the matrix for URL patterns that no longer exist: {stale}"
    assert all(CASES[n] for n in names if n in CASES)


# The project's URLs plus one page nobody described: the guard above must name it.
urlpatterns = [path("", include("config.urls")), path("nouvelle/", lambda request: None, name="nouvelle"),
               path("espace/", include(([path("page/<int:pk>/", lambda request, pk: None, name="page")], "espace")))]


@override_settings(ROOT_URLCONF=__name__)
def test_a_new_url_without_entry_is_named():
    assert missing_from_matrix(url_pattern_names()) == ["nouvelle", "espace:page"]


# ------------------------------------------------------------------------------------------ running


@cache
def _snapshot_sql() -> tuple:
    """The queries of `snapshot`, compiled once (the matrix takes a snapshot before and after every POST)."""
    return tuple(queryset.query.sql_with_params() for queryset in (
        Group.objects.order_by("pk").values_list("pk", "label", "status", "opening_date", "closing_date",
                                                 "responsable_id", "parent_id"),
        GroupRole.objects.order_by("pk").values_list("pk", "group_id", "role_id", "state"),
        Membership.objects.order_by("pk").values_list("pk", "user_id", "group_id"),
        User.objects.order_by("pk").values_list("pk", "email", "last_name", "first_name", "status",
                                                "closing_date", "password"),
        Message.objects.order_by("pk").values_list("pk", "status", "done_by_id"),
        Answer.objects.order_by("pk").values_list("pk"),
        AttestationRequest.objects.order_by("pk").values_list("pk", "status"),
    ))


def snapshot() -> tuple:
    """What a refused POST must not change (rows as the database returns them)."""
    with connection.cursor() as cursor:
        rows = []
        for sql, params in _snapshot_sql():
            cursor.execute(sql, params)
            rows.append(tuple(cursor.fetchall()))
    return tuple(rows)


def classify(response) -> str:
    if response.status_code in (301, 302):
        return "L" if response.url.startswith(reverse("accounts:login")) else "R"
    return str(response.status_code)


def body_of(response) -> str:
    if getattr(response, "streaming", False) or "text/html" not in response.get("Content-Type", ""):
        return ""
    return response.content.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    """The world and one logged-in client per actor, built once and rolled back at the end of the module."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build_world()
            clients = {}
            for actor in ACTORS:
                client = Client(raise_request_exception=False)
                if actor != "anonymous":
                    sign_in(client, getattr(world, ACTOR_USERS[actor]))
                clients[actor] = client
            yield world, clients
            print(f"\nURL matrix: {len(CASES)} URL patterns, {sum(map(len, CASES.values()))} cases × "
                  f"{len(ACTORS)} actors, {REQUESTS['count']} requests")
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


REQUESTS = {"count": 0}


def run_case(world: World, clients: dict, name: str, case: Case) -> list[str]:
    """Each (method, actor) of one case; returns the failures as readable lines."""
    failures = []
    url = reverse(name, args=case.args(world))
    for method, spec in (("GET", case.get), ("POST", case.post)):
        if spec is None:
            continue
        for actor, expected in codes(spec).items():
            client = clients[actor]
            cookies = deepcopy(client.cookies)  # a logout must not end the actor's session for the next rows
            where = f"{name} [{case.label}] {method} {url} as {actor}"
            with transaction.atomic():
                failures += one_request(client, method, url, case.data(world) if case.data else {}, actor, expected,
                                        where)
                transaction.set_rollback(True)
            client.cookies = cookies
    return failures


def one_request(client, method, url, data, actor, expected, where) -> list[str]:
    failures = []
    before = snapshot() if method == "POST" else None
    response = client.get(url) if method == "GET" else client.post(url, data)
    REQUESTS["count"] += 1
    got = classify(response)
    if got not in expected:
        failures.append(f"{where}: expected {'/'.join(sorted(expected))}, got {got}")
    if got == "500":  # the transaction may be broken (PostgreSQL): nothing more to read
        return failures
    # Only a redirect after a POST may have written: a refusal or a form shown again writes nothing.
    if method == "POST" and got != "R" and snapshot() != before:
        failures.append(f"{where}: answered {got} but the database changed")
    leaked = sorted(m for m in FORBIDDEN[actor] if m in body_of(response) and m not in url)
    if leaked:
        failures.append(f"{where}: shows {', '.join(leaked)}")
    return failures


@pytest.mark.parametrize("name", sorted(CASES))
def test_url_matrix(name, matrix):
    world, clients = matrix
    failures = []
    for case in CASES[name]:
        failures += run_case(world, clients, name, case)
    assert not failures, "\n".join(failures)
