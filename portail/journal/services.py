"""The only way to write to the journal: one named constructor per event (R9)."""
from typing import Any

from django.db import DatabaseError, transaction

from portail.core.clock import now

from .models import Action, JournalEntry, JournalHead

GENESIS = "0" * 64


class JournalUnavailable(Exception):
    """The journal could not be written: the action it traces must not happen, its data not leave."""


def _id(obj) -> int | None:
    return getattr(obj, "pk", obj) if obj is not None else None


def journal_append(
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
    """Append one entry; runs in the caller's transaction so the event and its trace commit together."""
    try:
        return _append(action=action, actor=actor, ip=ip, caf=caf, convention=convention, group=group, role=role,
                       target_user=target_user, dossier_number=dossier_number, details=details)
    except DatabaseError as exc:
        raise JournalUnavailable from exc


def _append(*, action, actor, ip, caf, convention, group, role, target_user, dossier_number, details) -> JournalEntry:
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
        JournalHead.objects.filter(pk=1).update(last_hash=entry.entry_hash)
        return entry


def journal_verify() -> tuple[int, list[str]]:
    """Walk the chain; returns (entries checked, problems found)."""
    problems: list[str] = []
    previous = GENESIS
    count = 0
    for entry in JournalEntry.objects.order_by("id").iterator(chunk_size=2000):
        count += 1
        if entry.previous_hash != previous:
            problems.append(f"entrée {entry.pk} : chaînage rompu (entrée précédente supprimée ou modifiée)")
        if entry.compute_hash() != entry.entry_hash:
            problems.append(f"entrée {entry.pk} : contenu modifié")
        previous = entry.entry_hash
    head = JournalHead.objects.filter(pk=1).first()
    if head and count and head.last_hash != previous:
        problems.append("dernière entrée manquante : la tête du journal ne correspond pas")
    return count, problems


__all__ = ["Action", "JournalUnavailable", "journal_append", "journal_verify"]
