"""What every portal form gives a screen-reader user: the asterisk explained, errors summarised and linked
to their fields, a date hint that never contradicts the browser's picker, no non-standard attribute."""
from html import unescape

from django import forms

from portail.core.forms import DATE_HINT, REQUIRED_NOTE, PortalForm, date_field


class SampleForm(PortalForm):
    name = forms.CharField(label="Nom", help_text="Votre nom de famille")
    when = date_field("Date d'ouverture")
    mode = forms.ChoiceField(label="Mode", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    note = forms.CharField(label="Note", required=False)

    def clean(self):
        data = super().clean()
        if data.get("note") == "refus":
            raise forms.ValidationError("Refus général.")
        return data


def test_rendered_form_explains_the_asterisk():
    assert REQUIRED_NOTE in unescape(str(SampleForm()))


def test_a_form_without_required_field_says_nothing_of_asterisks():
    class Optional(PortalForm):
        q = forms.CharField(label="Rechercher", required=False)

    assert REQUIRED_NOTE not in str(Optional())


def test_radio_buttons_carry_no_dsfr_attribute():
    html = str(SampleForm())
    assert 'type="radio"' in html and 'dsfr="dsfr"' not in html


def test_date_hint_names_no_format():
    html = str(SampleForm()["when"].as_field_group())
    assert DATE_HINT in html and "jj/mm/aaaa" not in html.lower()


def test_error_summary_lists_each_error_with_its_field():
    form = SampleForm(data={"name": "", "when": "pas une date", "note": "refus"})
    assert not form.is_valid()
    summary = form.error_summary()
    assert {"anchor": "id_name", "label": "Nom", "message": "Ce champ est obligatoire."} in summary
    assert {"anchor": "id_when", "label": "Date d'ouverture",
            "message": "Saisissez une date valide, par exemple 14/07/2026."} in summary
    assert {"anchor": "id_mode_0", "label": "Mode", "message": "Ce champ est obligatoire."} in summary


def test_general_error_and_field_errors_are_linked_to_the_inputs():
    form = SampleForm(data={"name": "", "when": "2024-01-01", "mode": "a", "note": "refus"})
    assert not form.is_valid()
    html = str(form)
    assert 'id="formulaire-erreurs"' in html
    described = form["name"].field.widget.attrs["aria-describedby"].split()
    assert described == ["id_name_helptext", "id_name-desc-error", "formulaire-erreurs"]
    assert "formulaire-erreurs" in form["note"].field.widget.attrs["aria-describedby"]
