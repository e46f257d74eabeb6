"""Writing the journal (R9). Code writes through the named constructors of `events.py`."""
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import F

from portail.core.clock import now

from .models import GENESIS, Action, JournalEntry, JournalHead
from .verify import journal_verify


class JournalUnavailable(Exception):
    """The journal could not be written: the action it traces must not happen, its data not leave."""


def _id(obj) -> int | None:
    return getattr(obj, "pk", obj) if obj is not None else None


def _append(
    *,
    action: str,
    actor=None,
    ip: str | None = None,
    caf=None,
    convention=None,
    group=None,
    role=None,
    target_user=None,
    dossier_number: str = "",
    details: dict[str, Any] | None = None,
) -> JournalEntry:
    """Append one entry (only `events.py` calls this); runs in the caller's transaction so the event
    and its trace commit together."""
    try:
        return _write(action=action, actor=actor, ip=ip, caf=caf, convention=convention, group=group, role=role,
                      target_user=target_user, dossier_number=dossier_number, details=details)
    except DatabaseError as exc:
        raise JournalUnavailable from exc


def _write(*, action, actor, ip, caf, convention, group, role, target_user, dossier_number, details) -> JournalEntry:
    with transaction.atomic():
        head, _ = JournalHead.objects.select_for_update().get_or_create(pk=1)
        entry = JournalEntry(
            created_at=now(),
            action=action,
            actor_id=_id(actor),
            actor_identifier=getattr(actor, "username", "") or "",
            ip_address=ip or None,
            caf_id=_id(caf),
            convention_id=_id(convention),
            group_id=_id(group),
            role_id=_id(role),
            target_user_id=_id(target_user),
            dossier_number=dossier_number,
            details=details or {},
            previous_hash=head.last_hash,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save()
        JournalHead.objects.filter(pk=1).update(
            last_hash=entry.entry_hash, last_id=entry.pk, entry_count=F("entry_count") + 1
        )
        return entry


__all__ = ["Action", "GENESIS", "JournalUnavailable", "journal_verify"]
