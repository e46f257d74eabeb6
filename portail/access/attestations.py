"""Postal attestation requests: the Caf's side, and the partner's own list."""
from django.db.models import QuerySet
from django.http import Http404

from portail.dossiers.models import AttestationRequest

from .rights import cafs_for_consultation
from .scope import is_partner_actor


def may_send_attestations(user) -> bool:
    """The Caf's « Attestations à envoyer »: an open Caf agent."""
    return user.is_authenticated and user.is_caf_agent and user.is_open


def attestation_requests_visible_to(agent) -> QuerySet:
    """The postal attestation requests about his Caf's dossiers; nothing for anyone else."""
    if not may_send_attestations(agent):
        return AttestationRequest.objects.none()
    return AttestationRequest.objects.filter(dossier__caf_id=agent.caf_id)


def access_attestation_request(agent, request_id):
    """One request of the agent's Caf (to mark it sent); 404 outside it, for a partner or a forged id."""
    try:
        return attestation_requests_visible_to(agent).select_related("dossier").get(pk=int(request_id))
    except (AttestationRequest.DoesNotExist, TypeError, ValueError):
        raise Http404


def may_print_attestation_for_posting(agent, attestation_request) -> bool:
    """A Caf agent prints the attestation a partner asked the Caf to post: his own Caf's requests only
    (the request comes from `access_attestation_request`, 404 outside), still to be sent."""
    return (may_send_attestations(agent) and attestation_request.dossier.caf_id == agent.caf_id
            and attestation_request.status == AttestationRequest.Status.REQUESTED)


def attestation_requests_made_by(user) -> QuerySet:
    """« Attestations envoyées par courrier »: the user's own requests, only at the Cafs where he may
    still consult (R8): once every right there is lost, the allocataires' names and numbers go too."""
    if not is_partner_actor(user):
        return AttestationRequest.objects.none()
    cafs = [caf.pk for caf in cafs_for_consultation(user)]
    return AttestationRequest.objects.filter(requested_by=user, dossier__caf_id__in=cafs)
