from django import forms
from django.forms.forms import NON_FIELD_ERRORS
from dsfr.forms import DsfrBaseForm

REQUIRED_NOTE = "Les champs marqués d'un astérisque (*) sont obligatoires."
# The browser's date picker shows the date in the browser's own format (jj/mm/aaaa in French, another one
# elsewhere): the hint names no format, so it never contradicts the picker beside it.
DATE_HINT = "Saisissez la date ou choisissez-la dans le calendrier."


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        help_text=help_text or DATE_HINT,
        error_messages={"invalid": "Saisissez une date valide, par exemple 14/07/2026.",
                        "required": "Ce champ est obligatoire."},
    )


def _without_dsfr_attribute(create_option):
    """django-dsfr marks radio inputs with a `dsfr="dsfr"` attribute that is not HTML: drop it from each option."""

    def create(*args, **kwargs):
        option = create_option(*args, **kwargs)
        option["attrs"].pop("dsfr", None)
        return option

    return create


class _DescribedAttrs(dict):
    """Widget attributes whose aria-describedby keeps our ids when django-dsfr, at render time, sets it to the
    field's error block only (`dsfr_input_class_attr`)."""

    def update(self, *args, **kwargs):
        incoming = dict(*args, **kwargs)
        if "aria-describedby" in incoming and self.get("aria-describedby"):
            ids = self["aria-describedby"].split()
            incoming["aria-describedby"] = " ".join(
                ids + [i for i in incoming["aria-describedby"].split() if i not in ids])
        super().update(incoming)


class PortalForm(DsfrBaseForm):
    """DSFR rendering, French messages, and `required` marked by an asterisk as on the Caf's screens.

    Rendered whole (`{{ form }}`), it starts with the sentence explaining the asterisk when a field is
    required; `error_summary` feeds the error summary of base.html after a failed submit.
    """

    template_name = "core/form.html"
    required_css_class = "required"
    required_note = REQUIRED_NOTE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages.setdefault("required", "Ce champ est obligatoire.")
            field.error_messages["required"] = "Ce champ est obligatoire."
            if isinstance(field.widget, forms.RadioSelect):
                field.widget.create_option = _without_dsfr_attribute(field.widget.create_option)
        # DsfrBaseForm builds the bound fields in its __init__, copying labels and help texts: drop them so
        # labels set by a subclass after super().__init__() are the ones shown.
        self._bound_fields_cache.clear()

    @property
    def non_field_errors_id(self) -> str:
        return f"{self.prefix or 'formulaire'}-erreurs"

    def full_clean(self):
        super().full_clean()
        self._describe_errors()

    def _describe_errors(self):
        """Each input names, in aria-describedby, its hint, its own error and the form's general error (a failed
        sign-in says « Identifiant ou mot de passe incorrect » for both fields)."""
        if not self._errors:
            return
        general = bool(self._errors.get(NON_FIELD_ERRORS))
        for name, field in self.fields.items():
            if field.widget.is_hidden:
                continue
            auto_id = self[name].auto_id
            if not auto_id:
                continue
            ids = [field.widget.attrs.get("aria-describedby", "")]
            if field.help_text and f"{auto_id}_helptext" not in ids[0]:
                ids.append(f"{auto_id}_helptext")
            if name in self._errors:
                ids.append(f"{auto_id}-desc-error")
            if general:
                ids.append(self.non_field_errors_id)
            described = " ".join(i for i in ids if i)
            field.widget.attrs = _DescribedAttrs(field.widget.attrs, **{"aria-describedby": described})
        self._bound_fields_cache.clear()

    @property
    def has_required_fields(self) -> bool:
        return any(f.required and not f.widget.is_hidden and not f.disabled for f in self.fields.values())

    def get_context(self):
        context = super().get_context()
        context["required_note"] = self.required_note if self.has_required_fields else ""
        return context

    def error_summary(self) -> list[dict]:
        """Each error once, in the order of the page: the field's label and a link to its input."""
        items = [{"anchor": "", "label": "", "message": str(message)} for message in self.non_field_errors()]
        for name, field in self.fields.items():
            if name not in self.errors or field.widget.is_hidden:
                continue
            bound = self[name]
            anchor = bound.id_for_label or bound.auto_id
            if isinstance(field.widget, forms.RadioSelect):
                anchor = f"{bound.auto_id}_0"
            for message in self.errors[name]:
                items.append({"anchor": anchor, "label": str(field.label or ""), "message": str(message)})
        for name, errors in self.errors.items():  # errors on a hidden field: said without a link
            if name in self.fields and self.fields[name].widget.is_hidden:
                items.extend({"anchor": "", "label": "", "message": str(m)} for m in errors)
        return items
