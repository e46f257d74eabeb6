import pytest

from portail.core.errors import BusinessError
from portail.core.text import clean_text


@pytest.mark.parametrize("value, message", [
    ("", "obligatoire"), ("   ", "obligatoire"), ("x" * 121, "trop long"), ("A\x00B", "non autorisés"), ("\x1b[31m", "non autorisés"),
])
def test_refused_texts_say_why_next_to_the_field(value, message):
    with pytest.raises(BusinessError) as refused:
        clean_text(value, field="label", max_length=120)
    assert message in refused.value.text and refused.value.field == "label"


def test_accepted_text_is_stripped_and_keeps_accents_and_line_breaks():
    assert clean_text("  Élodie\nLambert  ", field="body", max_length=120) == "Élodie\nLambert"
    assert clean_text("", field="phone", max_length=20, required=False) == ""
