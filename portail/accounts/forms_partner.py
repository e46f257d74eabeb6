"""« Créer un utilisateur partenaire » and its edition."""
import re

from django import forms

from portail.core.clock import today
from portail.core.forms import PortalForm, date_field

from .models import User

PHONE_RE = re.compile(r"^\+?[0-9 .-]{10,20}$")


class PartnerUserForm(PortalForm):
    last_name = forms.CharField(label="Nom", max_length=100)
    first_name = forms.CharField(label="Prénoms", max_length=150)
    email = forms.EmailField(label="Adresse mail", error_messages={"invalid": "Saisissez une adresse mail valide."})
    email_confirm = forms.EmailField(label="Confirmer l'adresse mail",
                                     error_messages={"invalid": "Saisissez une adresse mail valide."})
    phone = forms.CharField(label="Téléphone", max_length=20, required=False, help_text="Exemple : 05 56 00 00 00")
    phone_confirm = forms.CharField(label="Confirmer le téléphone", max_length=20, required=False)
    opening_date = date_field("Date d'ouverture")
    closing_date = date_field("Date de clôture", required=False)
    work_mode = forms.ChoiceField(label="Mode de travail", choices=User.WorkMode.choices, widget=forms.RadioSelect,
                                  initial=User.WorkMode.SEDENTARY)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("opening_date", today())
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        email, confirm = data.get("email"), data.get("email_confirm")
        if email and confirm and email.strip().lower() != confirm.strip().lower():
            self.add_error("email_confirm", "Les deux adresses mail ne sont pas identiques.")
        phone, phone_confirm = (data.get("phone") or "").strip(), (data.get("phone_confirm") or "").strip()
        if phone and not PHONE_RE.match(phone):
            self.add_error("phone", "Saisissez un numéro de téléphone valide (10 chiffres).")
        elif phone != phone_confirm:
            self.add_error("phone_confirm", "Les deux numéros de téléphone ne sont pas identiques.")
        opening, closing = data.get("opening_date"), data.get("closing_date")
        if opening and closing and closing < opening:
            self.add_error("closing_date", "La date de clôture ne peut pas précéder la date d'ouverture.")
        return data

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {k: data[k] for k in ("last_name", "first_name", "email", "opening_date", "closing_date", "work_mode")} | {
            "phone": (data.get("phone") or "").strip()
        }

    @classmethod
    def initial_for(cls, user: User) -> dict:
        values = {f: getattr(user, f) for f in ("last_name", "first_name", "email", "phone", "opening_date",
                                                 "closing_date", "work_mode")}
        values["email_confirm"] = user.email
        values["phone_confirm"] = user.phone
        return values
