"""API tokens: shown once, stored hashed, expiring, revocable, bound to their creator's administrator seat."""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from portail.api import tokens
from portail.api.models import ApiToken
from portail.core.clock import today
from portail.core.errors import BusinessError
from portail.journal.models import Action, JournalEntry

pytestmark = pytest.mark.django_db


def _create(admin_user, convention, **kw):
    args = {"name": "Annuaire RH", "scopes": ["api"], "expires_on": today() + timedelta(days=30), **kw}
    return tokens.token_create(actor=admin_user, convention=convention, **args)


def test_created_token_is_stored_hashed_and_works(admin_user, convention):
    token, raw = _create(admin_user, convention)
    assert raw.startswith("ppt_" + token.prefix + "_")
    assert raw.split("_", 2)[2] not in token.secret_hash
    assert tokens.authenticate(raw, scope="api") == token
    token.refresh_from_db()
    assert token.last_used_at is not None
    entry = JournalEntry.objects.get(action=Action.API_TOKEN_CREATED)
    assert entry.details["token"] == token.prefix and entry.actor_id == admin_user.pk


@pytest.mark.parametrize("mangle, reason", [
    (lambda raw: raw[:-1] + ("A" if raw[-1] != "A" else "B"), tokens.BAD_SECRET),
    (lambda raw: "ppt_00000000_" + raw.split("_", 2)[2], tokens.UNKNOWN),
    (lambda raw: "n'importe quoi", tokens.MALFORMED),
])
def test_bad_tokens_are_refused_and_journaled(admin_user, convention, mangle, reason):
    _, raw = _create(admin_user, convention)
    assert tokens.authenticate(mangle(raw), scope="api") is None
    entry = JournalEntry.objects.get(action=Action.API_REFUSED)
    assert entry.details["reason"] == reason and entry.details["channel"] == "api"


def test_expired_revoked_scope_and_lost_seat(admin_user, convention, partner_user):
    token, raw = _create(admin_user, convention, scopes=["scim"])
    assert tokens.check(raw, scope="api") == (token, tokens.WRONG_SCOPE)
    assert tokens.check(raw, scope="scim")[1] == ""
    ApiToken.objects.filter(pk=token.pk).update(created_at=token.created_at - timedelta(days=2),
                                                expires_at=token.created_at - timedelta(days=1))
    assert tokens.check(raw, scope="scim")[1] == tokens.EXPIRED
    token2, raw2 = _create(admin_user, convention, scopes=["scim", "api"])
    tokens.token_revoke(actor=admin_user, token=token2)
    tokens.token_revoke(actor=admin_user, token=token2)  # twice: nothing more
    assert JournalEntry.objects.filter(action=Action.API_TOKEN_REVOKED).count() == 1
    assert tokens.check(raw2, scope="api")[1] == tokens.REVOKED
    token3, raw3 = _create(admin_user, convention)
    convention.administrators.remove(admin_user)
    assert tokens.check(raw3, scope="api")[1] == tokens.CREATOR_NOT_ADMINISTRATOR


def test_creation_rules(admin_user, convention, partner_user):
    with pytest.raises(BusinessError):
        _create(admin_user, convention, scopes=[])
    with pytest.raises(BusinessError):
        _create(admin_user, convention, scopes=["root"])
    with pytest.raises(BusinessError):
        _create(admin_user, convention, expires_on=today() + timedelta(days=366))
    with pytest.raises(BusinessError):
        _create(admin_user, convention, expires_on=today() - timedelta(days=1))
    with pytest.raises(PermissionDenied):
        _create(partner_user, convention)
    assert not ApiToken.objects.exists()
