"""A small world: two Cafs, one partner organisation with an open convention at Caf A, users
on both sides, and dossiers at both Cafs."""
from dataclasses import dataclass
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portail.accounts.models import User
from portail.conventions.models import Caf, Convention, Organisation, Role, Service
from portail.dossiers.models import Dossier
from portail.habilitations.models import Group, GroupRole, Membership
from portail.testing.auth import sign_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name="justificatif.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@dataclass
class World:
    caf_a: Caf
    caf_b: Caf
    dossier_a: Dossier
    dossier_b: Dossier
    convention: Convention
    group: Group
    role: Role
    partner: User  # T1 at Caf A: may write
    reader: User  # T18 at Caf A: may consult, may not write
    stranger: User  # same organisation, no group at all
    other_partner: User  # another organisation, T1 at Caf A too
    agent_a: User
    agent_b: User

    def new_url(self, dossier=None):
        dossier = dossier or self.dossier_a
        return reverse("dialogue:new", args=[dossier.caf.code, dossier.number])


def _user(username, **extra):
    return User.objects.create_user(
        username, "x", last_name=username.title(), first_name="Test", email=f"{username.lower()}@example.fr", **extra
    )


def _dossier(caf, number):
    return Dossier.objects.create(
        caf=caf, number=number, last_name="Durand", first_name="Léa", birth_date=date(1985, 3, 2),
        opened_on=date(2015, 1, 1),
    )


def _member(user, convention, code, role):
    group = Group.objects.create(convention=convention, code=code, label=f"Groupe {code}", opening_date=date(2020, 1, 1))
    group.path = f"/{group.pk}/"
    group.save(update_fields=["path"])
    GroupRole.objects.create(group=group, role=role)
    Membership.objects.create(user=user, group=group)
    return group


@pytest.fixture
def world(db) -> World:
    caf_a = Caf.objects.create(code="101", name="Caf part 1")
    caf_b = Caf.objects.create(code="202", name="Caf de la Gironde")
    cdap = Service.objects.create(code="CDAP", label="Cdap")
    t1 = Role.objects.create(service=cdap, code="T1", label="Travailleur social", tabs=["synthese"], can_write_dialogue=True)
    t18 = Role.objects.create(service=cdap, code="T18", label="Agent de service", tabs=["synthese"], can_write_dialogue=False)
    org = Organisation.objects.create(name="Conseil départemental")
    other_org = Organisation.objects.create(name="CCAS de Bordeaux")
    conventions = []
    for organisation in (org, other_org):
        convention = Convention.objects.create(
            caf=caf_a, organisation=organisation, label=f"Convention {organisation.name}", opening_date=date(2020, 1, 1)
        )
        convention.services.add(cdap)
        conventions.append(convention)
    partner = _user("PART0001", organisation=org)
    reader = _user("PART0002", organisation=org)
    stranger = _user("PART0003", organisation=org)
    other_partner = _user("AUTR0001", organisation=other_org)
    group = _member(partner, conventions[0], "G1", t1)
    _member(reader, conventions[0], "G18", t18)
    _member(other_partner, conventions[1], "G1", t1)
    return World(
        caf_a=caf_a, caf_b=caf_b, dossier_a=_dossier(caf_a, "1234567"), dossier_b=_dossier(caf_b, "7654321"),
        convention=conventions[0], group=group, role=t1, partner=partner, reader=reader, stranger=stranger,
        other_partner=other_partner, agent_a=_user("CAFA0001", caf=caf_a), agent_b=_user("CAFB0001", caf=caf_b),
    )


@pytest.fixture
def send(client):
    """Log in as `user` and post a message about `dossier`; returns the response."""

    def _send(world, user, *, dossier=None, subject="Question sur les droits", body="Bonjour, pouvez-vous…", **files):
        sign_in(client, user)
        data = {"subject": subject, "body": body, **files}
        return client.post(world.new_url(dossier), data)

    return _send


@pytest.fixture(autouse=True)
def empty_storage():
    """The in-memory storage lives as long as the process: start each test with no attachment."""
    from django.core.files.storage import default_storage

    def wipe():
        try:
            dirs, _ = default_storage.listdir("dialogue")
        except FileNotFoundError:
            return
        for d in dirs:
            for name in default_storage.listdir(f"dialogue/{d}")[1]:
                default_storage.delete(f"dialogue/{d}/{name}")

    wipe()
    yield
    wipe()
