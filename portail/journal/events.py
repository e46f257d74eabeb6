"""One named constructor per journal event (R9): the only way code writes to the journal.

Each function is keyword-only and fills the structured columns (actor, ip, caf, convention,
group, role, target_user, dossier_number) and a `details` dict whose keys are fixed per event,
documented by the TypedDicts below. Every constructor runs in the caller's transaction, so the
event and its trace commit together; a database failure raises `JournalUnavailable`.

Objects or plain ids are accepted wherever a reference is expected (`Ref`), so a caller never
has to load a row only to journal it.
"""
from typing import Any, NotRequired, TypedDict

from .models import Action, JournalEntry
from .services import _append, journal_via  # noqa: F401 - journal_via: the channel of a change

Ref = Any  # a model instance or its primary key (or None)


# ---------------------------------------------------------------- details, per event family


class Via(TypedDict):
    """One grant that allowed an access: the convention, group (id and code) and role (code)."""

    convention: int
    group: int
    group_code: str
    role: str


class AccessTrace(TypedDict):
    """Consultation-side details: the grants used (`ConsultationRights.trace()`), plus per event:
    `tab` (tab_opened, refusals on a tab), `page` (« attestation », « dialogue »…), `reference`
    (attestations), `reason` (refusals: unknown_caf, bad_number, no_right, unknown_number, no_tab,
    unknown_tab, tab_not_allowed, attestation_not_allowed, …)."""

    via: NotRequired[list[Via]]
    tab: NotRequired[str]
    page: NotRequired[str]
    reference: NotRequired[str]
    reason: NotRequired[str]


class GroupDetails(TypedDict):
    code: str
    label: str
    parent: int | None


class RoleDetails(TypedDict):
    role: str  # role code
    group: NotRequired[str]  # group code (removals)
    cascade_from: NotRequired[str | None]  # code of the group the removal started from, None there


class MembershipDetails(TypedDict):
    group: str  # group code
    user: str  # username


class CafSideDetails(TypedDict):
    message: int
    organisation: int


Changes = dict[str, str | None]  # field name → new value as text (group_updated, user_updated)


# ---------------------------------------------------------------- groups and roles


def group_created(*, actor: Ref, group, ip: str | None = None) -> JournalEntry:
    details: GroupDetails = {"code": group.code, "label": group.label, "parent": group.parent_id}
    return _append(action=Action.GROUP_CREATED, actor=actor, ip=ip, caf=group.convention.caf_id,
                   convention=group.convention_id, group=group, target_user=group.responsable_id, details=details)


def group_updated(*, actor: Ref, group, changes: Changes, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.GROUP_UPDATED, actor=actor, ip=ip, caf=group.convention.caf_id,
                   convention=group.convention_id, group=group, details=dict(changes))


def group_closed(*, actor: Ref, group, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.GROUP_CLOSED, actor=actor, ip=ip, caf=group.convention.caf_id,
                   convention=group.convention_id, group=group,
                   details={"closing_date": str(group.closing_date)})


def responsable_named(*, actor: Ref, group, responsable, ip: str | None = None) -> JournalEntry:
    """`responsable` None: the group no longer has one."""
    return _append(action=Action.RESPONSABLE_NAMED, actor=actor, ip=ip, caf=group.convention.caf_id,
                   convention=group.convention_id, group=group, target_user=responsable,
                   details={"responsable": responsable.username if responsable else None})


def role_granted(*, actor: Ref, group, role, pending: bool, ip: str | None = None) -> JournalEntry:
    """A role given to a group: assigned, or requested when it awaits the Caf's validation (R3)."""
    details: RoleDetails = {"role": role.code}
    return _append(action=Action.ROLE_REQUESTED if pending else Action.ROLE_ASSIGNED, actor=actor, ip=ip,
                   caf=group.convention.caf_id, convention=group.convention_id, group=group, role=role,
                   details=details)


def role_approved(*, actor: Ref, group, role, reason: str = "", ip: str | None = None) -> JournalEntry:
    details: RoleDetails = {"role": role.code}
    if reason:
        details["reason"] = reason  # type: ignore[typeddict-unknown-key]
    return _append(action=Action.ROLE_APPROVED, actor=actor, ip=ip, caf=group.convention.caf_id,
                   convention=group.convention_id, group=group, role=role, details=details)


