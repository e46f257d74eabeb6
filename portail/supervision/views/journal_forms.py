"""The journal's search form: every search is bounded (see selectors/journal.py)."""
from datetime import timedelta

from django import forms

from portail.access import supervised_cafs
from portail.access.measures import conventions_under_measures_of
from portail.accounts.models import User
from portail.core.clock import today
from portail.core.forms import PortalForm, date_field
from portail.journal.models import Action

from ..selectors.journal import MAX_DAYS, MAX_DAYS_NARROWED, JournalQuery

MAX_CONVENTIONS = 20


class JournalSearchForm(PortalForm):
    date_from = date_field("Du")
    date_to = date_field("Au")
    username = forms.CharField(label="Identifiant de l'auteur", required=False, max_length=20,
                               help_text="Par exemple AAAG0001")
    dossier = forms.RegexField(label="Numéro allocataire", required=False, regex=r"^\d{1,20}$",
                               error_messages={"invalid": "Un numéro allocataire ne contient que des chiffres."})
    action = forms.ChoiceField(label="Action", required=False, choices=[("", "Toutes les actions"), *Action.choices])
    convention = forms.CharField(label="Convention (libellé ou numéro)", required=False, max_length=200)
    caf = forms.ModelChoiceField(label="Caf", required=False, queryset=None, empty_label="Toutes les Caf")

    def __init__(self, data=None, *, user, **kwargs):
        if data is not None and not data.get("date_from") and not data.get("date_to"):
            data = data.copy()  # the first visit: the last 7 days
            data["date_from"], data["date_to"] = str(today() - timedelta(days=6)), str(today())
        super().__init__(data, **kwargs)
        self.user = user
        if user.is_national_admin:
            self.fields["caf"].queryset = supervised_cafs(user)
        else:
            del self.fields["caf"]

    def clean_username(self):
        username = self.cleaned_data["username"].strip().upper()
        if username and not User.objects.filter(username=username).exists():
            raise forms.ValidationError("Aucun utilisateur n'a cet identifiant.")
        return username

    def clean_convention(self):
        text = self.cleaned_data["convention"].strip()
        if not text:
            return ()
        conventions = conventions_under_measures_of(self.user)
        found = conventions.filter(pk=int(text)) if text.isdigit() else conventions.filter(label__icontains=text)
        ids = tuple(found.order_by("pk").values_list("pk", flat=True)[:MAX_CONVENTIONS + 1])
        if not ids:
            raise forms.ValidationError("Aucune convention de votre Caf ne correspond.")
        if len(ids) > MAX_CONVENTIONS:
            raise forms.ValidationError(f"Plus de {MAX_CONVENTIONS} conventions correspondent : précisez le libellé.")
        return ids

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            narrowed = bool(data.get("username") or data.get("dossier") or data.get("convention"))
            limit = MAX_DAYS_NARROWED if narrowed else MAX_DAYS
            if end < start:
                self.add_error("date_to", "La date de fin ne peut pas précéder la date de début.")
            elif (end - start).days + 1 > limit:
                self.add_error("date_to", f"La période est limitée à {MAX_DAYS} jours, ou à {MAX_DAYS_NARROWED} jours "
                               "avec un identifiant, un numéro allocataire ou une convention.")
        return data

    def query(self) -> JournalQuery:
        data = self.cleaned_data
        actor_ids = ()
        if data["username"]:
            actor_ids = tuple(User.objects.filter(username=data["username"]).values_list("pk", flat=True))
        caf = data.get("caf")
        filters = {k: str(v)[:200] for k, v in self.data.items() if k in self.fields and v}
        return JournalQuery(date_from=data["date_from"], date_to=data["date_to"], actor_ids=actor_ids,
                            dossier=data["dossier"], action=data["action"], convention_ids=data["convention"],
                            caf_id=caf.pk if caf else None, filters=filters)
