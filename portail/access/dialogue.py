"""Dialogue: who writes to a Caf about a dossier, who answers, which messages each sees."""
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from portail.dialogue.models import Message

from .rights import ConsultationRights, cafs_for_consultation, consultation_rights
from .scope import is_partner_actor


def dialogue_write_rights(user, caf_id: int) -> ConsultationRights:
    """May the user write to this Caf about one of its dossiers? 404 without any consultation
    right at that Caf (its dossiers are outside his scope), 403 when his roles there all forbid
    Dialogue. Returns the rights, for the journal trace."""
    rights = consultation_rights(user, caf_id)
    if not rights.allowed:
        raise Http404
    if not rights.can_write_dialogue:
        raise PermissionDenied
    return rights


def may_use_dialogue(user, cafs: list | None = None) -> bool:
    """The partner's « Dialogue » menu: an open partner user with consultation rights somewhere
    (`cafs`: his consultation Cafs when the caller already has them)."""
    return is_partner_actor(user) and bool(cafs if cafs is not None else cafs_for_consultation(user))


def may_answer_dialogue(user) -> bool:
    """The Caf's « Messages des partenaires »: an open Caf agent."""
    return user.is_authenticated and user.is_caf_agent and user.is_open


def dialogue_messages_visible_to(user, *, caf_side: bool) -> QuerySet:
    """Caf side: an agent's Caf's messages. Partner side: his own messages, at the Cafs where he
    may still consult (losing the right hides them). Anyone else: nothing."""
    if caf_side:
        return Message.objects.filter(caf_id=user.caf_id) if may_answer_dialogue(user) else Message.objects.none()
    if is_partner_actor(user):
        return Message.objects.filter(author=user, caf_id__in=[caf.pk for caf in cafs_for_consultation(user)])
    return Message.objects.none()


def access_dialogue_message(user, message_id, *, caf_side: bool):
    """One message for the Caf's inbox (caf_side) or the partner's own list; 404 outside scope."""
    if caf_side and not may_answer_dialogue(user):
        raise Http404
    if not caf_side and (not is_partner_actor(user) or user.is_caf_agent):
        raise Http404
    try:
        message = Message.objects.select_related("caf", "dossier", "author", "organisation").get(pk=int(message_id))
    except (Message.DoesNotExist, TypeError, ValueError):
        raise Http404
    if caf_side:
        if message.caf_id != user.caf_id:
            raise Http404
    elif message.author_id != user.pk or not consultation_rights(user, message.caf_id).allowed:
        raise Http404
    return message
