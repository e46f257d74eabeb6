"""« Attestation »: which one, and for the attestation de paiement the months it covers."""
from datetime import date

from django import forms
from django.utils.dateformat import format as date_format

from portail.core.forms import PortalForm

from ..models import IssuedAttestation
from .content import add_months

MONTHS_OFFERED = 36  # a payment attestation covers at most the last three years
DEFAULT_MONTHS = 12


def month_choices(today: date) -> list[tuple[str, str]]:
    current = today.replace(day=1)
    months = [add_months(current, -i) for i in range(MONTHS_OFFERED)]
    return [(m.strftime("%Y-%m"), date_format(m, "F Y")) for m in months]


def default_period(today: date) -> tuple[date, date]:
    """The twelve months before the current one (a month is paid at the start of the next)."""
    end = add_months(today.replace(day=1), -1)
    return add_months(end, -(DEFAULT_MONTHS - 1)), end


class AttestationForm(PortalForm):
    kind = forms.ChoiceField(
        label="Attestation à éditer",
        choices=[
            (IssuedAttestation.Kind.PAYMENTS, "Attestation de paiement : les sommes versées mois par mois "
                                              "sur la période choisie (brut, CRDS, retenues, net)"),
            (IssuedAttestation.Kind.RIGHTS, "Attestation de droits : les droits ouverts à ce jour, leur montant "
                                            "mensuel et le quotient familial"),
        ],
        initial=IssuedAttestation.Kind.PAYMENTS,
        widget=forms.RadioSelect,
    )
    # Not required: left out (a bare link to the PDF), the period is the last twelve months.
    start = forms.ChoiceField(label="Du mois de", required=False, help_text="Attestation de paiement seulement")
    end = forms.ChoiceField(label="Au mois de (inclus)", required=False,
                            help_text="Attestation de paiement seulement")

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        choices = month_choices(today)
        start, end = self.default = default_period(today)
        for name, initial in (("start", start), ("end", end)):
            field = self.fields[name]
            field.choices = choices
            field.initial = initial.strftime("%Y-%m")
            field.error_messages["invalid_choice"] = "Choisissez un mois dans la liste (les trois dernières années)."
        self.fields["kind"].error_messages["required"] = "Choisissez l'attestation à éditer."
        self.fields["kind"].error_messages["invalid_choice"] = "Choisissez l'attestation à éditer."

    def clean(self):
        data = super().clean()
        if data.get("kind") == IssuedAttestation.Kind.PAYMENTS and "start" in data and "end" in data:
            data["start"] = _month(data["start"]) if data["start"] else self.default[0]
            data["end"] = _month(data["end"]) if data["end"] else self.default[1]
            if data["end"] < data["start"]:
                self.add_error("end", "Le dernier mois doit être le même que le premier ou venir après lui.")
        elif data.get("kind") == IssuedAttestation.Kind.RIGHTS:
            data["start"] = data["end"] = None  # the rights of the day: no period
        return data


class PostForm(PortalForm):
    """« Envoyer par courrier »: which attestation the Caf posts (the payment one covers the last twelve months)."""

    kind = forms.ChoiceField(
        label="Attestation à envoyer",
        choices=[
            (IssuedAttestation.Kind.PAYMENTS, "Attestation de paiement des douze derniers mois"),
            (IssuedAttestation.Kind.RIGHTS,
             "Attestation de droits (droits ouverts, montant mensuel, quotient familial)"),
        ],
        initial=IssuedAttestation.Kind.PAYMENTS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez l'attestation à envoyer.",
                        "invalid_choice": "Choisissez l'attestation à envoyer."},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "envoi")  # the page's other form already has a « kind »
        super().__init__(*args, **kwargs)


def _month(value: str) -> date:
    year, month = value.split("-")
    return date(int(year), int(month), 1)
