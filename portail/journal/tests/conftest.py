import pytest


@pytest.fixture(autouse=True)
def anchor_file(settings, tmp_path):
    """Every journal test anchors in its own file, outside the database."""
    settings.JOURNAL_ANCHOR_FILE = str(tmp_path / "anchors.jsonl")
    return tmp_path / "anchors.jsonl"
