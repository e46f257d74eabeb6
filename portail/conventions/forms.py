"""Caf back office forms: organisations, conventions, their status, administrators, role catalogue."""
import django_filters
from django import forms
from django.db.models import Q

from portail.core.clock import today
from portail.core.forms import DateInput, PortalForm, date_field

from .models import Caf, Convention, Organisation, Service, Tab


class OrganisationForm(PortalForm):
    name = forms.CharField(label="Raison sociale", max_length=200)
    kind = forms.ChoiceField(label="Type", choices=Organisation.Kind.choices)
    siret = forms.CharField(label="SIRET", max_length=17, required=False, help_text="14 chiffres")

    def __init__(self, *args, cafs=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The registering Caf: asked only of a national administrator (an agent registers for his own).
        if cafs is not None and len(cafs) > 1:
            self.fields["caf"] = forms.ModelChoiceField(label="Caf qui l'enregistre", queryset=cafs,
                                                        empty_label="Choisissez une Caf")
            self.order_fields(["caf", "name", "kind", "siret"])

    @classmethod
    def initial_for(cls, organisation: Organisation) -> dict:
        return {"name": organisation.name, "kind": organisation.kind, "siret": organisation.siret}


CHECKBOXES = "supervision/caf_checkboxes.html"  # DSFR checkboxes (the Caf back office's template)


class ServicesField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple
    template_name = CHECKBOXES


class ConventionForm(PortalForm):
    """« Créer une convention » and its edition; the organisation is chosen by search beforehand."""

    label = forms.CharField(label="Libellé", max_length=200)
    services = ServicesField(label="Services en ligne", queryset=Service.objects.order_by("code"),
                             error_messages={"required": "Choisissez au moins un service en ligne."})
    opening_date = date_field("Date d'ouverture")
    closing_date = date_field("Date de clôture", required=False)
    purposes = forms.CharField(label="Finalités", required=False, max_length=4000,
                               widget=forms.Textarea(attrs={"rows": 4}),
                               help_text="Les finalités pour lesquelles la consultation des dossiers est autorisée.")

    def __init__(self, *args, cafs=None, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("opening_date", today())
        super().__init__(*args, **kwargs)
        if cafs is not None and len(cafs) > 1:
            self.fields["caf"] = forms.ModelChoiceField(label="Caf", queryset=cafs, empty_label="Choisissez une Caf")
            self.order_fields(["caf", "label", "services", "opening_date", "closing_date", "purposes"])
        self.fields["services"].error_messages["required"] = "Choisissez au moins un service en ligne."

    def clean(self):
        data = super().clean()
        opening, closing = data.get("opening_date"), data.get("closing_date")
        if opening and closing and closing < opening:
            self.add_error("closing_date", "La date de clôture ne peut pas précéder la date d'ouverture.")
        return data

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {k: data[k] for k in ("label", "services", "opening_date", "closing_date", "purposes")}

    @classmethod
    def initial_for(cls, convention: Convention) -> dict:
        return {"label": convention.label, "services": list(convention.services.all()),
                "opening_date": convention.opening_date, "closing_date": convention.closing_date,
                "purposes": convention.purposes}


class ReasonForm(PortalForm):
    reason = forms.CharField(label="Motif", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Il est inscrit au journal.")


class ReplacingMixin:
    """When the convention already has its two administrators, say whom the new one replaces."""

    def add_replacing(self, administrators):
        administrators = list(administrators)
        if administrators:
            required = len(administrators) >= 2
            self.fields["replacing"] = forms.TypedChoiceField(
                label="Remplace" if required else "Remplace (facultatif)",
                choices=([] if required else [("", "Personne : il s'ajoute")])
                + [(a.pk, f"{a.get_full_name()} ({a.username})") for a in administrators],
                coerce=int, empty_value=None, required=required, widget=forms.RadioSelect,
                error_messages={"required": "Une convention a deux administrateurs au plus : choisissez celui "
                                            "que cette personne remplace."},
            )
            self._administrators = {a.pk: a for a in administrators}

    def replacing(self):
        pk = self.cleaned_data.get("replacing")
        return getattr(self, "_administrators", {}).get(pk) if pk else None


class AdministratorNameForm(ReplacingMixin, PortalForm):
    username = forms.CharField(label="Identifiant de la personne", max_length=20,
                               help_text="Exemple : AAAG0001 ; cherchez-le ci-dessus par son nom.")

    def __init__(self, *args, administrators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_replacing(administrators)


class RoleForm(PortalForm):
    code = forms.CharField(label="Code", max_length=10, help_text="Exemple : T1")
    label = forms.CharField(label="Libellé", max_length=120)
    tabs = forms.MultipleChoiceField(label="Onglets du dossier", choices=Tab.choices, required=False,
                                     widget=forms.CheckboxSelectMultiple, template_name=CHECKBOXES)
    can_print_attestation = forms.BooleanField(label="Peut éditer une attestation", required=False)
    can_post_attestation = forms.BooleanField(label="Peut demander l'envoi d'une attestation (courrier)",
                                              required=False)
    can_write_dialogue = forms.BooleanField(label="Peut écrire à la Caf (Dialogue)", required=False)
    requires_caf_validation = forms.BooleanField(
        label="Validation Caf requise", required=False,
        help_text="Assigné à un groupe, le rôle reste en attente jusqu'à la validation d'un agent de la Caf.")

    def __init__(self, *args, with_service: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if with_service:
            self.fields["service"] = forms.ModelChoiceField(label="Service en ligne", queryset=Service.objects.all(),
                                                            empty_label="Choisissez un service")
            self.order_fields(["service"])

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {k: data[k] for k in ("code", "label", "tabs", "can_print_attestation", "can_post_attestation",
                                     "can_write_dialogue", "requires_caf_validation")}

    @classmethod
    def initial_for(cls, role) -> dict:
        return {k: getattr(role, k) for k in ("code", "label", "tabs", "can_print_attestation",
                                              "can_post_attestation", "can_write_dialogue",
                                              "requires_caf_validation")}


class CafConventionFilter(django_filters.FilterSet):
    """The back office's list of conventions."""

    label = django_filters.CharFilter(label="Libellé", lookup_expr="icontains")
    partner = django_filters.CharFilter(label="Organisation partenaire", field_name="organisation__name",
                                        lookup_expr="icontains")
    status = django_filters.ChoiceFilter(label="Statut", choices=Convention.Status.choices, empty_label="Tous")
    service = django_filters.ModelChoiceFilter(label="Service en ligne", field_name="services",
                                               queryset=Service.objects.all(), empty_label="Tous")
    opening_from = django_filters.DateFilter(label="Ouverte depuis le", field_name="opening_date", lookup_expr="gte",
                                             widget=DateInput())

    class Meta:
        model = Convention
        fields: list[str] = []


class OrganisationFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(label="Raison sociale", lookup_expr="icontains")
    siret = django_filters.CharFilter(label="SIRET", lookup_expr="startswith")
    kind = django_filters.ChoiceFilter(label="Type", choices=Organisation.Kind.choices, empty_label="Tous")

    class Meta:
        model = Organisation
        fields: list[str] = []


class CafSettingsForm(PortalForm):
    """« Paramètres de la Caf »: what its attestations print, and the second factor asked of every user."""

    address_line1 = forms.CharField(label="Adresse", max_length=120,
                                    help_text="Numéro et voie, imprimés sous le nom de la Caf sur les attestations")
    address_line2 = forms.CharField(label="Complément d'adresse", max_length=120, required=False,
                                    help_text="Boîte postale, CS, bâtiment…")
    postcode = forms.CharField(label="Code postal", max_length=6, help_text="5 chiffres")
    city = forms.CharField(label="Commune", max_length=100,
                           help_text="Imprimée aussi dans « Fait à … » au bas des attestations")
    signatory_name = forms.CharField(label="Nom du signataire", max_length=120,
                                     help_text="Prénom et nom, par exemple : Catherine Morel")
    signatory_title = forms.CharField(label="Qualité du signataire", max_length=160,
                                      help_text="Par exemple : Directrice de la Caf, ou : Pour le directeur et par "
                                                "délégation, le responsable des prestations")
    requires_second_factor = forms.BooleanField(
        label="Exiger la double authentification de tous les utilisateurs des conventions de cette Caf",
        required=False,
        help_text="Les administrateurs des conventions, les responsables des habilitations et les agents de la Caf "
                  "saisissent toujours un code à usage unique après leur mot de passe. Cochée, cette case l'exige "
                  "aussi de chaque utilisateur membre d'un groupe d'une convention de cette Caf, dès sa prochaine "
                  "connexion.",
    )

    @classmethod
    def initial_for(cls, caf) -> dict:
        return {name: getattr(caf, name) for name in cls.base_fields}


class CafFilter(django_filters.FilterSet):
    """The national administrator's choice of a Caf (« Paramètres de la Caf »): by name or code."""

    name = django_filters.CharFilter(label="Nom ou code de la Caf", method="by_name_or_code")

    class Meta:
        model = Caf
        fields: list[str] = []

    def by_name_or_code(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code=value.strip()))