def role_removed(*, actor: Ref, group, role, cascade_from=None, ip: str | None = None) -> JournalEntry:
    """`cascade_from`: the ancestor the removal was made on, when `group` loses the role by cascade."""
    details: RoleDetails = {"role": role.code, "group": group.code,
                            "cascade_from": cascade_from.code if cascade_from is not None else None}
    return _append(action=Action.ROLE_REMOVED, actor=actor, ip=ip, caf=group.convention.caf_id,
                   convention=group.convention_id, group=group, role=role, details=details)


def membership_added(*, actor: Ref, group, user, ends_on=None, ip: str | None = None) -> JournalEntry:
    """`ends_on`: the last day a time-bound membership grants anything (none: no end)."""
    details: MembershipDetails = {"group": group.code, "user": user.username}
    if ends_on is not None:
        details["ends_on"] = ends_on.isoformat()  # type: ignore[typeddict-unknown-key]
    return _append(action=Action.MEMBERSHIP_ADDED, actor=actor, ip=ip, caf=group.convention.caf_id,
                   convention=group.convention_id, group=group, target_user=user, details=details)


def membership_removed(*, actor: Ref, group, user, ip: str | None = None) -> JournalEntry:
    details: MembershipDetails = {"group": group.code, "user": user.username}
    return _append(action=Action.MEMBERSHIP_REMOVED, actor=actor, ip=ip, caf=group.convention.caf_id,
                   convention=group.convention_id, group=group, target_user=user, details=details)


# ---------------------------------------------------------------- user accounts


def _convention_cols(convention) -> dict:
    return {"convention": convention, "caf": convention.caf_id if convention is not None else None}


def user_created(*, actor: Ref, user, convention=None, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.USER_CREATED, actor=actor, ip=ip, target_user=user, **_convention_cols(convention),
                   details={"username": user.username, "organisation": user.organisation_id})


def user_updated(*, actor: Ref, user, changes: Changes, convention=None, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.USER_UPDATED, actor=actor, ip=ip, target_user=user, **_convention_cols(convention),
                   details=dict(changes))


def user_closed(*, actor: Ref, user, convention=None, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.USER_CLOSED, actor=actor, ip=ip, target_user=user, **_convention_cols(convention),
                   details={"username": user.username})


# ---------------------------------------------------------------- sign-in


def login(*, user, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.LOGIN, actor=user, ip=ip)


def login_failed(*, identifier: str, ip: str | None = None) -> JournalEntry:
    """`identifier` as typed, cut to 20 printable characters (a NUL could not be stored)."""
    typed = "".join(ch for ch in (identifier or "") if ch.isprintable())[:20]
    return _append(action=Action.LOGIN_FAILED, ip=ip, details={"identifiant": typed})


def logout(*, user, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.LOGOUT, actor=user, ip=ip)


def activation(*, user, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.ACTIVATION, actor=user, ip=ip)


def password_reset(*, user, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.PASSWORD_RESET, actor=user, ip=ip)


# ---------------------------------------------------------------- consultation of dossiers


def _grant_cols(grant: dict | None) -> dict:
    """`grant`: {"convention", "group", "role"} of the first grant used, or empty."""
    grant = grant or {}
    return {"convention": grant.get("convention"), "group": grant.get("group"), "role": grant.get("role")}


def dossier_consulted(*, actor: Ref, caf: Ref, number: str, trace: AccessTrace, grant: dict | None = None,
                      ip: str | None = None) -> JournalEntry:
    return _append(action=Action.DOSSIER_CONSULTED, actor=actor, ip=ip, caf=caf, dossier_number=number,
                   details=dict(trace), **_grant_cols(grant))


def dossier_refused(*, actor: Ref, caf: Ref, number: str, trace: AccessTrace, ip: str | None = None) -> JournalEntry:
    """A refused attempt; `trace["reason"]` says why."""
    return _append(action=Action.DOSSIER_REFUSED, actor=actor, ip=ip, caf=caf, dossier_number=number,
                   details=dict(trace))


def tab_opened(*, actor: Ref, caf: Ref, number: str, tab: str, trace: AccessTrace, grant: dict | None = None,
               ip: str | None = None) -> JournalEntry:
    return _append(action=Action.TAB_OPENED, actor=actor, ip=ip, caf=caf, dossier_number=number,
                   details={"tab": tab, **trace}, **_grant_cols(grant))


