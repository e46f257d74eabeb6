"""The published format: schema file and documentation in step with the code, the generator's output valid
against the schema and loaded (through the loader) to exactly the files it built."""
import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings
from django.core.management import call_command

from portail.dossiers.generation import Pools, built_files, generate_dossiers
from portail.dossiers.loading import json_schema
from portail.dossiers.loading.schema import DOSSIER_FIELDS, NOT_IN_FORMAT, TABLES
from portail.dossiers.models import Dossier
from portail.journal.models import Action, JournalEntry
from portail.testing import factories as f

DOCS = Path(settings.BASE_DIR) / "docs"
REF = date(2026, 6, 15)


def test_published_schema_is_the_codes():
    published = json.loads((DOCS / "dossiers-format.schema.json").read_text(encoding="utf-8"))
    assert published == json_schema(), "regenerate docs/dossiers-format.schema.json (see docs/dossiers-format.md)"
    jsonschema.Draft202012Validator.check_schema(published)


def test_every_column_is_in_the_format_and_documented():
    """A column added to a dossier table must be given a place (and a French description) in the format."""
    doc = (DOCS / "dossiers-format.md").read_text(encoding="utf-8")
    tables = [(Dossier, DOSSIER_FIELDS), *((t.model, t.fields) for t in TABLES)]
    for model, fields in tables:
        columns = {c.name for c in model._meta.concrete_fields} - NOT_IN_FORMAT - {"dossier"}
        assert columns == {x.name for x in fields}, model.__name__
        for x in fields:
            assert f"| `{x.name}` |" in doc, f"{model.__name__}.{x.name} missing from docs/dossiers-format.md"


@pytest.fixture(scope="module")
def generated(tmp_path_factory, django_db_setup, django_db_blocker):
    """An extract of 40 generated files written by `generate_dossiers --output` (the Caf exists only then)."""
    path = tmp_path_factory.mktemp("extract") / "generated.jsonl"
    with django_db_blocker.unblock():
        caf = f.CafFactory(code="330", name="Caf de la Gironde")
        try:
            call_command("generate_dossiers", "--dossiers", "40", "--seed", "9", "--caf", "330",
                         "--reference-date", REF.isoformat(), "--output", str(path), verbosity=0)
        finally:
            caf.delete()
    return path.read_text(encoding="utf-8").splitlines()


def test_generated_extract_validates_against_the_schema(generated):
    validator = jsonschema.Draft202012Validator(json_schema(), format_checker=jsonschema.FormatChecker())
    header, *lines = [json.loads(line) for line in generated]
    assert header["format"] == "portail-dossiers/2" and header["extract"] == "complete"
    assert len(lines) == 40
    for number, record in enumerate([header, *lines], start=1):
        errors = [e.message for e in validator.iter_errors(record)]
        assert not errors, f"ligne {number}: {errors[:3]}"


def test_generated_extract_loads(generated, db, tmp_path):
    f.CafFactory(code="330", name="Caf de la Gironde")
    path = tmp_path / "x.jsonl"
    path.write_text("\n".join(generated), encoding="utf-8")
    call_command("dossiers_load", str(path), verbosity=0)
    assert Dossier.objects.count() == 40


def test_generator_loads_through_the_loader_the_files_it_built(db):
    caf = f.CafFactory(code="751", name="Caf part 1")
    pools = Pools.build(5)
    built = built_files(caf=caf, seed=5, indexes=range(15), ref=REF, pools=pools)

    report = generate_dossiers(caf=caf, count=15, seed=5, reference=REF, pools=pools, batch_size=4)

    assert report.created == 15
    for b in built:
        dossier = Dossier.objects.get(caf=caf, number=b.dossier.number)
        for x in DOSSIER_FIELDS:
            assert getattr(dossier, x.name) == getattr(b.dossier, x.name), x.name
        for table in TABLES:
            names = [x.name for x in table.fields]
            stored = sorted(table.model.objects.filter(dossier=dossier).values_list(*names), key=repr)
            expected = sorted((tuple(values.get(n, x.default) for n, x in zip(names, table.fields))
                               for model, values in b.children if model is table.model), key=repr)
            assert stored == expected, (b.dossier.number, table.key)
    entry = JournalEntry.objects.get(action=Action.DOSSIERS_LOADED)
    assert entry.details["source"].startswith("generate_dossiers caf=751")
    assert entry.details["counts"]["created"] == 15
