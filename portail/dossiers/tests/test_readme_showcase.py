"""The README's « Dossiers à consulter » table is the demo's showcase, and each file tells its story
whatever the day the demo is loaded."""
import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

from portail.dossiers.demo import SHOWCASE, Story, load_showcase
from portail.dossiers.models import Dossier
from portail.testing import factories as f

CAF_NAMES = {"751": "Caf part 1", "330": "Caf de la Gironde"}


def readme_rows() -> list[tuple[str, str, str]]:
    text = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    section = text.split("### Dossiers à consulter", 1)[1].split("\n### ", 1)[0]
    return [tuple(cell.strip() for cell in line.strip().strip("|").split("|"))
            for line in section.splitlines() if re.match(r"^\| [^-]", line) and "numéro allocataire" not in line]


def test_the_readme_table_is_the_showcase():
    expected = [(CAF_NAMES[code], s.numbers[code], s.label) for code in ("751", "330") for s in SHOWCASE]
    assert readme_rows() == expected
    assert "separation" in {s.key for s in SHOWCASE}  # the story read tab by tab in the README


@pytest.mark.parametrize("day", [date(2026, 11, 28), date(2028, 4, 2)])
def test_each_readme_number_tells_its_story_whatever_the_day(db, day):
    cafs = [f.CafFactory(code=code, name=name) for code, name in CAF_NAMES.items()]
    assert load_showcase(cafs, ref=day) == 2 * len(SHOWCASE)
    assert load_showcase(cafs, ref=day) == 0  # loaded once
    for caf in cafs:
        for showcase in SHOWCASE:
            dossier = Dossier.objects.get(caf=caf, number=showcase.numbers[caf.code])
            assert showcase.holds(Story.of_dossier(dossier)), (day, caf.code, showcase.key)
