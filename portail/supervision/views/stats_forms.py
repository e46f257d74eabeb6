"""The period (and, for a national administrator, the Caf) of « Statistiques d'usage »."""
from datetime import timedelta

from django import forms

from portail.core.clock import today
from portail.core.forms import PortalForm, date_field

from .stats_data import UNITS

MAX_DAYS = 366
MAX_DAYS_PER_DAY = 92  # beyond, a chart per day has too many bars to read


class PeriodForm(PortalForm):
    start = date_field("Du")
    end = date_field("Au")
    unit = forms.ChoiceField(label="Regrouper", choices=list(UNITS.items()), initial="jour")

    def __init__(self, data=None, *, cafs=None):
        data = data.copy() if data else {}
        end = today()
        data.setdefault("end", end.isoformat())
        data.setdefault("start", (end - timedelta(days=29)).isoformat())
        data.setdefault("unit", "jour")
        super().__init__(data)
        if cafs is not None:
            self.fields["caf"] = forms.ModelChoiceField(label="Caf", queryset=cafs, required=False,
                                                        empty_label="Toutes les Caf")

    def clean(self):
        data = super().clean()
        start, end, unit = data.get("start"), data.get("end"), data.get("unit")
        if start and end:
            if end < start:
                self.add_error("end", "La date de fin doit être égale ou postérieure à la date de début.")
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("start", f"Choisissez une période de {MAX_DAYS} jours au plus.")
            elif unit == "jour" and (end - start).days + 1 > MAX_DAYS_PER_DAY:
                self.add_error("unit", f"Par jour, la période est de {MAX_DAYS_PER_DAY} jours au plus : "
                                       "choisissez « Par semaine » ou « Par mois ».")
        return data