def attestation_printed(*, actor: Ref, caf: Ref, number: str, reference: str, trace: AccessTrace,
                        grant: dict | None = None, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.ATTESTATION_PRINTED, actor=actor, ip=ip, caf=caf, dossier_number=number,
                   details={"reference": reference, **trace}, **_grant_cols(grant))


def attestation_posted(*, actor: Ref, caf: Ref, number: str, reference: str, trace: AccessTrace,
                       grant: dict | None = None, ip: str | None = None, kind: str = "paiement") -> JournalEntry:
    return _append(action=Action.ATTESTATION_POSTED, actor=actor, ip=ip, caf=caf, dossier_number=number,
                   details={"reference": reference, "kind": str(kind), **trace}, **_grant_cols(grant))


def attestation_sent(*, actor: Ref, request, ip: str | None = None) -> JournalEntry:
    """The Caf posted the letter of an `AttestationRequest` (its dossier loaded, `sent_on` set)."""
    return _append(action=Action.ATTESTATION_SENT, actor=actor, ip=ip, caf=request.dossier.caf_id,
                   dossier_number=request.dossier.number, target_user=request.requested_by_id,
                   details={"request": request.pk, "reference": request.reference,
                            "sent_on": request.sent_on.isoformat()})


# ---------------------------------------------------------------- Dialogue


def dialogue_sent(*, actor: Ref, message, role, group, via: list[Via], ip: str | None = None) -> JournalEntry:
    return _append(action=Action.DIALOGUE_SENT, actor=actor, ip=ip, caf=message.caf_id,
                   convention=group.convention_id, group=group, role=role, dossier_number=message.dossier.number,
                   details={"via": via, "message": message.pk, "attachment": bool(message.attachment)})


def _caf_side(action: Action, actor: Ref, message, ip: str | None) -> JournalEntry:
    details: CafSideDetails = {"message": message.pk, "organisation": message.organisation_id}
    return _append(action=action, actor=actor, ip=ip, caf=message.caf_id, dossier_number=message.dossier.number,
                   target_user=message.author_id, details=details)


def dialogue_read(*, actor: Ref, message, ip: str | None = None) -> JournalEntry:
    return _caf_side(Action.DIALOGUE_READ, actor, message, ip)


def dialogue_answered(*, actor: Ref, message, ip: str | None = None) -> JournalEntry:
    return _caf_side(Action.DIALOGUE_ANSWERED, actor, message, ip)


def dialogue_closed(*, actor: Ref, message, ip: str | None = None) -> JournalEntry:
    return _caf_side(Action.DIALOGUE_CLOSED, actor, message, ip)



# ---------------------------------------------------------------- account security


def account_unlocked(*, actor: Ref, user, convention=None, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.ACCOUNT_UNLOCKED, actor=actor, ip=ip, target_user=user,
                   **_convention_cols(convention), details={"username": user.username})


def email_change_requested(*, actor: Ref, user, new_email: str, convention=None,
                           ip: str | None = None) -> JournalEntry:
    return _append(action=Action.EMAIL_CHANGE_REQUESTED, actor=actor, ip=ip, target_user=user,
                   **_convention_cols(convention), details={"old": user.email, "new": new_email})


def email_change_confirmed(*, user, old_email: str, ip: str | None = None) -> JournalEntry:
    """The new address's owner opened the link: he is the actor."""
    return _append(action=Action.EMAIL_CHANGE_CONFIRMED, actor=user, ip=ip, target_user=user,
                   details={"old": old_email, "new": user.email})


# ---------------------------------------------------------------- Dialogue: every reading (R9)


def dialogue_marked_read(*, actor: Ref, message, ip: str | None = None) -> JournalEntry:
    """« Marquer comme lu » (POST): the state change, apart from each reading (`dialogue_read`)."""
    return _caf_side(Action.DIALOGUE_MARKED_READ, actor, message, ip)


def dialogue_viewed(*, actor: Ref, message, ip: str | None = None) -> JournalEntry:
    """The partner who wrote the message reads it again, with the Caf's answers."""
    return _caf_side(Action.DIALOGUE_VIEWED, actor, message, ip)


def dialogue_attachment(*, actor: Ref, message, ip: str | None = None) -> JournalEntry:
    """A message's attachment downloaded, on either side."""
    return _caf_side(Action.DIALOGUE_ATTACHMENT, actor, message, ip)


