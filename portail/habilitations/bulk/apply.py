"""« Confirmer l'import »: the preview written in one transaction, all or nothing.

Under the transaction: the pending import (its owner, its state, its seal), then the groups the lines touch
with their ancestors (in the services' global order: level, then id), then the people, are locked; the plan
is computed again from the file's lines with the actor's seat as it is now and must equal the preview
shown, else nothing is written. Writes are bulk (a constant number of queries per batch of lines, the
journal's entries too: `journal_batch`) and each change has its journal entry, by the same constructors as the screens, with {"via": "import", "file",
"sha256"} in its details; an IMPORT_APPLIED entry gives the counts.
"""
from datetime import date
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string

from portail.access import Seat, rights_cache
from portail.accounts.identifiers import format_identifier
from portail.accounts.models import IdentifierCounter, User
from portail.accounts.services import activation_link
from portail.conventions.models import Convention
from portail.core import clock
from portail.core.clock import today
from portail.habilitations.models import Group, Membership
from portail.journal import events
from portail.journal.services import journal_batch
from portail.outbox import tasks as outbox_tasks
from portail.outbox.models import Mail

from .models import PendingImport
from .preview import CLOSE, CREATE, REFUSED, UPDATE, as_json, counts, plan_lines

BATCH = 1000


class ImportRefused(Exception):
    """Nothing was written; `message` says why (French), `lines` how many lines were refused."""

    def __init__(self, message: str, lines: int = 0):
        super().__init__(message)
        self.message = message
        self.lines = lines


def take_identifiers(count: int) -> list[str]:
    """`count` new identifiers at once, as `next_identifier` takes one: the counter locked, values already
    held by hand skipped, none ever reused. Call inside the creating transaction."""
    if count == 0:
        return []
    counter, _ = IdentifierCounter.objects.select_for_update().get_or_create(pk=1)
    taken: list[str] = []
    value = counter.last_value
    while len(taken) < count:
        candidates = [format_identifier(v) for v in range(value + 1, value + 1 + (count - len(taken)))]
        value += len(candidates)
        held = set(User.objects.filter(username__in=candidates).values_list("username", flat=True))
        taken += [c for c in candidates if c not in held]
    counter.last_value = value
    counter.save(update_fields=["last_value"])
    return taken


def _lock(convention: Convention, lines: list[dict]) -> None:
    """The groups the lines touch and their ancestors (level, then id), then the people (id)."""
    group_ids = {gid for line in lines for key in ("add", "remove", "ends") for gid in line[key]}
    if group_ids:
        paths = Group.objects.filter(pk__in=group_ids).values_list("path", flat=True)
        chain = {int(p) for path in paths for p in path.strip("/").split("/") if p}
        list(Group.objects.select_for_update(no_key=True).filter(convention=convention, pk__in=chain)
             .order_by("level", "pk").values_list("pk", flat=True))
    people = sorted({line["user"] for line in lines if line["user"]})
    for start in range(0, len(people), BATCH):
        list(User.objects.select_for_update(no_key=True).filter(pk__in=people[start:start + BATCH])
             .order_by("pk").values_list("pk", flat=True))


def apply_import(*, actor: User, pending: PendingImport, ip: str | None = None) -> dict[str, int]:
    """Write the confirmed import, or raise `ImportRefused` (then journal it with `import_refused`)."""
    with transaction.atomic():
        pending = PendingImport.objects.select_for_update().filter(pk=pending.pk, owner_id=actor.pk).first()
        if pending is None or pending.state != PendingImport.State.PENDING:
            raise ImportRefused("Cet import a déjà été confirmé ou refusé : déposez le fichier à nouveau.")
        if pending.expired:
            raise ImportRefused("L'aperçu a expiré (30 minutes) : déposez le fichier à nouveau.")
        if not pending.sealed:
            raise ImportRefused("L'import en attente a été modifié depuis l'aperçu : déposez le fichier à nouveau.")
        convention = Convention.objects.select_related("caf", "organisation").get(pk=pending.convention_id)
        _lock(convention, pending.plan)
        seat = Seat(User.objects.get(pk=actor.pk), convention)  # closed or replaced meanwhile: no scope
        if not seat.can_manage:
            raise ImportRefused("Vous ne pouvez plus rien modifier dans cette convention : rien n'a été importé.")
        plan = as_json(plan_lines(seat, pending.rows))
        refused = sum(1 for line in plan if line["kind"] == REFUSED)
        if plan != pending.plan:
            raise ImportRefused("Les groupes ou les personnes ont changé depuis l'aperçu : rien n'a été importé. "
                                "Déposez le fichier à nouveau pour voir le nouvel aperçu.", refused)
        if refused:
            raise ImportRefused(f"{refused} ligne{'s' if refused > 1 else ''} refusée{'s' if refused > 1 else ''} : "
                                "rien n'a été importé.", refused)
        with events.journal_via(via="import", file=pending.file_name, sha256=pending.file_sha256), journal_batch():
            _write(actor=actor, convention=convention, plan=plan, ip=ip)
            figures = counts(plan)
            events.import_applied(actor=actor, convention=convention, file=pending.file_name,
                                  sha256=pending.file_sha256, counts=figures, ip=ip)
        pending.state = PendingImport.State.APPLIED
        pending.rows, pending.plan = [], as_json([])  # the file's content is not kept once written
        pending.save(update_fields=["state", "rows", "plan"])
    return figures


