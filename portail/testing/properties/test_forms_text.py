"""Every form taking text: valid or invalid with French messages, never an exception; valid means clean."""
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
import pytest
from hypothesis import given
from hypothesis import strategies as st

from portail.accounts.forms import ChoosePasswordForm, ForgottenPasswordForm, LoginForm
from portail.accounts.forms_partner import PartnerUserForm
from portail.dialogue.forms import AnswerForm, MessageForm
from portail.dossiers.forms import SearchForm
from portail.habilitations.forms import AssignRoleForm, GroupCloseForm, GroupForm, MembershipAddForm, ServiceChoiceForm
from portail.accounts.models import User
from portail.conventions.models import Role
from portail.habilitations.models import Group

from .conftest import TEXT

# Marks the module as using the database (so the test database is created); isolation is per example.
pytestmark = pytest.mark.django_db


def _check(form):
    valid = form.is_valid()  # must not raise
    if not valid:
        assert form.errors, "invalid without a message"
        return
    for name, value in form.cleaned_data.items():
        if isinstance(value, str):
            assert "\x00" not in value or isinstance(form, ForgottenPasswordForm), name
            limit = getattr(form.fields[name], "max_length", None)
            assert limit is None or len(value) <= limit, name


def _groups(world):
    return Group.objects.filter(convention=world.conv1)


@given(code=TEXT, label=TEXT, opening=TEXT, closing=TEXT, parent=TEXT, subgroup=st.booleans())
def test_group_form(world, code, label, opening, closing, parent, subgroup):
    _check(GroupForm({"code": code, "label": label, "opening_date": opening, "closing_date": closing,
                      "is_subgroup": subgroup, "parent": parent, "responsable": parent},
                     parents=_groups(world), responsables=User.objects.filter(organisation=world.org_a), must_be_subgroup=subgroup))


@given(closing=TEXT)
def test_group_close_form(world, closing):
    _check(GroupCloseForm({"closing_date": closing}))


@given(role=TEXT)
def test_assign_role_form(world, role):
    _check(AssignRoleForm({"role": role}, roles=Role.objects.filter(service=world.t1.service)))


@given(group=TEXT)
def test_membership_add_form(world, group):
    _check(MembershipAddForm({"group": group}, groups=_groups(world)))


@given(service=TEXT)
def test_service_choice_form(world, service):
    _check(ServiceChoiceForm({"service": service}, services=world.conv1.services.all()))


@given(values=st.fixed_dictionaries({k: TEXT for k in ("last_name", "first_name", "email", "email_confirm", "phone",
                                                        "phone_confirm", "opening_date", "closing_date", "work_mode")}))
def test_partner_user_form(world, values):
    _check(PartnerUserForm(values))


@given(caf=TEXT, number=TEXT, several=st.booleans())
def test_search_form(world, caf, number, several):
    cafs = [world.caf1, world.caf2] if several else [world.caf1]
    _check(SearchForm({"caf": caf, "number": number}, cafs=cafs))


@given(subject=TEXT, body=TEXT, name=TEXT, content=st.binary(max_size=64))
def test_message_form(world, subject, body, name, content):
    # Django's multipart parser never hands a view a file named "", "." or ".." (it refuses them itself).
    base = name.replace("\x00", "").replace("\\", "/").rsplit("/", 1)[-1][:200]
    upload = SimpleUploadedFile(base if base not in ("", ".", "..") else "x", content, content_type="application/pdf")
    _check(MessageForm({"subject": subject, "body": body}, {"attachment": upload}))


@given(body=TEXT)
def test_answer_form(world, body):
    _check(AnswerForm({"body": body}))


@given(username=TEXT, password=TEXT)
def test_login_form(world, username, password):
    request = RequestFactory().post("/compte/connexion/")
    form = LoginForm(request, data={"username": username, "password": password})
    _check(form)


@given(login=TEXT)
def test_forgotten_password_form(world, login):
    form = ForgottenPasswordForm({"login": login})
    _check(form)
    if form.is_valid():
        form.get_users()  # never raises, whatever was typed


@given(password1=TEXT, password2=TEXT)
def test_choose_password_form(world, password1, password2):
    _check(ChoosePasswordForm(world.plain, {"new_password1": password1, "new_password2": password2}))