# ---------------------------------------------------------------- Caf back office


def organisation_created(*, actor: Ref, organisation, caf=None, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.ORGANISATION_CREATED, actor=actor, ip=ip, caf=caf,
                   details={"organisation": organisation.pk, "name": organisation.name, "siret": organisation.siret})


def organisation_updated(*, actor: Ref, organisation, changes: Changes, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.ORGANISATION_UPDATED, actor=actor, ip=ip,
                   details={"organisation": organisation.pk, **changes})


def convention_created(*, actor: Ref, convention, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.CONVENTION_CREATED, actor=actor, ip=ip, **_convention_cols(convention),
                   details={"label": convention.label, "organisation": convention.organisation_id,
                            "services": sorted(s.code for s in convention.services.all()),
                            "opening_date": str(convention.opening_date),
                            "closing_date": str(convention.closing_date) if convention.closing_date else None})


def convention_updated(*, actor: Ref, convention, changes: Changes, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.CONVENTION_UPDATED, actor=actor, ip=ip, **_convention_cols(convention),
                   details=dict(changes))


def convention_status_changed(*, actor: Ref, convention, action: Action, previous: str, reason: str,
                              ip: str | None = None) -> JournalEntry:
    """Suspended, reopened or closed (`action`), from status `previous`, with the agent's reason."""
    return _append(action=action, actor=actor, ip=ip, **_convention_cols(convention),
                   details={"from": previous, "to": convention.status, "reason": reason,
                            "closing_date": str(convention.closing_date) if convention.closing_date else None})


def administrator_named(*, actor: Ref, convention, user, replacing=None, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.ADMINISTRATOR_NAMED, actor=actor, ip=ip, target_user=user,
                   **_convention_cols(convention),
                   details={"username": user.username, "replacing": replacing.username if replacing else None})


def administrator_removed(*, actor: Ref, convention, user, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.ADMINISTRATOR_REMOVED, actor=actor, ip=ip, target_user=user,
                   **_convention_cols(convention), details={"username": user.username})


def catalogue_role_saved(*, actor: Ref, role, created: bool, changes: Changes, ip: str | None = None) -> JournalEntry:
    """A role of the catalogue created or changed; `changes`: field → new value as text."""
    return _append(action=Action.CATALOGUE_ROLE_CREATED if created else Action.CATALOGUE_ROLE_UPDATED, actor=actor,
                   ip=ip, role=role, details={"service": role.service.code, "code": role.code, **changes})


# ---------------------------------------------------------------- « Consulter documents »


def document_uploaded(*, actor: Ref, document, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.DOCUMENT_UPLOADED, actor=actor, ip=ip, caf=document.convention.caf_id,
                   convention=document.convention_id,
                   details={"document": document.pk, "kind": document.kind, "title": document.title,
                            "size": document.size})


def document_downloaded(*, actor: Ref, document, ip: str | None = None) -> JournalEntry:
    """Written before the file leaves (R9)."""
    return _append(action=Action.DOCUMENT_DOWNLOADED, actor=actor, ip=ip, caf=document.convention.caf_id,
                   convention=document.convention_id, details={"document": document.pk, "title": document.title})


# ---------------------------------------------------------------- Caf: validation of roles, immediate measures


def role_refused(*, actor: Ref, group, role, reason: str, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.ROLE_REFUSED, actor=actor, ip=ip, caf=group.convention.caf_id,
                   convention=group.convention_id, group=group, role=role,
                   details={"role": role.code, "group": group.code, "reason": reason})


def user_measure(*, actor: Ref, user, action: Action, reason: str, caf=None, ip: str | None = None) -> JournalEntry:
    """A Caf measure on a person (suspended, reinstated, password change required or cancelled); `caf`: the
    acting agent's Caf, so the measure is in that Caf's journal."""
    return _append(action=action, actor=actor, ip=ip, caf=caf, target_user=user,
                   details={"username": user.username, "reason": reason})


def group_measure(*, actor: Ref, group, action: Action, reason: str, ip: str | None = None) -> JournalEntry:
    """A group suspended or reinstated by the Caf."""
    return _append(action=action, actor=actor, ip=ip, caf=group.convention.caf_id, convention=group.convention_id,
                   group=group, details={"code": group.code, "status": group.status, "reason": reason})


