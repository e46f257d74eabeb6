"""`bench/replicate_dossiers.py`: the national scale's files multiplied in PostgreSQL from a generated base.
PostgreSQL only (TID range scans, temporary tables, constraints dropped and rebuilt)."""
from collections import Counter
from datetime import date

import pytest
from django.db import connection

from bench.replicate_dossiers import replicate
from portail.conventions.models import Caf
from portail.dossiers.generation.pools import Pools, dossier_number
from portail.dossiers.generation.writer import generate_dossiers
from portail.dossiers.loading.load import CHILD_MODELS
from portail.dossiers.models import Dossier, Housing, Payment

pytestmark = [pytest.mark.skipif(connection.vendor != "postgresql", reason="the replication runs on PostgreSQL only"),
              pytest.mark.django_db]

SEED, REF, BASE_PER_CAF = 42, date(2026, 6, 15), 5


def _constraints_and_indexes() -> set[str]:
    tables = [Dossier._meta.db_table] + [m._meta.db_table for m in CHILD_MODELS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s) "
                       "UNION SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)", [tables, tables])
        return {row[0] for row in cursor.fetchall()}


def _rows(model, dossier) -> list[tuple]:
    fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key and f.attname != "dossier_id"]
    return sorted(model.objects.filter(dossier=dossier).values_list(*fields))


def test_replication_reaches_the_count_with_numbers_unique_per_caf_and_coherent_children():
    pools = Pools.build(SEED)
    cafs = [Caf.objects.create(code=f"{i:03d}", name=f"Caf {i:03d}") for i in (11, 12, 13, 751)]
    for caf in cafs:
        generate_dossiers(caf=caf, count=BASE_PER_CAF, seed=SEED, reference=REF, pools=pools)
    base = {d.pk: d for d in Dossier.objects.all()}
    before = _constraints_and_indexes()
    with connection.cursor() as cursor:  # the base as committed (by the generator's processes in `make bench`)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    figures = replicate(52, SEED, log=lambda _: None)  # two full rounds and a partial third

    assert figures["copies"] == 32 and Dossier.objects.count() == 52
    pairs = list(Dossier.objects.values_list("caf__code", "number"))
    assert len(set(pairs)) == len(pairs)
    shares = Counter(code for code, _ in pairs)
    assert max(shares.values()) - min(shares.values()) <= 1  # every Caf has its share
    for caf in cafs:  # each Caf's numbers continue its own generator sequence
        assert {n for code, n in pairs if code == caf.code} == {
            dossier_number(SEED, caf.code, i) for i in range(shares[caf.code])}
    assert _constraints_and_indexes() == before  # dropped for the copy, all rebuilt

    for model in CHILD_MODELS:  # every child row points to an existing file
        assert not model.objects.exclude(dossier_id__in=Dossier.objects.values("pk")).exists()
    for housing in Housing.objects.select_related("dossier__caf"):
        code = housing.dossier.caf.code
        assert housing.postcode.startswith("750" if code.startswith("75") else code[:2])  # as draw_home places it
        if code.startswith("75"):
            assert housing.city == "Paris"

    copies = Dossier.objects.exclude(pk__in=base)
    for copy in copies:
        source = next(d for d in base.values() if (d.last_name, d.first_name, d.birth_date, d.opened_on)
                      == (copy.last_name, copy.first_name, copy.birth_date, copy.opened_on))
        assert copy.caf_id != source.caf_id and copy.content_hash == ""
        assert copy.next_payment_amount == source.next_payment_amount and copy.status == source.status
        for model in CHILD_MODELS:  # the same rows, apart from ids and (for housing) the address's Caf
            if model is Housing:
                continue
            assert _rows(model, copy) == _rows(model, source), model.__name__
    assert Payment.objects.filter(dossier__in=copies).exists()  # the comparisons above were not of empty tables
