"""Every service taking text: a BusinessError/ValidationError or a clean save, never anything else."""
from datetime import date

from django.core.exceptions import ValidationError
import pytest
from hypothesis import given

from portail.access import dialogue_write_rights
from portail.accounts import services as accounts
from portail.dialogue import services as dialogue
from portail.habilitations import services as habilitations

from .conftest import TEXT, rolled_back
from .counts import row_counts, stored_within_limits

# Marks the module as using the database (so the test database is created); isolation is per example.
pytestmark = pytest.mark.django_db


# Services refuse NUL, control characters and texts longer than their column with a BusinessError
# (portail.core.text.clean_text): PostgreSQL would answer DataError, SQLite would store them.
def _refused_or_clean(call):
    """Run a service: a refusal changes nothing; a success stores only values within the model's limits."""
    before = row_counts()
    try:
        obj = call()
    except ValidationError:  # BusinessError is one
        assert row_counts() == before, "refused, yet something was written"
        return
    assert stored_within_limits(obj) == []


@given(code=TEXT, label=TEXT)
def test_group_create(world, code, label):
    with rolled_back():
        _refused_or_clean(lambda: habilitations.group_create(
            actor=world.admin1, convention=world.conv1, code=code, label=label, opening_date=date(2024, 1, 1)))


@given(last_name=TEXT, first_name=TEXT, email=TEXT, phone=TEXT)
def test_user_create(world, last_name, first_name, email, phone):
    with rolled_back():
        _refused_or_clean(lambda: accounts.user_create(
            actor=world.admin1, organisation=world.org_a, last_name=last_name, first_name=first_name, email=email,
            phone=phone, convention=world.conv1))


@given(last_name=TEXT, first_name=TEXT, email=TEXT, phone=TEXT)
def test_user_update(world, last_name, first_name, email, phone):
    with rolled_back():
        target = world.plain
        _refused_or_clean(lambda: accounts.user_update(
            actor=world.admin1, user=target, last_name=last_name, first_name=first_name, email=email, phone=phone,
            opening_date=target.opening_date, closing_date=None, work_mode=target.work_mode, convention=world.conv1))


@given(last_name=TEXT, first_name=TEXT)
def test_membership_add_of_a_person_with_any_name(world, last_name, first_name):
    with rolled_back():
        person = accounts.user_create(actor=world.admin1, organisation=world.org_a, last_name="Durand",
                                      first_name="Léa", email="lea.durand@example.fr")
        type(person).objects.filter(pk=person.pk).update(last_name=last_name.replace("\x00", "")[:100],
                                                         first_name=first_name.replace("\x00", "")[:150])
        person.refresh_from_db()
        _refused_or_clean(lambda: habilitations.membership_add(actor=world.admin1, user=person, group=world.tree[0]))


@given(subject=TEXT, body=TEXT)
def test_message_send(world, subject, body):
    with rolled_back():
        rights = dialogue_write_rights(world.t1_user, world.caf1.pk)
        _refused_or_clean(lambda: dialogue.message_send(
            actor=world.t1_user, rights=rights, dossier=world.dossier1, subject=subject, body=body))


@given(body=TEXT)
def test_message_answer(world, body):
    with rolled_back():
        _refused_or_clean(lambda: dialogue.message_answer(actor=world.agent1, message=world.message1, body=body))
