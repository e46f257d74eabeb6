import django_filters

from portail.core.clock import today
from portail.core.forms import DateInput

from .models import Caf, Convention, Service


class ConventionFilter(django_filters.FilterSet):
    """« Filtrer convention par » : the seed's filters."""

    label = django_filters.CharFilter(label="Libellé", lookup_expr="icontains")
    service = django_filters.ModelChoiceFilter(label="Type de services", field_name="services",
                                               queryset=Service.objects.all(), empty_label="Tous")
    state = django_filters.ChoiceFilter(label="État", choices=[("ouvert", "Ouvert"), ("ferme", "Fermé")],
                                        method="filter_state", empty_label="Tous")
    caf = django_filters.ModelChoiceFilter(label="Caf part", queryset=Caf.objects.all(), empty_label="Toutes")
    status = django_filters.ChoiceFilter(label="Statut", choices=Convention.Status.choices, empty_label="Tous")
    partner = django_filters.CharFilter(label="Partenaire", field_name="organisation__name", lookup_expr="icontains")
    opening_from = django_filters.DateFilter(label="Ouverte depuis le", field_name="opening_date", lookup_expr="gte",
                                             widget=DateInput())
    closing_before = django_filters.DateFilter(label="Close avant le", field_name="closing_date", lookup_expr="lte",
                                               widget=DateInput())

    class Meta:
        model = Convention
        fields: list[str] = []

    def filter_state(self, queryset, name, value):
        open_ids = Convention.objects.open_on(today()).values("pk")
        return queryset.filter(pk__in=open_ids) if value == "ouvert" else queryset.exclude(pk__in=open_ids)