def management_measure(*, actor: Ref, convention, action: Action, reason: str, ip: str | None = None) -> JournalEntry:
    """A convention's habilitation management taken back, or given back, by the Caf."""
    return _append(action=action, actor=actor, ip=ip, **_convention_cols(convention),
                   details={"label": convention.label, "reason": reason})


def journal_exported(*, actor: Ref, caf=None, filters: dict, rows: int, ip: str | None = None) -> JournalEntry:
    """A CSV export of the journal, written before the file leaves (R9): its filters and row count."""
    return _append(action=Action.JOURNAL_EXPORTED, actor=actor, ip=ip, caf=caf,
                   details={"filters": filters, "rows": rows})


def journal_verified(*, actor: Ref, ok: bool, count: int, checked: int, problems: list[str],
                     ip: str | None = None) -> JournalEntry:
    """A verification run from the Caf's page: its result stays readable after the page is left."""
    return _append(action=Action.JOURNAL_VERIFIED, actor=actor, ip=ip,
                   details={"ok": ok, "count": count, "checked": checked, "problems": problems[:20]})


# ---------------------------------------------------------------- second factor


def second_factor_enrolled(*, user, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.SECOND_FACTOR_ENROLLED, actor=user, ip=ip, target_user=user)


def second_factor_failed(*, user, step: str, ip: str | None = None) -> JournalEntry:
    """A refused code; `step`: « login », « enrolment » or « reauth »."""
    return _append(action=Action.SECOND_FACTOR_FAILED, actor=user, ip=ip, target_user=user, details={"step": step})


def recovery_code_used(*, user, remaining: int, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.RECOVERY_CODE_USED, actor=user, ip=ip, target_user=user,
                   details={"remaining": remaining})


def second_factor_reset(*, actor: Ref, user, convention=None, ip: str | None = None) -> JournalEntry:
    """`actor` None: reset by the technical operator (`manage.py second_factor_reset`)."""
    return _append(action=Action.SECOND_FACTOR_RESET, actor=actor, ip=ip, target_user=user,
                   **_convention_cols(convention),
                   details={"username": user.username})


def reauthenticated(*, user, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.REAUTHENTICATED, actor=user, ip=ip)


# ---------------------------------------------------------------- supervision of habilitations


def supervision_exported(*, actor: Ref, page: str, filters: dict, rows: int, convention=None, caf=None,
                         ip: str | None = None) -> JournalEntry:
    """A CSV of « Supervision habilitations » or « Supervision modifier », written before the file leaves:
    `page` (« habilitations », « modifications »), its filters and row count; `convention` None for a Caf-wide one."""
    return _append(action=Action.SUPERVISION_EXPORTED, actor=actor, ip=ip, convention=convention,
                   caf=caf if caf is not None else (convention.caf_id if convention is not None else None),
                   details={"page": page, "filters": filters, "rows": rows})


# ---------------------------------------------------------------- account lifecycle (accounts_lifecycle)


def account_closing_warned(*, user, closing_date) -> JournalEntry:
    return _append(action=Action.ACCOUNT_CLOSING_WARNED, target_user=user,
                   details={"username": user.username, "closing_date": closing_date.isoformat()})


def account_closed_at_date(*, user) -> JournalEntry:
    return _append(action=Action.ACCOUNT_CLOSED_AT_DATE, target_user=user,
                   details={"username": user.username, "closing_date": user.closing_date.isoformat()})


def account_dormancy_warned(*, user, last_used, suspension_on) -> JournalEntry:
    return _append(action=Action.ACCOUNT_DORMANCY_WARNED, target_user=user,
                   details={"username": user.username, "last_used": last_used.isoformat(),
                            "suspension_on": suspension_on.isoformat()})


def account_dormant_suspended(*, user, last_used) -> JournalEntry:
    return _append(action=Action.ACCOUNT_DORMANT_SUSPENDED, target_user=user,
                   details={"username": user.username, "last_used": last_used.isoformat()})


# ---------------------------------------------------------------- postal attestation, Caf side


def attestation_printed_for_posting(*, actor: Ref, request, reference: str, ip: str | None = None) -> JournalEntry:
    """A Caf agent printed the attestation of a postal `AttestationRequest` (its dossier loaded) to post it:
    the print is the Caf's, under its own reference; the request's reference ties it to the partner's ask."""
    return _append(action=Action.ATTESTATION_PRINTED_CAF, actor=actor, ip=ip, caf=request.dossier.caf_id,
                   dossier_number=request.dossier.number, target_user=request.requested_by_id,
                   details={"request": request.pk, "request_reference": request.reference, "reference": reference})