def refuse_import(*, actor: User, pending: PendingImport, reason: str, lines: int = 0, ip: str | None = None) -> None:
    """Journal the refusal (after the rolled-back attempt) and close the pending import."""
    with transaction.atomic():
        PendingImport.objects.filter(pk=pending.pk, state=PendingImport.State.PENDING).update(
            state=PendingImport.State.REFUSED)
        events.import_refused(actor=actor, convention=pending.convention, file=pending.file_name,
                              sha256=pending.file_sha256, reason=reason, lines=lines, ip=ip)


def _write(*, actor: User, convention: Convention, plan: list[dict], ip: str | None) -> None:
    day = today()
    groups = {g.pk: g for g in Group.objects.filter(convention=convention).select_related("convention")}
    creations = [line for line in plan if line["kind"] == CREATE]
    updates = [line for line in plan if line["kind"] == UPDATE]
    closings = [line for line in plan if line["kind"] == CLOSE]
    people = User.objects.in_bulk([line["user"] for line in updates + closings])

    # New people, with their identifiers and activation mails.
    created = []
    for line, username in zip(creations, take_identifiers(len(creations))):
        person = User(username=username, organisation_id=convention.organisation_id, opening_date=day,
                      **{k: line["person"][k] for k in ("last_name", "first_name", "email", "phone")})
        person.set_unusable_password()
        created.append(person)
    User.objects.bulk_create(created, batch_size=BATCH)
    if created and created[0].pk is None:  # a database that returns no ids: read them back
        ids = dict(User.objects.filter(username__in=[p.username for p in created]).values_list("username", "pk"))
        for person in created:
            person.pk = person.id = ids[person.username]
    for line, person in zip(creations, created):
        line["user"] = person.pk
        people[person.pk] = person
        events.user_created(actor=actor, user=person, convention=convention, ip=ip)
    _queue_activations(created)

    # Changed people: names and telephone (the e-mail never changes here).
    changed = [line for line in updates if line["person"]]
    for line in changed:
        person = people[line["user"]]
        for key in line["person"]["changed"]:
            setattr(person, key, line["person"][key])
        events.user_updated(actor=actor, user=person, convention=convention, ip=ip,
                            changes={k: line["person"][k] for k in line["person"]["changed"]})
    User.objects.bulk_update([people[line["user"]] for line in changed], ["last_name", "first_name", "phone"],
                             batch_size=BATCH)

    # Memberships: added, removed, end dates.
    new_memberships = []
    for line in creations + updates:
        ends_on = date.fromisoformat(line["ends_on"]) if line["ends_on"] else None
        for gid in line["add"]:
            new_memberships.append(Membership(user_id=line["user"], group_id=gid, ends_on=ends_on))
            events.membership_added(actor=actor, group=groups[gid], user=people[line["user"]], ends_on=ends_on, ip=ip)
    Membership.objects.bulk_create(new_memberships, batch_size=BATCH)
    touched = [line for line in updates if line["remove"] or line["ends"]]
    existing: dict[tuple[int, int], Membership] = {}
    for start in range(0, len(touched), BATCH):
        condition = Q(pk__in=[])
        for line in touched[start:start + BATCH]:
            condition |= Q(user_id=line["user"], group_id__in=line["remove"] + line["ends"])
        for m in Membership.objects.filter(condition):
            existing[(m.user_id, m.group_id)] = m
    removed, ended = [], []
    for line in touched:
        person = people[line["user"]]
        for gid in line["remove"]:
            removed.append(existing[(person.pk, gid)].pk)
            events.membership_removed(actor=actor, group=groups[gid], user=person, ip=ip)
        ends_on = date.fromisoformat(line["ends_on"]) if line["ends_on"] else None
        for gid in line["ends"]:
            membership = existing[(person.pk, gid)]
            events.membership_updated(actor=actor, group=groups[gid], user=person, ends_on=ends_on,
                                      before=membership.ends_on, ip=ip)
            membership.ends_on = ends_on
            ended.append(membership)
    for start in range(0, len(removed), BATCH):
        Membership.objects.filter(pk__in=removed[start:start + BATCH]).delete()
    Membership.objects.bulk_update(ended, ["ends_on"], batch_size=BATCH)

    # Closed people: as `user_close`, history kept.
    closed = []
    for line in closings:
        person = people[line["user"]]
        person.status = User.Status.CLOSED
        if person.closing_date is None or person.closing_date > day:
            person.closing_date = max(day, person.opening_date)
        closed.append(person)
        events.user_closed(actor=actor, user=person, convention=convention, ip=ip)
    User.objects.bulk_update(closed, ["status", "closing_date"], batch_size=BATCH)
    # Bulk writes send no model signal: the rights cache is told which people's rights may have moved.
    rights_cache.invalidate_users({line["user"] for line in creations + updates + closings})


def _queue_activations(created: list[User]) -> None:
    """One activation mail per new person, as `send_activation_email` writes it, stored in one INSERT per batch;
    the outbox's sweep sends them once the import commits (a rolled-back import sends nothing)."""
    if not created:
        return
    at = clock.now()
    days = settings.PASSWORD_RESET_TIMEOUT // 86400
    mails = [
        Mail(kind="activation", to=person.email, subject="Portail Partenaires — activez votre compte",
             body=render_to_string("accounts/email/activation.txt",
                                   {"user": person, "link": activation_link(person), "days": days}),
             created_at=at, next_try_at=at)
        for person in created
    ]
    Mail.objects.bulk_create(mails, batch_size=BATCH)
    transaction.on_commit(partial(outbox_tasks.sweep_outbox.enqueue, False), robust=True)

