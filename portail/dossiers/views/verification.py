"""« Vérifier une attestation »: a public page. The reference and the date of an attestation give « valide »
or « non valide », and nothing else: no name, no amount, not even which of the two was wrong."""
from django import forms
from django.shortcuts import render

from portail.core.forms import PortalForm, date_field
from portail.core.requests import client_ip

from .. import services
from ..attestations import normalize_reference

TITLE = "Vérifier une attestation"


class VerificationForm(PortalForm):
    reference = forms.CharField(
        label="Référence de vérification",
        help_text="Elle figure en haut et au bas de l'attestation, par exemple ATT-K7QM-2XHD-P4RB.",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )
    issued_on = date_field("Date de l'attestation",
                           help_text="La date à laquelle l'attestation a été établie, écrite sur l'attestation.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reference"].error_messages["required"] = "Saisissez la référence de vérification."
        self.fields["issued_on"].error_messages["required"] = "Saisissez la date de l'attestation."

    def clean_reference(self) -> str:
        reference = self.cleaned_data["reference"]
        if normalize_reference(reference) is None:
            raise forms.ValidationError(
                "La référence commence par ATT- et se poursuit par 12 lettres et chiffres, "
                "par exemple ATT-K7QM-2XHD-P4RB.")
        return reference


def verify(request):
    form = VerificationForm(request.POST if request.method == "POST" else None)
    context = {"title": TITLE, "breadcrumb": [{"title": TITLE}], "form": form, "answer": None}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                answer = services.attestation_verify(ip=client_ip(request), reference=form.cleaned_data["reference"],
                                                     issued_on=form.cleaned_data["issued_on"])
            except services.JournalUnavailable:
                return render(request, "dossiers/verification.html", {**context, "unavailable": True}, status=503)
            context["answer"] = answer
            status = 429 if answer.throttled else 200
        else:
            status = 400
    return render(request, "dossiers/verification.html", context, status=status)
