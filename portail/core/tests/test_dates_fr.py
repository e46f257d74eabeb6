"""`jour` and `mois` write what `date:"d/m/Y"` and `date:"F Y"` write, for dates, datetimes and nothing."""
import random
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation

from portail.core.templatetags.dates_fr import jour, mois


@pytest.mark.parametrize("language", ["fr", "en"])
def test_jour_and_mois_write_what_the_date_filter_writes(language):
    rng = random.Random(3)
    values = [None, "", "2024-01-01", date(1, 1, 1), date(999, 12, 31), date(2024, 2, 29)]
    values += [date(1900, 1, 1) + timedelta(days=rng.randint(0, 60_000)) for _ in range(300)]
    # Datetimes: in the local time zone, as `date` shows them (23:30 UTC is the next day in Paris).
    values += [datetime(2026, 12, 31, 23, 30, tzinfo=dt_timezone.utc), timezone.now()]
    with translation.override(language):
        for value in values:
            shown = timezone.localtime(value) if isinstance(value, datetime) else value
            assert jour(shown) == date_filter(shown, "d/m/Y"), value
            assert mois(shown) == date_filter(shown, "F Y"), value
