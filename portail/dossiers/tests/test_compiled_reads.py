"""The consultation's compiled reads (portail/core/compiled.py) give what the ORM's querysets give: the same
instances with every field converted the same way, the Caf loaded with the file, for each call's own values."""
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portail.accounts.models import User
from portail.core.compiled import CompiledQuery
from portail.dossiers import selectors
from portail.dossiers.models import Debt, Dossier, FamilyMember, Payment, Right

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


def orm_summary(d) -> dict:
    """The Synthèse's figures as the ORM's aggregate() gives them (what the page used to run)."""
    from django.db.models import Count, Max, Q, Subquery, Sum

    latest = Payment.objects.filter(dossier=d).order_by("-month").values("month")[:1]
    last = Payment.objects.filter(dossier=d, month=Subquery(latest)).aggregate(month=Max("month"), total=Sum("amount"))
    debts = Debt.objects.filter(dossier=d).aggregate(remaining=Sum("remaining", filter=~Q(status="soldee")),
                                                     ongoing=Count("id", filter=~Q(status="soldee")))
    people = FamilyMember.objects.filter(dossier=d, left_on__isnull=True).aggregate(
        total=Count("id"), children=Count("id", filter=Q(relationship="enfant", dependent=True)))
    return {"last_month": last["month"], "last_total": last["total"] or Decimal("0"),
            "debt_remaining": debts["remaining"] or Decimal("0"), "debt_count": debts["ongoing"],
            "people": people["total"], "children": people["children"]}


def test_the_summary_figures_are_the_orm_aggregates(db, caf):
    assert Debt.Status.SETTLED == "soldee" and FamilyMember.Relationship.CHILD == "enfant"
    big, small = make_dossier(caf, "1000005", size=5), make_dossier(caf, "1000006", size=2)
    Debt.objects.filter(pk=Debt.objects.filter(dossier=big).order_by("pk").first().pk).update(
        status=Debt.Status.SETTLED)
    FamilyMember.objects.filter(dossier=big, position=2).update(left_on=date(2025, 6, 1))
    Payment.objects.create(dossier=big, month=date(2025, 12, 1), benefit="ARS", amount=Decimal("10.01"),
                           payee="allocataire", paid_on=date(2026, 1, 5))
    empty = Dossier.objects.create(caf=caf, number="1000007", title="M.", last_name="VIDE", first_name="Paul",
                                   birth_date=date(1990, 1, 1), opened_on=date(2020, 1, 1), family_quotient=0)
    every = frozenset(selectors.SYNTHESE_SECTIONS)
    for d in (big, small, empty, big):
        ours = selectors.tab_synthese(d, every)
        assert {k: ours[k] for k in orm_summary(d)} == orm_summary(d)
    assert selectors.tab_synthese(big, every)["last_total"] == Decimal("148.52") + Decimal("251.30") + Decimal("10.01")
    assert selectors.tab_synthese(empty, every)["last_month"] is None


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
    flat = CompiledQuery(lambda pk: Dossier.objects.filter(pk=pk).values_list("number", flat=True), int)
    with pytest.raises(TypeError):
        flat(1)
