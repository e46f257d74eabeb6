from django import forms

from portail.core.forms import PortalForm


class SearchForm(PortalForm):
    """« Consulter Dossiers »: the Caf (listed only when the user has several) and the numéro allocataire."""

    caf = forms.ChoiceField(label="Caf d'appartenance de l'allocataire", required=True)
    number = forms.CharField(
        label="Numéro allocataire",
        help_text="7 chiffres, par exemple 1234567",
        max_length=20,
        strip=True,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, cafs: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.cafs = cafs
        self.fields["caf"].choices = [("", "Sélectionnez une Caf")] + [(c.code, f"{c.name} ({c.code})") for c in cafs]
        self.fields["caf"].error_messages["invalid_choice"] = "Vous n'avez pas de droit de consultation pour cette Caf."
        self.fields["caf"].error_messages["required"] = "Sélectionnez la Caf d'appartenance de l'allocataire."
        self.fields["number"].error_messages["required"] = "Saisissez le numéro allocataire."
        if len(cafs) == 1:
            self.fields["caf"].widget = forms.HiddenInput()
            self.fields["caf"].initial = cafs[0].code
            if self.is_bound and not self.data.get("caf"):
                data = self.data.copy()
                data["caf"] = cafs[0].code
                self.data = data

    @property
    def several_cafs(self) -> bool:
        return len(self.cafs) > 1

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].replace(" ", "")
        if not (len(number) == 7 and number.isascii() and number.isdigit()):
            raise forms.ValidationError("Le numéro allocataire comporte exactement 7 chiffres.")
        return number
