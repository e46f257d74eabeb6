from datetime import timedelta

from django import forms

from portail.core.clock import today
from portail.core.forms import PortalForm, date_field

from .models import Scope
from .tokens import MAX_LIFETIME_DAYS

CHECKBOXES = "supervision/caf_checkboxes.html"  # DSFR checkboxes


class TokenForm(PortalForm):
    name = forms.CharField(label="Nom du jeton", max_length=80,
                           help_text="Ce qui l'utilise, par exemple « Annuaire RH » ou « Synchronisation SCIM ».")
    scopes = forms.MultipleChoiceField(
        label="Portées", choices=Scope.choices, widget=forms.CheckboxSelectMultiple, template_name=CHECKBOXES,
    )
    expires_on = date_field("Date d'expiration",
                            help_text=f"Dernier jour de validité, au plus tard dans un an ({MAX_LIFETIME_DAYS} jours).")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"expires_on": today() + timedelta(days=90), "scopes": [Scope.API.value]})
        super().__init__(*args, **kwargs)
        self.fields["scopes"].error_messages["required"] = "Choisissez au moins une portée."
