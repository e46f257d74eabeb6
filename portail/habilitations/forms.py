from django import forms

from portail.accounts.models import User
from portail.conventions.models import Role, Service
from portail.core.clock import today
from portail.core.forms import PortalForm, date_field

from .models import Group
from .widgets import SearchableChoiceField


class SearchingForm(PortalForm):
    """A form whose long choice lists become searches: `search` is the request's GET (the « Rechercher » step)."""

    def __init__(self, *args, search=None, **kwargs):
        self.search = search or {}
        super().__init__(*args, **kwargs)

    @property
    def has_search(self) -> bool:
        return any(isinstance(f, SearchableChoiceField) and f.searchable for f in self.fields.values())


class PersonChoiceField(SearchableChoiceField):
    # a large partner's whole staff
    search_lookups = ("username", "last_name", "first_name")
    search_label = "Rechercher une personne"
    search_hint = "Identifiant, nom ou prénom, puis « Rechercher »."

    def label_from_instance(self, obj: User) -> str:
        return f"{obj.last_name} {obj.first_name} ({obj.username})"


class GroupChoiceField(SearchableChoiceField):
    # every group of a large convention
    search_lookups = ("code", "label")
    search_label = "Rechercher un groupe"
    search_hint = "Code ou libellé du groupe, puis « Rechercher »."

    def label_from_instance(self, obj: Group) -> str:
        return f"{obj.code} — {obj.label} (niveau {obj.level})"


class GroupForm(SearchingForm):
    """« Créer un groupe d'utilisateurs » and its edition.

    Carries no rule: choices come scoped by the view, and what the actor may change comes from his
    seat (`must_be_subgroup`, `can_name_responsable`, `dates_locked`).
    """

    code = forms.CharField(label="Code", max_length=20, help_text="Unique dans la convention, par exemple GROUPE01.")
    label = forms.CharField(label="Libellé", max_length=120)
    opening_date = date_field("Date d'ouverture")
    closing_date = date_field("Date de clôture", required=False)
    is_subgroup = forms.BooleanField(label="Sous-groupe de…", required=False,
                                     help_text="Cochez pour créer ce groupe sous un groupe existant.")
    parent = GroupChoiceField(label="Groupe parent", queryset=Group.objects.none(), required=False,
                              empty_label="Choisir le groupe parent")
    responsable = PersonChoiceField(label="Responsable des habilitations", queryset=User.objects.none(),
                                    required=False, empty_label="Aucun responsable",
                                    help_text="Il pourra gérer ce groupe et tous ses sous-groupes.")

    def __init__(self, *args, parents, responsables, editing=False, can_name_responsable=True,
                 must_be_subgroup=False, dates_locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents
        self.fields["responsable"].queryset = responsables
        self.must_be_subgroup = must_be_subgroup
        if must_be_subgroup:
            self.initial["is_subgroup"] = True
            self.fields["is_subgroup"].help_text = "Vous ne pouvez créer que des sous-groupes de vos groupes."
        if editing:
            for name in ("code", "is_subgroup", "parent"):
                del self.fields[name]
        if not can_name_responsable:
            del self.fields["responsable"]
        else:
            self.fields["responsable"].blank_choice = "Aucun responsable"
        if dates_locked:
            for name in ("opening_date", "closing_date"):
                self.fields[name].disabled = True
                self.fields[name].help_text = "Fixée par votre administrateur ou le responsable du groupe parent."

    def forged_locked_fields(self) -> list[str]:
        """Locked fields the request tries to change (a browser does not send disabled fields)."""
        forged = []
        for name, field in self.fields.items():
            if not field.disabled or name not in self.data:
                continue
            try:
                value = field.clean(field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name)))
            except forms.ValidationError:
                forged.append(name)
                continue
            if value != self.get_initial_for_field(field, name):
                forged.append(name)
        return forged

    def clean_code(self):
        code = self.cleaned_data["code"].strip().upper()
        if not code:
            raise forms.ValidationError("Ce champ est obligatoire.")
        return code

    def clean(self):
        data = super().clean()
        if "parent" in self.fields:
            wants_parent = data.get("is_subgroup") or self.must_be_subgroup
            if wants_parent and not data.get("parent") and "parent" not in self.errors:
                self.add_error("parent", "Choisissez le groupe parent du sous-groupe.")
            if not wants_parent and data.get("parent"):
                # A parent chosen but the box left unticked: refuse rather than guess (a silent top-level group
                # would land with rights the user did not mean to give it).
                self.add_error("is_subgroup", "Vous avez choisi un groupe parent : cochez « Sous-groupe de… » pour "
                                              "créer un sous-groupe, ou retirez le groupe parent pour créer un "
                                              "groupe principal.")
            if not wants_parent:
                data["parent"] = None
        opening, closing = data.get("opening_date"), data.get("closing_date")
        if opening and closing and closing < opening:
            self.add_error("closing_date", "La date de clôture ne peut pas précéder la date d'ouverture.")
        return data


class GroupCloseForm(PortalForm):
    closing_date = date_field("Date de clôture")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"closing_date": today()})
        super().__init__(*args, **kwargs)


class ServiceChoiceForm(PortalForm):
    service = forms.ModelChoiceField(label="Service", queryset=Service.objects.none(), empty_label=None)

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        self.fields["service"].to_field_name = "code"


class RoleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Role) -> str:
        return f"{obj.code} {obj.label}"


class AssignRoleForm(PortalForm):
    """The « Assigner rôle » step: one profile picked from the service's catalogue."""

    role = RoleChoiceField(label="Profil à assigner", queryset=Role.objects.none(), required=False,
                           empty_label="Choisir un profil")

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = roles


END_HINT = ("Facultative (remplacement, stage) : l'appartenance ne donne plus aucun droit après ce jour. "
            "Saisissez la date ou choisissez-la dans le calendrier.")


def _clean_end(value):
    if value is not None and value < today():
        raise forms.ValidationError(
            f"La date de fin ne peut pas être passée : choisissez le {today():%d/%m/%Y} ou plus tard.")
    return value


class MembershipAddForm(SearchingForm):
    group = GroupChoiceField(label="Groupe", queryset=Group.objects.none(), empty_label="Choisir le groupe",
                             error_messages={"invalid_choice": "Choisissez un groupe de la liste."})
    ends_on = date_field("Date de fin", required=False, help_text=END_HINT)

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups

    def clean_ends_on(self):
        return _clean_end(self.cleaned_data.get("ends_on"))


class MembershipEndForm(PortalForm):
    """« Date de fin » of one membership: set, changed, or emptied (no end)."""

    ends_on = date_field("Date de fin", required=False,
                         help_text="Après ce jour, l'appartenance ne donne plus aucun droit ; laissez vide pour "
                                   "une appartenance sans fin. Saisissez la date ou choisissez-la dans le calendrier.")

    def clean_ends_on(self):
        return _clean_end(self.cleaned_data.get("ends_on"))
