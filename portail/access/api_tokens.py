"""« Jetons d'API » and what a token may reach.

- The page: only an administrator of the convention (R6) lists, creates and revokes its tokens; anyone
  else who sees the convention (a responsable, an agent of its Caf) gets 403, anyone else 404. While the
  Caf has taken back the convention's management, or the convention is not writable, no token is created
  (revoking stays possible: it only takes access away).
- A token acts as its creator within its convention only: its `Seat` is the creator's seat in that
  convention, so the API answers exactly what the screens answer (404 outside scope, 403 visible but not
  allowed). The token stops working when its creator is no longer an open administrator of the convention
  (checked on every call by portail/api/tokens.py).
- The journal read through the API: the convention's habilitation changes and API/import events, not the
  consultations of dossiers (those stay with the Caf's supervision, R8/R9).
"""
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from portail.api.models import ApiToken
from portail.conventions.models import Convention
from portail.journal.models import CHANGE_ACTIONS, Action, JournalEntry

from .seat import Seat, _as_id

API_JOURNAL_ACTIONS = [
    *CHANGE_ACTIONS,
    Action.API_TOKEN_CREATED, Action.API_TOKEN_REVOKED, Action.API_REFUSED, Action.API_JOURNAL_READ,
    Action.IMPORT_APPLIED, Action.IMPORT_REFUSED, Action.SCOPE_EXPORTED,
]


def token_creator_may_act(user, convention: Convention) -> bool:
    """A token works only while its creator is an open administrator of its convention."""
    return (
        user.is_open and user.organisation_id == convention.organisation_id
        and convention.administrators.filter(pk=user.pk).exists()
    )


def _administers(seat: Seat) -> bool:
    return seat.scope is not None and seat.scope.whole


def access_token_page(actor, convention_id) -> Seat:
    """The seat of « Jetons d'API »: 404 outside the convention, 403 for who sees it without administering it."""
    seat = Seat.enter(actor, convention_id)
    if not _administers(seat):
        raise PermissionDenied
    return seat


def may_create_tokens(seat: Seat) -> bool:
    return _administers(seat) and seat.scope.writable


def access_token_creation(actor, convention_id) -> Seat:
    seat = access_token_page(actor, convention_id)
    if not may_create_tokens(seat):
        raise PermissionDenied
    return seat


def tokens_of(seat: Seat) -> QuerySet[ApiToken]:
    if not _administers(seat):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(convention=seat.convention).select_related("created_by", "revoked_by")


def access_api_token(seat: Seat, token_id) -> ApiToken:
    try:
        return tokens_of(seat).get(pk=_as_id(token_id))
    except ApiToken.DoesNotExist:
        raise Http404


def token_seat(token: ApiToken) -> Seat:
    """What the token may do: its creator's seat in its convention, nothing elsewhere."""
    convention = Convention.objects.select_related("caf", "organisation").get(pk=token.convention_id)
    return Seat(token.created_by, convention)


def api_conventions(token: ApiToken) -> QuerySet[Convention]:
    return Convention.objects.filter(pk=token.convention_id).select_related("caf", "organisation")


def api_journal_entries(token: ApiToken) -> QuerySet[JournalEntry]:
    return JournalEntry.objects.filter(convention_id=token.convention_id).filter(
        Q(action__in=API_JOURNAL_ACTIONS)
    )
