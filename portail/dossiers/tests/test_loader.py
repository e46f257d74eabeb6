"""`manage.py dossiers_load`: the interchange format, batches refused whole, idempotence, incremental extracts."""
import hashlib
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portail.conventions.models import Caf
from portail.dossiers.generation import Pools, built_files, file_lines
from portail.dossiers.loading import close_record, dumps, header_line, load_lines
from portail.dossiers.loading.schema import TABLES
from portail.dossiers.models import Dossier, Housing, Payment, Right
from portail.journal.models import Action, JournalEntry
from portail.testing import factories as f

REF = date(2026, 6, 15)
SEED = 4242
MODELS = [Dossier, *(t.model for t in TABLES)]
CREATE_DOSSIERS = 'INSERT INTO "dossiers_dossier"'


@pytest.fixture(scope="module")
def files():
    """Eight generated files of Caf 751, as format objects (built once, nothing in the database)."""
    caf = Caf(code="751", name="Caf part 1")
    built = built_files(caf=caf, seed=SEED, indexes=range(8), ref=REF, pools=Pools.build(SEED))
    return [json.loads(line) for line in file_lines(built, "751")]


@pytest.fixture
def caf(db):
    return f.CafFactory(code="751", name="Caf part 1")


def extract(tmp_path, records, *, kind="complete", name="extrait.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join([header_line(extract=kind), *(dumps(r) for r in records)]) + "\n", encoding="utf-8")
    return str(path)


def load(path, *extra):
    call_command("dossiers_load", path, *extra, verbosity=0)


def snapshot():
    """Row counts and a checksum of every row (ids included) of the dossier tables."""
    out = {}
    for model in MODELS:
        rows = list(model.objects.order_by("pk").values_list())
        out[model.__name__] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return out


def test_sample_extract_loads_with_its_counts_per_table(caf, files, tmp_path):
    load(extract(tmp_path, files))

    assert Dossier.objects.filter(caf=caf).count() == len(files)
    for table in TABLES:
        expected = sum(len(r[table.key]) if table.many else r[table.key] is not None for r in files)
        assert table.model.objects.count() == expected, table.key
    first = Dossier.objects.get(number=files[0]["number"])
    assert (first.last_name, first.birth_date.isoformat()) == (files[0]["last_name"], files[0]["birth_date"])
    entry = JournalEntry.objects.get(action=Action.DOSSIERS_LOADED)
    assert entry.details["extract"] == "complete"
    assert entry.details["counts"]["created"] == len(files)
    assert entry.details["counts"]["rows"] == sum(m.objects.count() for m in MODELS[1:])


def test_the_same_extract_twice_changes_nothing(caf, files, tmp_path):
    path = extract(tmp_path, files)
    load(path)
    before = snapshot()

    load(path)

    assert snapshot() == before
    counts = JournalEntry.objects.filter(action=Action.DOSSIERS_LOADED).order_by("-id")[0].details["counts"]
    assert (counts["unchanged"], counts["created"], counts["replaced"], counts["rows"]) == (len(files), 0, 0, 0)


def test_a_malformed_line_refuses_its_whole_batch_and_names_its_line(caf, files, tmp_path, capsys):
    bad = json.loads(json.dumps(files[1]))
    bad["payments"][0]["amount"] = "12,50"
    path = extract(tmp_path, [files[0], bad, files[2], files[3], files[4], files[5]])

    with pytest.raises(CommandError, match="1 lot"):
        call_command("dossiers_load", path, "--batch-size", "3")

    errors = capsys.readouterr().err
    assert "ligne 3, champ « payments[0].amount » : montant attendu" in errors
    # Lines 2–4 (first batch) are refused whole, lines 5–7 loaded.
    assert not Dossier.objects.filter(number__in=[r["number"] for r in files[:3]]).exists()
    assert set(Dossier.objects.values_list("number", flat=True)) == {r["number"] for r in files[3:6]}
    counts = JournalEntry.objects.get(action=Action.DOSSIERS_LOADED).details["counts"]
    assert (counts["refused_batches"], counts["refused_lines"], counts["created"]) == (1, 3, 3)


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r.update(birth_date="1985-02-30"), "ligne 2, champ « birth_date » : la date 1985-02-30 n'existe pas."),
    (lambda r: r.update(caf="999"), "ligne 2, champ « caf » : Caf 999 inconnue du portail."),
    (lambda r: r.update(number="12345"), "ligne 2, champ « number » : numéro allocataire à 7 chiffres attendu."),
    (lambda r: r.update(colour="bleu"), "ligne 2, champ « colour » : champ inconnu du format."),
    (lambda r: r.pop("last_name"), "ligne 2, champ « last_name » : champ obligatoire."),
    (lambda r: r.update(status="inconnu"), "ligne 2, champ « status » : valeur \"inconnu\" inconnue"),
    (lambda r: r["payments"][1].update(deduction="1.00"), "ligne 2, champ « payments[1].amount » : le net versé"),
    (lambda r: r["members"][0].update(first_name="A\x00B"), "ligne 2, champ « members[0].first_name » : Ce texte "
                                                            "contient des caractères non autorisés."),
    (lambda r: r["rights"][0].update(end_date="1990-01-01"), "ligne 2, champ « rights[0].end_date » : la fin précède"),
    (lambda r: r.update(action="close", closed_on="2026-06-01"), "une radiation (« close ») n'est permise que dans "
                                                                  "un extrait incrémental"),
])
def test_bad_fields_get_a_french_message_with_line_and_field(caf, files, change, message):
    record = json.loads(json.dumps(files[0]))
    change(record)

    report = load_lines([header_line(), dumps(record)])

    assert report.refused_batches == 1 and not Dossier.objects.exists()
    assert any(message in error for error in report.errors), report.errors


