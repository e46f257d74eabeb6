from django import forms
from dsfr.forms import DsfrBaseForm


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        help_text=help_text or "Format : jj/mm/aaaa",
        error_messages={"invalid": "Saisissez une date valide (jj/mm/aaaa).", "required": "Ce champ est obligatoire."},
    )


class PortalForm(DsfrBaseForm):
    """DSFR rendering, French messages, and `required` marked by an asterisk as on the Caf's screens."""

    required_css_class = "required"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages.setdefault("required", "Ce champ est obligatoire.")
            field.error_messages["required"] = "Ce champ est obligatoire."
        # DsfrBaseForm builds the bound fields in its __init__, copying labels and help texts: drop them so
        # labels set by a subclass after super().__init__() are the ones shown.
        self._bound_fields_cache.clear()