# ---------------------------------------------------------------- allocataire files loaded (dossiers_load)


def dossiers_loaded(*, source: str, extract: str, counts: dict, refused: str = "", produced: dict | None = None,
                    actor: Ref = None) -> JournalEntry:
    """One load of an extract (`manage.py dossiers_load`, the demo, the generator): the file it came from,
    its kind (complete, incremental), its header's `produced_at` and `producer` when given (`produced`), its
    counts (created, replaced, unchanged, closed, refused…), and
    `refused` when the whole extract was refused (its header). `actor` None: the technical operator."""
    details = {"source": source[:300], "extract": extract, "counts": counts, **(produced or {})}
    if refused:
        details["refused"] = refused[:300]
    return _append(action=Action.DOSSIERS_LOADED, actor=actor, details=details)


# ---------------------------------------------------------------- « Vérifier une attestation » (public)


def attestation_verified(*, reference: str, issued_on, valid: bool, attestation=None, throttled: bool = False,
                         ip: str | None = None) -> JournalEntry:
    """A third party checked a reference and a date (no actor: the page is public). `attestation` is the issued
    attestation the reference names, if any (its dossier loaded), even when the date was wrong; `throttled`: the
    address had used up its checks of the hour, nothing was looked up."""
    details = {"reference": reference[:40], "date": issued_on.isoformat() if issued_on else "", "valid": valid}
    if throttled:
        details["throttled"] = True
    if attestation is None:
        return _append(action=Action.ATTESTATION_VERIFIED, ip=ip, details=details)
    details["attestation"] = attestation.pk
    return _append(action=Action.ATTESTATION_VERIFIED, ip=ip, caf=attestation.dossier.caf_id,
                   dossier_number=attestation.dossier.number, details=details)


# ---------------------------------------------------------------- « Paramètres de la Caf »


def caf_settings_updated(*, actor: Ref, caf, changes: dict[str, list], ip: str | None = None) -> JournalEntry:
    """The Caf's address, signatory or second-factor rule changed: `changes` maps each field changed to
    [before, after], so the journal alone tells what the attestations said and who had to use a second factor."""
    return _append(action=Action.CAF_SETTINGS_UPDATED, actor=actor, ip=ip, caf=caf.pk,
                   details={"caf": caf.code, "changes": changes})


# ---------------------------------------------------------------- API tokens and the channel of a change


def api_token_created(*, actor: Ref, token, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.API_TOKEN_CREATED, actor=actor, ip=ip, **_convention_cols(token.convention),
                   details={"token": token.prefix, "name": token.name, "scopes": list(token.scopes),
                            "expires_at": token.expires_at.isoformat()})


def api_token_revoked(*, actor: Ref, token, ip: str | None = None) -> JournalEntry:
    return _append(action=Action.API_TOKEN_REVOKED, actor=actor, ip=ip, **_convention_cols(token.convention),
                   details={"token": token.prefix, "name": token.name})


def api_refused(*, reason: str, channel: str, token=None, convention=None, path: str = "", message: str = "",
                ip: str | None = None) -> JournalEntry:
    """A call refused by the API or SCIM: bad, expired or revoked token, another convention's object…
    `token`: when the token was recognised (its creator is then the actor)."""
    details = {"reason": reason, "channel": channel}
    if token is not None:
        details["token"] = token.prefix
        convention = convention if convention is not None else token.convention
    if path:
        details["path"] = path[:200]
    if message:
        details["message"] = message[:300]
    return _append(action=Action.API_REFUSED, actor=token.created_by_id if token is not None else None, ip=ip,
                   **_convention_cols(convention), details=details)


def api_journal_read(*, token, filters: dict, rows: int, ip: str | None = None) -> JournalEntry:
    """The journal of the token's convention read through the API, written before the page leaves (R9)."""
    return _append(action=Action.API_JOURNAL_READ, actor=token.created_by_id, ip=ip,
                   **_convention_cols(token.convention),
                   details={"token": token.prefix, "filters": filters, "rows": rows})


# ---------------------------------------------------------------- time-bound memberships, bulk files