def test_invalid_json_and_duplicates_in_a_batch(caf, files):
    report = load_lines([header_line(), dumps(files[0]), "{pas du json", dumps(files[0])], batch_size=10)

    assert report.errors[0].startswith("ligne 3 : JSON invalide")
    assert "ligne 4, champ « number » : le dossier 751/" in report.errors[1] and "déjà ligne 2" in report.errors[1]
    assert not Dossier.objects.exists()


def test_an_unknown_format_refuses_the_whole_extract(caf, files, tmp_path):
    path = tmp_path / "ancien.jsonl"
    path.write_text(json.dumps({"format": "portail-dossiers/0", "extract": "complete"}) + "\n" + dumps(files[0]))

    with pytest.raises(CommandError, match="rien n'est chargé.*format inconnu"):
        load(str(path))

    assert not Dossier.objects.exists()
    assert "format inconnu" in JournalEntry.objects.get(action=Action.DOSSIERS_LOADED).details["refused"]


def test_an_incremental_extract_changes_and_closes_files(caf, files, tmp_path):
    load(extract(tmp_path, files[:4]))
    kept = Dossier.objects.get(number=files[2]["number"])
    kept_rows = snapshot_of(kept)
    changed = json.loads(json.dumps(files[0]))
    changed["housing"]["city"] = "Marseille"
    changed["payments"] = changed["payments"][:2]
    closed = files[1]

    load(extract(tmp_path, [
        changed,
        close_record(caf_code="751", number=closed["number"], closed_on=date(2026, 6, 30), reason="Décès"),
        files[2],
        files[5],
    ], kind="incremental", name="increment.jsonl"))

    dossier = Dossier.objects.get(number=changed["number"])
    assert Housing.objects.get(dossier=dossier).city == "Marseille"
    assert Payment.objects.filter(dossier=dossier).count() == 2
    radiated = Dossier.objects.get(number=closed["number"])
    assert (radiated.status, radiated.status_reason) == (Dossier.Status.CLOSED, "Décès")
    rights = Right.objects.filter(dossier=radiated)
    assert rights.exists() and all(r.status == Right.Status.CLOSED for r in rights)
    assert all(r.end_date <= date(2026, 6, 30) for r in rights)
    assert snapshot_of(kept) == kept_rows  # an unchanged file is not rewritten
    assert Dossier.objects.filter(number=files[5]["number"]).exists()
    assert Dossier.objects.filter(number=files[3]["number"], status=Dossier.Status.ACTIVE).exists()  # absent: as is
    counts = JournalEntry.objects.filter(action=Action.DOSSIERS_LOADED).order_by("-id")[0].details["counts"]
    assert {k: counts[k] for k in ("created", "replaced", "unchanged", "closed")} == {
        "created": 1, "replaced": 1, "unchanged": 1, "closed": 1}


def snapshot_of(dossier):
    return [list(m.objects.filter(dossier=dossier).order_by("pk").values_list()) for m in MODELS[1:]]


def test_closing_an_unknown_file_refuses_its_batch(caf, files):
    record = close_record(caf_code="751", number="0000001", closed_on=date(2026, 6, 30))

    report = load_lines([header_line(extract="incremental"), dumps(files[0]), dumps(record)])

    assert "ligne 3, champ « number » : dossier 751/0000001 inconnu du portail" in report.errors[0]
    assert not Dossier.objects.exists()


def test_a_batch_takes_the_same_queries_for_3_or_30_files(caf, files):
    many = []
    for i in range(30):
        record = json.loads(json.dumps(files[i % len(files)]))
        record["number"] = f"{9000000 + i}"
        many.append(record)

    def queries(records):
        with CaptureQueriesContext(connection) as ctx:
            report = load_lines([header_line(), *map(dumps, records)], batch_size=100, journal=False)
        assert report.created == len(records)
        # Child rows go by COPY on PostgreSQL (one per table); SQLite's bulk insert is cut by its parameter limit.
        return [q["sql"].split(" ")[0] for q in ctx.captured_queries
                if not (q["sql"].startswith('INSERT INTO "dossiers_') and not q["sql"].startswith(CREATE_DOSSIERS))]

    assert queries(many[:3]) == queries(many[3:])
