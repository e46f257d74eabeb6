"""Reads of Dialogue. Lists start from access.dialogue_messages_visible_to and fetch everything a
row shows in a fixed number of queries, whatever the number of rows."""
import re

from django.db.models import Count, Max, QuerySet

from portail.conventions.models import Caf
from portail.dossiers.models import Dossier
from portail import access

from .models import Answer, Message

NUMBER = re.compile(r"^\d{7}$")


def dossier_or_none(caf: Caf, number: str) -> Dossier | None:
    """Call only after the access check on `caf`; the caller journals a refusal (services.message_dossier)."""
    if not NUMBER.fullmatch(number or ""):
        return None
    return Dossier.objects.only("id", "caf_id", "number").filter(caf=caf, number=number).first()


def _with_row_data(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("caf", "dossier", "author", "organisation").annotate(
        answer_count=Count("answers"), last_answer_at=Max("answers__created_at")
    ).only(
        "id", "subject", "status", "created_at", "attachment_name", "caf__name", "caf__code",
        "dossier__number", "author__first_name", "author__last_name", "author__username", "organisation__name",
    )


def partner_messages(user) -> QuerySet[Message]:
    return _with_row_data(access.dialogue_messages_visible_to(user, caf_side=False)).order_by("-created_at", "-id")


def inbox(user) -> QuerySet[Message]:
    return _with_row_data(access.dialogue_messages_visible_to(user, caf_side=True)).order_by("-created_at", "-id")


def answers_of(message: Message) -> list[Answer]:
    return list(message.answers.select_related("author").order_by("created_at", "id"))