def membership_updated(*, actor: Ref, group, user, ends_on, before, ip: str | None = None) -> JournalEntry:
    """The end date of a membership set, changed or removed (`ends_on` None: no end any more)."""
    return _append(action=Action.MEMBERSHIP_UPDATED, actor=actor, ip=ip, caf=group.convention.caf_id,
                   convention=group.convention_id, group=group, target_user=user,
                   details={"group": group.code, "user": user.username,
                            "ends_on": ends_on.isoformat() if ends_on else None,
                            "before": before.isoformat() if before else None})


def import_applied(*, actor: Ref, convention, file: str, sha256: str, counts: dict,
                   ip: str | None = None) -> JournalEntry:
    """A file of users confirmed and written (each change has its own entry too, with the same file)."""
    return _append(action=Action.IMPORT_APPLIED, actor=actor, ip=ip, **_convention_cols(convention),
                   details={"file": file[:200], "sha256": sha256, "counts": counts})


def import_refused(*, actor: Ref, convention, file: str, sha256: str, reason: str, lines: int = 0,
                   ip: str | None = None) -> JournalEntry:
    """A file of users refused (unreadable, or `lines` lines refused, or changed since its preview): nothing written."""
    return _append(action=Action.IMPORT_REFUSED, actor=actor, ip=ip, **_convention_cols(convention),
                   details={"file": file[:200], "sha256": sha256, "reason": reason[:300], "lines": lines})


def scope_exported(*, actor: Ref, convention, file_format: str, counts: dict,
                   ip: str | None = None) -> JournalEntry:
    """Users, groups, roles and memberships of the actor's scope exported, written before the file leaves."""
    return _append(action=Action.SCOPE_EXPORTED, actor=actor, ip=ip, **_convention_cols(convention),
                   details={"format": file_format, "counts": counts})


# ---------------------------------------------------------------- ProConnect sign-in


def login_via(*, user, method: str, second_factor: str, acr: str = "", ip: str | None = None) -> JournalEntry:
    """A login through an identity provider (`method` « proconnect »); `second_factor`: « provider » when the
    provider asserted one (acr/amr), « portal » when the portal's own code followed, « none »."""
    return _append(action=Action.LOGIN, actor=user, ip=ip,
                   details={"method": method, "second_factor": second_factor, "acr": acr[:100]})


def proconnect_linked(*, actor: Ref, user, issuer: str, email: str = "", ip: str | None = None) -> JournalEntry:
    return _append(action=Action.PROCONNECT_LINKED, actor=actor, ip=ip, target_user=user,
                   details={"issuer": issuer[:255], "email": email[:254]})


def proconnect_unlinked(*, actor: Ref, user, convention=None, ip: str | None = None) -> JournalEntry:
    """`actor` the user himself (« Mon compte ») or whoever may change him (an administrator, a Caf agent)."""
    return _append(action=Action.PROCONNECT_UNLINKED, actor=actor, ip=ip, target_user=user,
                   **_convention_cols(convention), details={})


def proconnect_refused(*, reason: str, user: Ref = None, subject: str = "", email: str = "", detail: str = "",
                       ip: str | None = None) -> JournalEntry:
    """A ProConnect sign-in or link refused: `reason` unlinked, closed, locked, state, provider, token, id_token,
    userinfo, unavailable, already_linked, other_user; `user` the portal user concerned when known."""
    return _append(action=Action.PROCONNECT_REFUSED, ip=ip, target_user=user,
                   details={"reason": reason, "sub": subject[:255], "email": email[:254], "detail": detail[:200]})


# ---------------------------------------------------------------- SCIM provisioning


def scim_identity_updated(*, actor: Ref, user, convention, changes: Changes, ip: str | None = None) -> JournalEntry:
    """What a SCIM client keeps of a person beside the portal's fields changed: `changes` maps externalId,
    userName (the client's alias) or employeeNumber to the new value."""
    return _append(action=Action.USER_UPDATED, actor=actor, ip=ip, target_user=user, **_convention_cols(convention),
                   details={"scim": dict(changes)})


def scim_group_updated(*, actor: Ref, group, changes: Changes, ip: str | None = None) -> JournalEntry:
    """The client's id of a group (`externalId`) set or changed."""
    return _append(action=Action.GROUP_UPDATED, actor=actor, ip=ip, caf=group.convention.caf_id,
                   convention=group.convention_id, group=group, details={"scim": dict(changes)})
