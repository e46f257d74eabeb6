"""Query filters of the API lists (django-filter): `?code=…&status=ouvert`, dates as YYYY-MM-DD."""
import django_filters
from django.db.models import Q

from portail.accounts.models import User
from portail.core.clock import today
from portail.habilitations.models import Group, Membership
from portail.journal.models import Action, JournalEntry


class GroupFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(lookup_expr="icontains", help_text="Code (contient).")
    label = django_filters.CharFilter(lookup_expr="icontains", help_text="Libellé (contient).")
    level = django_filters.NumberFilter()
    status = django_filters.ChoiceFilter(choices=Group.Status.choices)
    parent = django_filters.NumberFilter(field_name="parent_id", help_text="Identifiant du groupe parent.")

    class Meta:
        model = Group
        fields: list[str] = []


class UserFilter(django_filters.FilterSet):
    username = django_filters.CharFilter(lookup_expr="iexact", help_text="Identifiant exact.")
    last_name = django_filters.CharFilter(lookup_expr="icontains")
    first_name = django_filters.CharFilter(lookup_expr="icontains")
    email = django_filters.CharFilter(lookup_expr="iexact")
    status = django_filters.ChoiceFilter(choices=User.Status.choices)
    group = django_filters.NumberFilter(method="filter_group", help_text="Membres de ce groupe.")

    class Meta:
        model = User
        fields: list[str] = []

    def filter_group(self, queryset, name, value):
        """Only a group of the token's convention: the memberships elsewhere are not the token's to read."""
        token = getattr(self.request, "auth", None)
        convention_id = getattr(token, "convention_id", None)
        return queryset.filter(pk__in=Membership.objects.filter(group_id=value, group__convention_id=convention_id)
                               .values("user_id"))


class MembershipFilter(django_filters.FilterSet):
    user = django_filters.NumberFilter(field_name="user_id")
    group = django_filters.NumberFilter(field_name="group_id")
    active = django_filters.BooleanFilter(method="filter_active",
                                          help_text="true : appartenances qui donnent des droits aujourd'hui.")

    class Meta:
        model = Membership
        fields: list[str] = []

    def filter_active(self, queryset, name, value):
        current = Q(ends_on__isnull=True) | Q(ends_on__gte=today())
        return queryset.filter(current) if value else queryset.exclude(current)


class JournalFilter(django_filters.FilterSet):
    action = django_filters.MultipleChoiceFilter(choices=Action.choices)
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte",
                                             help_text="À partir de (ISO 8601).")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt",
                                             help_text="Avant (ISO 8601).")

    class Meta:
        model = JournalEntry
        fields: list[str] = []
