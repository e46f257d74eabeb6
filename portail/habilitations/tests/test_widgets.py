"""The scalable <select> renders exactly what Django's Select renders (same options, same selection)."""
import re

from django import forms

from portail.habilitations.widgets import ScalableSelect

CHOICES = [("", "Choisir le groupe"), (1, "G1 — Service social (niveau 1)"), (2, "G2 — Protection de l'enfance & <PMI>"),
           (3, "G3 — Pôle \"logement\" (niveau 3)")]


def _options(html: str) -> list[str]:
    return re.findall(r"<option[^>]*>[^<]*</option>", html)


def test_same_options_and_selection_as_django_select():
    attrs = {"class": "fr-select", "aria-describedby": "id_group_helptext"}
    ours = ScalableSelect(attrs=attrs, choices=CHOICES).render("group", 2)
    django = forms.Select(attrs=attrs, choices=CHOICES).render("group", 2)
    assert _options(ours) == _options(django)
    assert ours.split(">", 1)[0] == django.split(">", 1)[0]  # same <select …> tag
    assert '<option value="2" selected>' in ours
    assert "&lt;PMI&gt;" in ours and "&#x27;" in ours


def test_optgroups_are_kept():
    choices = [("Niveau 1", [(1, "G1")]), ("Niveau 2", [(2, "G2")])]
    ours = ScalableSelect(choices=choices).render("group", None)
    assert '<optgroup label="Niveau 1">' in ours and _options(ours) == _options(forms.Select(choices=choices).render("group", None))
