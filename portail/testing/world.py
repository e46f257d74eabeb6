"""A rich world for cross-cutting tests (the URL × actor matrix): two Cafs, two organisations, every kind of actor.

Each thing that some actor must not see carries a searchable marker in its name or label, so a test
can assert that the marker appears in no response body of that actor:

- ``CONVUNZ``    Convention 1 (Caf 1, organisation A) and its groups;
- ``CONVDEUXZ``  Convention 2 (Caf 1, organisation A) and its group; ``MEMBREDEUXZ`` the member only there;
- ``ACCUEILZ``   the « Accueil » group of Convention 1 (outside the responsable's subtree); ``PETITACCZ`` its
  T18 member;
- ``DOSSIERUNZ`` the allocataire of dossier ``1110001`` at Caf 1; ``MESSAGEUNZ`` the T1 user's Dialogue message;
- ``EXTERIEURZ`` everything of organisation B (Caf 2): organisation, convention, group, staff, dossier ``9990001``,
  Dialogue message and attestation request.

The plain user wrote a message and asked for an attestation about dossier 1110001 when he still had a
role: having none now, he must see neither any more.

Convention 1 holds a tree of six levels (CONVUNZ N1 … N6) whose middle group (N3) has a responsable;
the T1 user sits at N5, the person of two conventions at N4 and in Convention 2's group.
"""
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from portail.accounts.models import User
from portail.conventions.models import Caf, Convention, Organisation, Role
from portail.dialogue.models import Message
from portail.dossiers.models import (AttestationRequest, Debt, Dossier, FamilyMember, Housing, Letter, Payment,
                                     Resource, Right, RsaInfo)
from portail.habilitations.models import Group, GroupRole, Membership
from portail.supervision.models import Document

from . import factories as f

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
T18_TABS = ["synthese", "resume", "famille", "logement"]



@contextmanager
def rolled_back() -> Iterator[None]:
    """A transaction that never commits: a module's world is built once inside it and gone at the end
    of the module (`with django_db_blocker.unblock(), rolled_back(): w = build_world(); yield w`)."""
    with transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)


@dataclass
class World:
    caf1: Caf
    caf2: Caf
    t1: Role
    t18: Role
    org_a: Organisation
    org_b: Organisation
    conv1: Convention
    conv2: Convention
    conv_b: Convention
    tree: list[Group]  # Convention 1, levels 1..6; tree[2] (N3) has the responsable
    accueil: Group  # Convention 1, a main group outside the responsable's subtree
    conv2_group: Group
    group_b: Group
    # actors
    plain: User
    t18_user: User
    t1_user: User
    responsable: User
    admin1: User
    admin2: User
    partner_b: User  # administrator of Convention B and T1 at Caf 2
    agent1: User
    agent2: User
    # other people
    two_conventions: User  # member of N4 (Convention 1) and of Convention 2's group
    conv2_member: User  # only in Convention 2
    member_b: User  # organisation B staff
    # allocataire data
    dossier1: Dossier
    dossier2: Dossier
    message1: Message  # from the T1 user to Caf 1, with an attachment
    message_b: Message  # from partner B to Caf 2, with an attachment
    request1: AttestationRequest  # T1 user, dossier1
    request_b: AttestationRequest  # partner B, dossier2
    former_message: Message  # written by the plain user when he still had a T1 role; he has none now
    former_request: AttestationRequest  # idem
    pending1: GroupRole  # T9 (« validation Caf requise ») requested for N1 of Convention 1, awaiting Caf 1
    pending_b: GroupRole  # T9 requested for Convention B's group, awaiting Caf 2
    document1: Document  # « Consulter documents » of Convention 1, put there by Caf 1
    document_b: Document  # of Convention B

    @property
    def group_n3(self) -> Group:
        return self.tree[2]

    @property
    def group_n4(self) -> Group:
        return self.tree[3]

    @property
    def group_n5(self) -> Group:
        return self.tree[4]


