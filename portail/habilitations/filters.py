import django_filters

from portail.accounts.models import User
from portail.core.forms import DateInput

from .models import Group


class GroupFilter(django_filters.FilterSet):
    """« Filtrer groupe par »."""

    code = django_filters.CharFilter(label="Code", lookup_expr="icontains")
    label = django_filters.CharFilter(label="Libellé", lookup_expr="icontains")
    level = django_filters.NumberFilter(label="Niveau")
    opening_date = django_filters.DateFilter(label="Date d'ouverture", widget=DateInput())
    closing_date = django_filters.DateFilter(label="Date de clôture", widget=DateInput())
    status = django_filters.ChoiceFilter(label="Statut", choices=Group.Status.choices, empty_label="Tous")

    class Meta:
        model = Group
        fields: list[str] = []


class UserFilter(django_filters.FilterSet):
    username = django_filters.CharFilter(label="Identifiant", lookup_expr="icontains")
    last_name = django_filters.CharFilter(label="Nom", lookup_expr="icontains")
    first_name = django_filters.CharFilter(label="Prénoms", lookup_expr="icontains")
    email = django_filters.CharFilter(label="Adresse mail", lookup_expr="icontains")
    phone = django_filters.CharFilter(label="Téléphone", lookup_expr="icontains")
    opening_date = django_filters.DateFilter(label="Date d'ouverture", widget=DateInput())
    closing_date = django_filters.DateFilter(label="Date de clôture", widget=DateInput())
    status = django_filters.ChoiceFilter(label="Statut", choices=User.Status.choices, empty_label="Tous")

    class Meta:
        model = User
        fields: list[str] = []
