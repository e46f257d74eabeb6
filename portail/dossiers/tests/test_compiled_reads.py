"""The consultation's compiled reads (portail/core/compiled.py) give what the ORM's querysets give: the same
instances with every field converted the same way, the Caf loaded with the file, for each call's own values."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portail.accounts.models import User
from portail.core.compiled import CompiledQuery
from portail.dossiers import selectors
from portail.dossiers.models import Dossier, Payment, Right

from .conftest import make_dossier


def fields_of(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_the_file_and_its_caf_as_the_orm_reads_them(db, caf):
    first, second = make_dossier(caf, "1000001", size=3), make_dossier(caf, "1000002", size=1, last_name="MARTIN")
    for dossier in (first, second, first):  # one compiled query, each call its own values
        orm = Dossier.objects.select_related("caf").get(caf__code=caf.code, number=dossier.number)
        ours = selectors.dossier_by_caf_code(caf.code, dossier.number)
        assert fields_of(ours) == fields_of(orm)
        with CaptureQueriesContext(connection) as queries:
            assert fields_of(ours.caf) == fields_of(orm.caf)
        assert not queries.captured_queries  # loaded with the file
    assert selectors.dossier_by_caf_code(caf.code, "9999999") is None
    assert selectors.dossier_by_caf_code("ZZ", first.number) is None


def test_each_tab_reads_what_the_orm_reads(db, caf):
    dossier = make_dossier(caf, "1000003", size=4)
    other = make_dossier(caf, "1000004", size=2)
    for d in (dossier, other):
        payments = selectors.PAYMENTS(d.pk)
        assert [fields_of(p) for p in payments] == [
            fields_of(p) for p in Payment.objects.filter(dossier=d).order_by("-month", "benefit")]
        assert payments and all(p.amount == Payment.objects.get(pk=p.pk).amount for p in payments)  # Decimal
        assert [fields_of(r) for r in selectors.RIGHTS(d.pk)] == [
            fields_of(r) for r in Right.objects.filter(dossier=d).order_by("status", "benefit", "-start_date")]
        assert [p.pk for p in selectors.RSA_PAYMENTS(d.pk)] == list(
            Payment.objects.filter(dossier=d, benefit="RSA").order_by("-month").values_list("pk", flat=True)[:12])
    assert selectors.PAYMENTS(-1) == [] and selectors.HOUSING.first(-1) is None


def test_the_signed_in_user_is_read_as_the_orm_reads_him(db):
    from portail.accounts.backends import PortalBackend
    from portail.testing import factories as f

    user = f.UserFactory()
    assert fields_of(PortalBackend().get_user(user.pk)) == fields_of(User.objects.get(pk=user.pk))
    User.objects.filter(pk=user.pk).update(status=User.Status.CLOSED)
    assert PortalBackend().get_user(user.pk) is None  # R4: a closed account signs nobody in
    assert PortalBackend().get_user(-5) is None


def test_a_parameter_must_reach_the_sql_unchanged_and_be_of_its_type(db, caf):
    changed = CompiledQuery(lambda name: Dossier.objects.filter(last_name__icontains=name), str)
    with pytest.raises(ValueError):
        changed("dur")
    by_id = CompiledQuery(lambda pk: Dossier.objects.filter(pk=pk), int)
    with pytest.raises(TypeError):
        by_id("1")
    with pytest.raises(TypeError):
        by_id(1, 2)