def make_dossier(caf: Caf, number: str, last_name: str) -> Dossier:
    """A file with one row in every tab. Its figures are markers too, each readable only through its tabs:
    RSA 611,37 € a month (« droits », « RSA »), payments of 533,21 € (« paiements »), 987,65 € of
    créance left (« créances »)."""
    dossier = Dossier.objects.create(
        caf=caf, number=number, title="Mme", last_name=last_name, first_name="Léa", birth_date=date(1985, 3, 2),
        opened_on=date(2015, 1, 1), family_quotient=612, family_situation=Dossier.FamilySituation.SEPARATED,
    )
    FamilyMember.objects.create(dossier=dossier, position=0, relationship="allocataire", last_name=last_name,
                                first_name="Léa", sex="F", birth_date=dossier.birth_date)
    FamilyMember.objects.create(dossier=dossier, position=1, relationship="enfant", last_name=last_name,
                                first_name="Noé", sex="M", birth_date=date(2014, 6, 1), dependent=True)
    Right.objects.create(dossier=dossier, benefit="RSA", start_date=date(2023, 2, 1), monthly_amount=Decimal("611.37"))
    Resource.objects.create(dossier=dossier, scope="annuelle", period_start=date(2024, 1, 1),
                            period_end=date(2024, 12, 31), kind="salaires", amount=Decimal("14400.00"))
    Letter.objects.create(dossier=dossier, sent_on=date(2025, 1, 6), subject="Notification de droits")
    Debt.objects.create(dossier=dossier, benefit="RSA", reason="Ressources non déclarées", created_on=date(2025, 2, 1),
                        amount=Decimal("1200.00"), remaining=Decimal("987.65"), mode="retenue",
                        monthly_repayment=Decimal("40.00"))
    for months in range(3):
        month = date(2025, 10 - months, 1)
        Payment.objects.create(dossier=dossier, month=month, benefit="RSA", amount=Decimal("533.21"),
                               payee="allocataire", paid_on=month + timedelta(days=35))
    Housing.objects.create(dossier=dossier, street="12 rue des Lilas", postcode="33000", city="Bordeaux", kind="hlm",
                           rent=Decimal("480.00"), landlord="Habitat social", third_party_payment=True,
                           moved_in_on=date(2019, 5, 1))
    RsaInfo.objects.create(dossier=dossier, orientation="sociale", referent="Conseil départemental",
                           monthly_amount=Decimal("611.37"), flat_amount=Decimal("953.57"),
                           requested_on=date(2023, 1, 1), opened_on=date(2023, 2, 1))
    return dossier


def _message(author: User, dossier: Dossier, subject: str) -> Message:
    message = Message(caf=dossier.caf, dossier=dossier, author=author, organisation=author.organisation,
                      subject=subject, body=f"{subject} : corps du message", attachment_name=f"{subject}.pdf",
                      attachment_size=len(PDF), created_at=timezone.now())
    message.attachment.save("piece.pdf", ContentFile(PDF), save=False)
    message.save()
    return message


def _request(user: User, dossier: Dossier, reference: str) -> AttestationRequest:
    return AttestationRequest.objects.create(dossier=dossier, requested_by=user, requested_at=timezone.now(),
                                             reference=reference)


def _document(convention: Convention, uploader: User, title: str) -> Document:
    document = Document(convention=convention, kind=Document.Kind.GUIDE, title=title, size=len(PDF),
                        uploaded_by=uploader, uploaded_at=timezone.now())
    document.file.save("document.pdf", ContentFile(PDF), save=False)
    document.save()
    return document


