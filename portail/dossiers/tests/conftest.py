"""Dossier fixtures: a T1 and a T18 user at the convention's Caf, files small and large."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from portail.testing import factories as f
from portail.dossiers.models import (
    Debt,
    Dossier,
    FamilyMember,
    Housing,
    Letter,
    Payment,
    Resource,
    Right,
    RsaInfo,
)
from portail.journal.models import JournalEntry


def make_dossier(caf, number="1234567", *, size=1, last_name="DURAND", first_name="Léa") -> Dossier:
    """A file with `size` rows in every list (payments: `size` months of AF and APL)."""
    dossier = Dossier.objects.create(
        caf=caf, number=number, title="Mme", last_name=last_name, first_name=first_name,
        birth_date=date(1985, 3, 2), opened_on=date(2015, 1, 1), family_quotient=612,
        family_situation=Dossier.FamilySituation.SEPARATED,
    )
    FamilyMember.objects.create(dossier=dossier, position=0, relationship="allocataire", last_name=last_name,
                                first_name=first_name, sex="F", birth_date=dossier.birth_date)
    for i in range(size):
        FamilyMember.objects.create(dossier=dossier, position=i + 1, relationship="enfant", last_name=last_name,
                                    first_name=f"Enfant{i}", sex="M", birth_date=date(2012, 1, 1) + timedelta(days=i),
                                    dependent=True)
        Right.objects.create(dossier=dossier, benefit="AF" if i == 0 else "ASF", start_date=date(2018, 1, 1),
                             monthly_amount=Decimal("148.52"))
        Resource.objects.create(dossier=dossier, scope="annuelle", period_start=date(2024, 1, 1),
                                period_end=date(2024, 12, 31), kind="salaires", amount=Decimal("14400.00"))
        Letter.objects.create(dossier=dossier, sent_on=date(2025, 1, 1) + timedelta(days=i), subject=f"Courrier {i}")
        Debt.objects.create(dossier=dossier, benefit="AF", reason="Déménagement non signalé",
                            created_on=date(2025, 2, 1), amount=Decimal("300.00"), remaining=Decimal("120.00"),
                            mode="retenue", monthly_repayment=Decimal("40.00"))
    for m in range(size):
        month = date(2025 - m // 12, 12 - m % 12, 1)
        Payment.objects.create(dossier=dossier, month=month, benefit="AF", amount=Decimal("148.52"),
                               payee="allocataire", paid_on=month + timedelta(days=35))
        Payment.objects.create(dossier=dossier, month=month, benefit="APL", amount=Decimal("251.30"),
                               payee="bailleur", paid_on=month + timedelta(days=35))
    Housing.objects.create(dossier=dossier, street="12 rue des Lilas", postcode="33000", city="Bordeaux", kind="hlm",
                           rent=Decimal("480.00"), landlord="Gironde Habitat", third_party_payment=True,
                           moved_in_on=date(2019, 5, 1))
    RsaInfo.objects.create(dossier=dossier, orientation="sociale", referent="Conseil départemental",
                           monthly_amount=Decimal("210.40"), flat_amount=Decimal("953.57"),
                           requested_on=date(2023, 1, 1), opened_on=date(2023, 2, 1))
    return dossier


@pytest.fixture
def caf(convention):
    return convention.caf


@pytest.fixture
def dossier(caf):
    return make_dossier(caf)


@pytest.fixture
def t1_group(convention, role_t1, make_group):
    return make_group(convention, "GROUPES", roles=[role_t1])


@pytest.fixture
def t1_user(convention, t1_group):
    user = f.UserFactory(organisation=convention.organisation, last_name="Durand", first_name="Sophie")
    f.MembershipFactory(group=t1_group, user=user)
    return user


@pytest.fixture
def t18_user(convention, role_t18, make_group):
    user = f.UserFactory(organisation=convention.organisation, last_name="Petit", first_name="Lucas")
    make_group(convention, "ACCUEIL", roles=[role_t18], members=[user])
    return user


@pytest.fixture
def tab_url():
    def _url(dossier, tab):
        return reverse("dossiers:tab", args=[dossier.caf.code, dossier.number, tab])

    return _url


@pytest.fixture
def journal():
    """Entries written since the fixture was created, oldest first."""
    start = JournalEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def _entries(**filters):
        return list(JournalEntry.objects.filter(id__gt=start, **filters).order_by("id"))

    return _entries
