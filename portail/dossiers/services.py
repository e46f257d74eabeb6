"""Consultation of a dossier (R8) and its journal (R9).

Every function here writes its journal entry first; refusals are journaled too and then
raised as `Refused`. If the journal cannot be written, `JournalUnavailable` is raised and
nothing of the file is handed back.
"""
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from portail.conventions.models import TAB_ORDER
from portail.core.clock import now, today
from portail.core.errors import BusinessError
from portail.access import ConsultationRights, consultation_rights
from portail.journal import events
from portail.journal.services import JournalUnavailable  # noqa: F401 (the views catch it from here)

from . import selectors
from .attestations import (
    content_digest,
    default_period,
    new_reference,
    normalize_reference,
    payments_context,
    render_pdf,
    rights_context,
)
from .attestations.throttle import window_for
from .models import AttestationRequest, Dossier, IssuedAttestation

NUMBER_RE = re.compile(r"^\d{7}$")


class Refused(Exception):
    """A consultation refused for a reason the user is told (and the journal keeps)."""

    def __init__(self, message: str, *, reason: str, status: int = 403, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.status = status
        self.field = field


@dataclass(frozen=True)
class Consultation:
    dossier: Dossier
    rights: ConsultationRights

    @property
    def conventions(self) -> list:
        return self.rights.conventions


def _first_grant(rights: ConsultationRights, tab: str | None = None) -> dict:
    grants = rights.grants_for_tab(tab) if tab else list(rights.grants)
    if not grants:
        return {}
    role, group = grants[0]
    return {"convention": group.convention_id, "group": group, "role": role}


def _printable(value: str, length: int) -> str:
    """Forged URL parts go to the journal as they came, minus what a database cannot store (NUL, controls)."""
    return "".join(ch for ch in (value or "") if ch.isprintable())[:length]


def dossier_refusal_record(*, actor, ip, caf, number, reason: str, tab=None, rights=None, page=None) -> None:
    """Journal a refused attempt at a dossier (R9), here or from another page about a dossier (`page`)."""
    details = {"reason": reason}
    number = _printable(number, 20)
    if tab:
        details["tab"] = _printable(tab, 30)
    if page:
        details["page"] = page
    if rights is not None:
        details.update(rights.trace())
    with transaction.atomic():
        events.dossier_refused(actor=actor, ip=ip, caf=caf, number=number, trace=details)


def _refuse(*, actor, ip, caf, number, reason: str, message: str, status: int = 403, field=None, tab=None, rights=None):
    dossier_refusal_record(actor=actor, ip=ip, caf=caf, number=number, reason=reason, tab=tab, rights=rights)
    raise Refused(message, reason=reason, status=status, field=field)


def _open(*, actor, ip, caf_code: str, number: str) -> Consultation:
    """Caf, rights, then the file; refusals journaled. The caller journals the success. The file and its Caf
    are read together; nothing of the file is used before the rights are known."""
    found = selectors.dossier_by_caf_code(caf_code, number) if NUMBER_RE.fullmatch(number or "") else None
    caf = found.caf if found is not None else selectors.caf_by_code(caf_code)
    if caf is None:
        _refuse(actor=actor, ip=ip, caf=None, number=number, reason="unknown_caf", status=404,
                field="caf", message="Cette Caf n'existe pas.")
    if not NUMBER_RE.fullmatch(number or ""):
        _refuse(actor=actor, ip=ip, caf=caf, number=number, reason="bad_number", field="number",
                status=404, message="Le numéro allocataire comporte exactement 7 chiffres.")
    rights = consultation_rights(actor, caf.pk)
    if not rights.allowed:
        _refuse(actor=actor, ip=ip, caf=caf, number=number, reason="no_right", field="caf",
                message=f"Vous n'avez aucun droit de consultation des dossiers de la {caf.name}.")
    dossier = found
    if dossier is None:
        _refuse(actor=actor, ip=ip, caf=caf, number=number, reason="unknown_number", field="number", status=404,
                rights=rights, message=f"Aucun dossier ne porte le numéro allocataire {number} à la {caf.name}.")
    return Consultation(dossier, rights)


def dossier_consult(*, actor, ip, caf_code: str, number: str) -> Consultation:
    """« Consulter »: one journal entry for the consultation itself."""
    consultation = _open(actor=actor, ip=ip, caf_code=caf_code, number=number)
    caf = consultation.dossier.caf
    rights = consultation.rights
    if not rights.tabs:
        _refuse(actor=actor, ip=ip, caf=caf, number=number, reason="no_tab", rights=rights,
                message="Vos rôles ne donnent accès à aucun onglet des dossiers de cette Caf.")
    with transaction.atomic():
        events.dossier_consulted(actor=actor, ip=ip, caf=caf, number=number, trace=rights.trace(),
                                 grant=_first_grant(rights))
    return consultation


def dossier_tab_open(*, actor, ip, caf_code: str, number: str, tab: str) -> tuple[Consultation, dict]:
    """One tab: rights, journal entry, then (and only then) the tab's data."""
    consultation = _open(actor=actor, ip=ip, caf_code=caf_code, number=number)
    caf = consultation.dossier.caf
    rights = consultation.rights
    if tab not in TAB_ORDER:
        _refuse(actor=actor, ip=ip, caf=caf, number=number, reason="unknown_tab", tab=tab, status=404,
                message="Cet onglet n'existe pas.")
    if tab not in rights.tabs:
        _refuse(actor=actor, ip=ip, caf=caf, number=number, reason="tab_not_allowed", tab=tab, rights=rights,
                message="Vos rôles ne donnent pas accès à cet onglet du dossier.")
    with transaction.atomic():
        events.tab_opened(actor=actor, ip=ip, caf=caf, number=number, tab=tab, trace=rights.trace(tab),
                          grant=_first_grant(rights, tab))
        data = selectors.tab_data(consultation.dossier, tab, tabs=rights.tabs)
    return consultation, data


def dossier_for_attestation(*, actor, ip, caf_code: str, number: str) -> Consultation:
    """The « Attestation » page (identity and the two actions): journaled as a consultation of that page."""
    consultation = _open(actor=actor, ip=ip, caf_code=caf_code, number=number)
    caf, rights = consultation.dossier.caf, consultation.rights
    if not (rights.can_print_attestation or rights.can_post_attestation):
        _refuse(actor=actor, ip=ip, caf=caf, number=number, reason="attestation_not_allowed", rights=rights,
                message="Vos rôles ne permettent ni d'éditer ni de faire envoyer une attestation.")
    with transaction.atomic():
        events.dossier_consulted(actor=actor, ip=ip, caf=caf, number=number,
                                 trace={"page": "attestation", **rights.trace()}, grant=_first_grant(rights))
    return consultation


def _attestation_issue(*, actor, dossier: Dossier, kind: str, start=None, end=None) -> tuple[dict, IssuedAttestation]:
    """The content of an attestation and its record under a fresh random reference (caller's transaction)."""
    issued_at = now()
    reference = new_reference()
    if kind == IssuedAttestation.Kind.RIGHTS:
        start = end = None
        context = rights_context(dossier, on=timezone.localdate(issued_at), issued_at=issued_at, reference=reference)
    else:
        if start is None or end is None:
            start, end = default_period(timezone.localdate(issued_at))
        context = payments_context(dossier, start=start, end=end, issued_at=issued_at, reference=reference)
    record = IssuedAttestation.objects.create(
        reference=reference, kind=kind, dossier=dossier, issued_at=issued_at,
        issued_on=timezone.localdate(issued_at), issued_by=actor, period_start=start, period_end=end,
        content_digest=content_digest(context),
    )
    return context, record


def attestation_print(*, actor, ip, caf_code: str, number: str, kind: str = IssuedAttestation.Kind.PAYMENTS,
                      start=None, end=None) -> tuple[Consultation, bytes, str]:
    """« Attestation de paiement » (months `start`…`end`, by default the last twelve) or « attestation de
    droits » as a PDF: journaled and recorded under its verification reference, then made."""
    consultation = _open(actor=actor, ip=ip, caf_code=caf_code, number=number)
    caf = consultation.dossier.caf
    if not consultation.rights.can_print_attestation:
        _refuse(actor=actor, ip=ip, caf=caf, number=number, reason="attestation_not_allowed",
                rights=consultation.rights, message="Vos rôles ne permettent pas d'éditer une attestation.")
    with transaction.atomic():
        context, record = _attestation_issue(actor=actor, dossier=consultation.dossier, kind=kind, start=start, end=end)
        trace = {"kind": str(kind), **consultation.rights.trace()}
        if record.period_start:
            trace["period"] = [record.period_start.isoformat(), record.period_end.isoformat()]
        events.attestation_printed(actor=actor, ip=ip, caf=caf, number=number, reference=record.reference,
                                   trace=trace, grant=_first_grant(consultation.rights))
        pdf = render_pdf(context)
    return consultation, pdf, record.reference


def attestation_post(*, actor, ip, caf_code: str, number: str,
                     kind: str = IssuedAttestation.Kind.PAYMENTS) -> AttestationRequest:
    """« Envoyer par courrier »: a postal request to the Caf, status « demandée », for the attestation de
    paiement (the last twelve months) or the attestation de droits (`kind`)."""
    if kind not in IssuedAttestation.Kind.values:
        raise BusinessError("Choisissez l'attestation à envoyer : attestation de paiement ou attestation de droits.")
    consultation = _open(actor=actor, ip=ip, caf_code=caf_code, number=number)
    caf = consultation.dossier.caf
    if not consultation.rights.can_post_attestation:
        _refuse(actor=actor, ip=ip, caf=caf, number=number, reason="attestation_post_not_allowed",
                rights=consultation.rights, message="Vos rôles ne permettent pas de demander l'envoi d'une attestation.")
    requested_at = now()
    reference = new_reference()  # the request's own; the Caf's print gets another, recorded one
    with transaction.atomic():
        # Two requests in a row would post the same letter twice: the dossier's row serialises the check.
        Dossier.objects.select_for_update().filter(pk=consultation.dossier.pk).first()
        pending = selectors.pending_attestation_request(consultation.dossier)
        if pending is not None:
            raise BusinessError(
                f"Une demande d'envoi de l'attestation de ce dossier est déjà en attente à la Caf (demandée le "
                f"{timezone.localtime(pending.requested_at):%d/%m/%Y à %H:%M}) : l'allocataire recevra un seul "
                f"courrier. Vous pourrez en demander un autre une fois celui-ci envoyé.")
        events.attestation_posted(actor=actor, ip=ip, caf=caf, number=number, reference=reference,
                                  trace=consultation.rights.trace(), grant=_first_grant(consultation.rights), kind=kind)
        return AttestationRequest.objects.create(
            dossier=consultation.dossier, requested_by=actor, requested_at=requested_at, reference=reference, kind=kind
        )


def attestation_request_mark_sent(*, actor, request: AttestationRequest, ip: str | None = None,
                                  sent_on=None) -> AttestationRequest:
    """« Marquer comme envoyée »: a Caf agent of the dossier's Caf posted the letter. Journaled (R9)
    in the same transaction as the change; a request already sent is reported, not journaled twice."""
    sent_on = sent_on or today()
    with transaction.atomic():
        locked = AttestationRequest.objects.select_for_update().select_related("dossier").get(pk=request.pk)
        if actor.caf_id is None or actor.caf_id != locked.dossier.caf_id:
            raise BusinessError("Cette demande ne concerne pas votre Caf.")
        if locked.status == AttestationRequest.Status.SENT:
            raise BusinessError(f"L'attestation {locked.reference} est déjà marquée comme envoyée.")
        locked.status, locked.sent_on = AttestationRequest.Status.SENT, sent_on
        events.attestation_sent(actor=actor, request=locked, ip=ip)
        locked.save(update_fields=["status", "sent_on"])
    request.status, request.sent_on = locked.status, locked.sent_on
    return request


def attestation_print_for_posting(*, actor, request: AttestationRequest, ip: str | None = None) -> tuple[bytes, str]:
    """« Imprimer l'attestation à envoyer »: a Caf agent of the dossier's Caf prints the attestation a partner
    asked to have posted. Journaled as the Caf's print (R9) before the PDF is made."""
    with transaction.atomic():
        locked = AttestationRequest.objects.select_for_update().select_related("dossier", "dossier__caf").get(
            pk=request.pk)
        if actor.caf_id is None or actor.caf_id != locked.dossier.caf_id:
            raise BusinessError("Cette demande ne concerne pas votre Caf.")
        if locked.status != AttestationRequest.Status.REQUESTED:
            raise BusinessError(f"L'attestation {locked.reference} est déjà marquée comme envoyée.")
        context, record = _attestation_issue(actor=actor, dossier=locked.dossier, kind=locked.kind)
        events.attestation_printed_for_posting(actor=actor, request=locked, reference=record.reference, ip=ip)
        pdf = render_pdf(context)
    return pdf, record.reference


@dataclass(frozen=True)
class Verification:
    valid: bool
    throttled: bool = False


def attestation_verify(*, ip, reference: str, issued_on) -> Verification:
    """« Vérifier une attestation »: valid when the reference names an attestation issued on that date.
    Counted per address (a spent hour is refused, journaled once) and journaled; nothing else is told."""
    with transaction.atomic():
        window = window_for(ip)
        typed = _printable(reference, 40)
        if window.exhausted:
            if window.refuse():
                events.attestation_verified(reference=typed, issued_on=issued_on, valid=False, throttled=True, ip=ip)
            return Verification(valid=False, throttled=True)
        canonical = normalize_reference(reference)
        attestation = (IssuedAttestation.objects.select_related("dossier").filter(reference=canonical).first()
                       if canonical else None)
        valid = attestation is not None and attestation.issued_on == issued_on
        window.count(valid=valid)
        events.attestation_verified(reference=canonical or typed, issued_on=issued_on, valid=valid,
                                    attestation=attestation, ip=ip)
    return Verification(valid=valid)


def attestation_requests_list(*, actor, ip) -> list[AttestationRequest]:
    """« Attestations envoyées par courrier »: the names and numbers listed are a consultation of each
    of those dossiers, journaled (through the grants of its Caf) before the list is shown (R9)."""
    requests = selectors.attestation_requests_of(actor)
    rights_by_caf: dict[int, ConsultationRights] = {}
    with transaction.atomic():
        for caf_id, number in dict.fromkeys((r.dossier.caf_id, r.dossier.number) for r in requests):
            if caf_id not in rights_by_caf:
                rights_by_caf[caf_id] = consultation_rights(actor, caf_id)
            rights = rights_by_caf[caf_id]
            events.dossier_consulted(actor=actor, ip=ip, caf=caf_id, number=number,
                                     trace={"page": "attestation_requests", **rights.trace()},
                                     grant=_first_grant(rights))
    return requests
