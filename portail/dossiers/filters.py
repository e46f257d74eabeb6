"""Filters of the dossier lists (django-filter)."""
import django_filters

from portail.core.forms import PortalForm

from .models import AttestationRequest


class AttestationRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label="Statut", choices=AttestationRequest.Status.choices, empty_label="Tous les statuts"
    )

    class Meta:
        model = AttestationRequest
        fields = ["status"]
        form = PortalForm
