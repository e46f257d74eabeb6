"""R4: identifiers are 4 letters + 4 digits, generated in order and never reused."""
import re

import pytest

from portail.accounts.identifiers import PER_PREFIX, format_identifier, next_identifier
from portail.accounts.models import IdentifierCounter, User
from portail.accounts.services import user_create
from portail.testing.factories import UserFactory

SHAPE = re.compile(r"^[A-Z]{4}[0-9]{4}$")


@pytest.mark.parametrize(
    "value, expected",
    [(1, "AAAA0001"), (7, "AAAA0007"), (9999, "AAAA9999"), (10000, "AAAB0001"), (9999 * 6 + 1, "AAAG0001"),
     (9999 * 26 + 1, "AABA0001"), (9999 * 26**4, "ZZZZ9999")],
)
def test_format(value, expected):
    assert format_identifier(value) == expected
    assert SHAPE.match(expected)


def test_format_never_gives_0000_and_never_repeats_across_a_prefix_boundary():
    values = [format_identifier(v) for v in range(PER_PREFIX - 2, PER_PREFIX + 3)]
    assert values == ["AAAA9997", "AAAA9998", "AAAA9999", "AAAB0001", "AAAB0002"]
    assert not any(v.endswith("0000") for v in values)


def test_format_overflows_loudly():
    with pytest.raises(OverflowError):
        format_identifier(9999 * 26**4 + 1)


def test_next_identifier_moves_forward(db):
    assert [next_identifier() for _ in range(3)] == ["AAAA0001", "AAAA0002", "AAAA0003"]
    assert IdentifierCounter.objects.get().last_value == 3


def test_next_identifier_skips_one_already_taken(db):
    UserFactory(username="AAAA0001")
    assert next_identifier() == "AAAA0002"


def test_identifier_of_a_deleted_user_is_never_given_again(admin_user, organisation):
    first = user_create(actor=admin_user, organisation=organisation, last_name="Durand", first_name="Sophie",
                        email="sophie@example.fr")
    taken = first.username
    User.objects.filter(pk=first.pk).delete()  # even a hard delete (which the portal never does)
    second = user_create(actor=admin_user, organisation=organisation, last_name="Petit", first_name="Lucas",
                         email="lucas@example.fr")
    assert SHAPE.match(second.username)
    assert second.username != taken
    assert second.username > taken


def test_a_refused_creation_consumes_no_identifier(admin_user, organisation):
    from datetime import date

    from portail.core.errors import BusinessError

    with pytest.raises(BusinessError):
        user_create(actor=admin_user, organisation=organisation, last_name="X", first_name="Y", email="x@example.fr",
                    opening_date=date(2025, 1, 2), closing_date=date(2025, 1, 1))
    assert not IdentifierCounter.objects.exists() or IdentifierCounter.objects.get().last_value == 0
