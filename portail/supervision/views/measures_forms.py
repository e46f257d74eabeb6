"""Forms of the Caf's validation queue and measures: a reason, and which decision."""
from django import forms

from portail.core.forms import PortalForm

REASON_HELP = "Il est inscrit au journal"


class DecisionForm(PortalForm):
    """Approve or refuse a requested role; the reason is required to refuse (the partner reads it)."""

    decision = forms.ChoiceField(choices=[("approve", "Valider"), ("refuse", "Refuser")], widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Motif", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire pour refuser : le partenaire le lit sur « habilitations du groupe ». " + REASON_HELP + ".",
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Indiquez le motif du refus : le partenaire le lira.")
        return data


class MeasureForm(PortalForm):
    """One measure chosen among `moves` (value → button label), with its required reason."""

    move = forms.ChoiceField(choices=[], widget=forms.HiddenInput)
    reason = forms.CharField(label="Motif", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=REASON_HELP + " et, pour une reprise de gestion, montré au partenaire.")

    def __init__(self, *args, moves: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["move"].choices = list(moves.items())
        self.fields["move"].error_messages["invalid_choice"] = "Cette mesure ne s'applique pas à la situation actuelle."


class FindForm(PortalForm):
    """« Mesures »: find the person, group or convention to act on (a search field, never a long list)."""

    KINDS = [("user", "Utilisateur (identifiant ou nom)"), ("group", "Groupe (code ou libellé)"),
             ("convention", "Convention (libellé)")]
    kind = forms.ChoiceField(label="Rechercher", choices=KINDS)
    q = forms.CharField(label="Texte recherché", min_length=2, max_length=100,
                        error_messages={"min_length": "Saisissez au moins 2 caractères."})