def build_world() -> World:
    """Create the whole world (bypassing services: no journal entry). Call inside a transaction you roll back."""
    caf1 = f.CafFactory(code="601", name="Caf matrice un")
    caf2 = f.CafFactory(code="602", name="Caf matrice deux")
    cdap = f.ServiceFactory()
    t1 = f.RoleFactory(service=cdap, code="T1", label="Travailleur social", can_print_attestation=True,
                       can_post_attestation=True)
    t18 = f.RoleFactory(service=cdap, code="T18", label="Agent de service", tabs=T18_TABS, can_write_dialogue=False)

    org_a = f.OrganisationFactory(name="Conseil départemental matrice")
    org_b = f.OrganisationFactory(name="EXTERIEURZ Organisation")
    conv1 = f.ConventionFactory(caf=caf1, organisation=org_a, label="CONVUNZ Convention 1", services=[cdap])
    conv2 = f.ConventionFactory(caf=caf1, organisation=org_a, label="CONVDEUXZ Convention 2", services=[cdap])
    conv_b = f.ConventionFactory(caf=caf2, organisation=org_b, label="EXTERIEURZ Convention", services=[cdap])

    def staff(org, last_name, first_name="Camille"):
        return f.UserFactory(organisation=org, last_name=last_name, first_name=first_name)

    admin1 = staff(org_a, "Administrun", "Claire")
    admin2 = staff(org_a, "Administrdeux", "Hugo")
    conv1.administrators.add(admin1)
    conv2.administrators.add(admin2)
    plain = staff(org_a, "Sansgroupe", "Paul")
    t18_user = staff(org_a, "PETITACCZ", "Lucas")
    t1_user = staff(org_a, "Travailleur", "Sophie")
    responsable = staff(org_a, "Responsable", "Nadia")
    two_conventions = staff(org_a, "Deuxconventions", "Inès")
    conv2_member = staff(org_a, "MEMBREDEUXZ", "Jules")

    tree, parent = [], None
    for level in range(1, 7):
        group = f.make_group(conv1, f"N{level}", parent=parent, roles=[t1, t18], label=f"CONVUNZ niveau {level}",
                             responsable=responsable if level == 3 else None)
        tree.append(group)
        parent = group
    Membership.objects.create(user=t1_user, group=tree[4])
    Membership.objects.create(user=two_conventions, group=tree[3])
    accueil = f.make_group(conv1, "ACCUEIL", roles=[t18], label="ACCUEILZ groupe", members=[t18_user])
    conv2_group = f.make_group(conv2, "C2", roles=[t1], label="CONVDEUXZ groupe", members=[two_conventions, conv2_member])

    partner_b = staff(org_b, "EXTERIEURZ Admin", "Bruno")
    member_b = staff(org_b, "EXTERIEURZ Membre", "Basile")
    conv_b.administrators.add(partner_b)
    group_b = f.make_group(conv_b, "GB", roles=[t1], label="EXTERIEURZ groupe", members=[partner_b, member_b])

    agent1 = f.CafAgentFactory(caf=caf1, last_name="Agentun", first_name="Isabelle")
    agent2 = f.CafAgentFactory(caf=caf2, last_name="Agentdeux", first_name="Marc")

    t9 = f.RoleFactory(service=cdap, code="T9", label="Chargé de recouvrement", tabs=["synthese", "creances"],
                       requires_caf_validation=True)
    pending1 = GroupRole.objects.create(group=tree[0], role=t9, state=GroupRole.State.PENDING, granted_by=admin1)
    pending_b = GroupRole.objects.create(group=group_b, role=t9, state=GroupRole.State.PENDING, granted_by=partner_b)
    dossier1 = make_dossier(caf1, "1110001", "DOSSIERUNZ")
    dossier2 = make_dossier(caf2, "9990001", "EXTERIEURZ Allocataire")
    return World(
        caf1=caf1, caf2=caf2, t1=t1, t18=t18, org_a=org_a, org_b=org_b, conv1=conv1, conv2=conv2, conv_b=conv_b,
        tree=tree, accueil=accueil, conv2_group=conv2_group, group_b=group_b,
        plain=plain, t18_user=t18_user, t1_user=t1_user, responsable=responsable, admin1=admin1, admin2=admin2,
        partner_b=partner_b, agent1=agent1, agent2=agent2,
        two_conventions=two_conventions, conv2_member=conv2_member, member_b=member_b,
        dossier1=dossier1, dossier2=dossier2,
        message1=_message(t1_user, dossier1, "MESSAGEUNZ question"),
        message_b=_message(partner_b, dossier2, "EXTERIEURZ question"),
        request1=_request(t1_user, dossier1, "ATT-MATRICE-1"),
        request_b=_request(partner_b, dossier2, "ATT-EXTERIEURZ-2"),
        former_message=_message(plain, dossier1, "MESSAGEUNZ ancien"),
        former_request=_request(plain, dossier1, "ATT-ANCIEN-3"),
        pending1=pending1, pending_b=pending_b,
        document1=_document(conv1, agent1, "CONVUNZ guide"),
        document_b=_document(conv_b, agent2, "EXTERIEURZ guide"),
    )
