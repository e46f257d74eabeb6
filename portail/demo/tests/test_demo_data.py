"""The demo shows the rules it is used to explain: one administrator per convention, one person in two."""
from io import StringIO

import pytest
from django.core.management import call_command

from portail.conventions.models import Convention
from portail.habilitations.models import Membership


@pytest.fixture
def demo_output(db):
    out = StringIO()
    call_command("demo_data", stdout=out)
    call_command("demo_data", stdout=StringIO())  # idempotent: a second run changes nothing below
    return out.getvalue()


def test_each_convention_of_the_department_has_its_own_administrator(demo_output):
    admins = {c.label: sorted(u.username for u in c.administrators.all())
              for c in Convention.objects.filter(label__in=["Convention 1", "Convention 2"])}

    assert admins == {"Convention 1": ["DEMO0001"], "Convention 2": ["DEMO0007"]}


def test_one_person_belongs_to_groups_of_both_conventions(demo_output):
    conventions = set(Membership.objects.filter(user__username="DEMO0003").values_list("group__convention__label", flat=True))

    assert conventions == {"Convention 1", "Convention 2"}


def test_the_command_prints_every_demo_login(demo_output):
    for username in ("DEMO0001", "DEMO0002", "DEMO0003", "DEMO0004", "DEMO0005", "DEMO0006", "DEMO0007", "CAFA0001"):
        assert username in demo_output
    assert "administratrice de « Convention 2 »" in demo_output
    assert "Claire Martin, administratrice de « Convention 1 » (" in demo_output
