"""Demo data shaped like the seed's screens: « Convention 1 », « Caf part 1 », « GROUPES », « Sous groupe 1 »."""
from datetime import date

from portail.accounts.models import User
from portail.conventions.models import Caf, Convention, Organisation, Role, Service, Tab
from portail.dialogue.demo import load_demo_messages
from portail.dossiers.demo import demo_dossier_numbers, load_demo_dossiers  # noqa: F401 (demo_dossier_numbers: README)
from portail.habilitations.models import Group, GroupRole, Membership
from portail.habilitations.services import group_roles_set

from .second_factor import enrol_demo_users

DEMO_PASSWORD = "Portail-Demo-2026!"

ALL_TABS = [t.value for t in Tab]

# The role catalogue kept by the Caf: which tabs, attestation rights, Caf validation.
CATALOGUE = {
    "CDAP": [
        dict(code="T1", label="Travailleur social", tabs=ALL_TABS, can_print_attestation=True, can_post_attestation=True),
        dict(code="T18", label="Agent de service", tabs=["synthese", "resume", "famille", "logement"]),
        dict(code="T2", label="Instructeur RSA", tabs=["synthese", "resume", "droits", "famille", "ressources", "rsa"],
             can_print_attestation=True),
        dict(code="T5", label="Gestionnaire logement (bailleur)", tabs=["synthese", "paiements", "droits", "logement"],
             can_print_attestation=True, can_post_attestation=True),
        dict(code="T9", label="Chargé de recouvrement", tabs=["synthese", "paiements", "courriers", "creances"],
             requires_caf_validation=True),
    ],
    "AFAS": [dict(code="A1", label="Instructeur aides financières", tabs=[])],
}

PURPOSES = (
    "Accompagnement social des familles et instruction des demandes d'aide sociale du département : "
    "la consultation n'est autorisée que pour un dossier dont vous assurez le suivi."
)


def _upsert(model, lookup: dict, **values):
    obj, created = model.objects.get_or_create(**lookup, defaults=values)
    if not created:
        changed = [k for k, v in values.items() if getattr(obj, k) != v]
        for k in changed:
            setattr(obj, k, values[k])
        if changed:
            obj.save()
    return obj


def _user(username, organisation=None, caf=None, **values):
    user = _upsert(User, {"username": username}, organisation=organisation, caf=caf, **values)
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _group(convention, code, label, parent=None, responsable=None, roles=()):
    group = _upsert(
        Group,
        {"convention": convention, "code": code},
        label=label,
        parent=parent,
        level=parent.level + 1 if parent else 1,
        opening_date=convention.opening_date,
        responsable=responsable,
    )
    path = f"{parent.path if parent else '/'}{group.pk}/"
    if group.path != path:
        group.path = path
        group.save(update_fields=["path"])
    for role in roles:
        GroupRole.objects.get_or_create(group=group, role=role)
    return group


def load_demo(out=None) -> list[tuple[str, str]]:
    services = {
        "CDAP": _upsert(Service, {"code": "CDAP"}, label="Cdap"),
        "AFAS": _upsert(Service, {"code": "AFAS"}, label="Aides financières (AFAS)"),
    }
    roles = {}
    for service_code, entries in CATALOGUE.items():
        for entry in entries:
            entry = dict(entry)
            code = entry.pop("code")
            roles[code] = _upsert(Role, {"service": services[service_code], "code": code}, **entry)

    caf1 = _upsert(Caf, {"code": "751"}, name="Caf part 1", address_line1="18 rue des Allocations",
                   address_line2="CS 70001", postcode="75015", city="Paris",
                   signatory_name="Catherine Morel", signatory_title="Directrice de la Caf part 1")
    caf2 = _upsert(Caf, {"code": "330"}, name="Caf de la Gironde", address_line1="2 place de la Solidarité",
                   address_line2="", postcode="33000", city="Bordeaux",
                   signatory_name="Hervé Lemoine",
                   signatory_title="Pour le directeur et par délégation, le responsable des prestations")
    dept = _upsert(Organisation, {"name": "Conseil départemental 1"}, kind=Organisation.Kind.DEPARTMENT, siret="22330001300016")
    ccas = _upsert(Organisation, {"name": "CCAS de Bordeaux"}, kind=Organisation.Kind.CCAS, siret="26330063500010")
    landlord = _upsert(Organisation, {"name": "Gironde Habitat"}, kind=Organisation.Kind.LANDLORD, siret="27330001700021")

    conv1 = _upsert(Convention, {"caf": caf1, "label": "Convention 1"}, organisation=dept,
                    opening_date=date(2017, 2, 15), purposes=PURPOSES)
    conv1.services.set([services["CDAP"]])
    conv2 = _upsert(Convention, {"caf": caf2, "label": "Convention 2"}, organisation=dept,
                    opening_date=date(2019, 1, 1), purposes=PURPOSES)
    conv2.services.set([services["CDAP"], services["AFAS"]])
    conv3 = _upsert(Convention, {"caf": caf1, "label": "Convention CCAS"}, organisation=ccas,
                    opening_date=date(2020, 6, 1), purposes="Instruction des aides facultatives du CCAS.")
    conv3.services.set([services["CDAP"]])
    conv4 = _upsert(Convention, {"caf": caf2, "label": "Convention bailleur 2018"}, organisation=landlord,
                    opening_date=date(2018, 1, 1), closing_date=date(2023, 12, 31), status=Convention.Status.CLOSED,
                    purposes="Tiers payant des aides au logement.")
    conv4.services.set([services["CDAP"]])

    common = dict(opening_date=date(2017, 2, 15))
    admin = _user("DEMO0001", dept, last_name="Martin", first_name="Claire", email="claire.martin@cd1.example.fr", **common)
    resp = _user("DEMO0002", dept, last_name="Bernard", first_name="Paul", email="paul.bernard@cd1.example.fr", **common)
    social = _user("DEMO0003", dept, last_name="Durand", first_name="Sophie", email="sophie.durand@cd1.example.fr", **common)
    agent = _user("DEMO0004", dept, last_name="Petit", first_name="Lucas", email="lucas.petit@cd1.example.fr", **common)
    sibling = _user("DEMO0005", dept, last_name="Robert", first_name="Nadia", email="nadia.robert@cd1.example.fr", **common)
    _user("CAFA0001", caf=caf1, last_name="Leroy", first_name="Isabelle", email="isabelle.leroy@caf1.example.fr", **common)
    _user("CNAF0001", last_name="Garnier", first_name="Marc", email="marc.garnier@cnaf.example.fr",
          is_national_admin=True, **common)
    ccas_admin = _user("DEMO0006", ccas, last_name="Moreau", first_name="Julien", email="julien.moreau@ccas.example.fr", **common)
    # Same organisation, another convention, another administrator: neither manages the other's people.
    gironde_admin = _user("DEMO0007", dept, last_name="Lambert", first_name="Élodie",
                          email="elodie.lambert@cd1.example.fr", **common)
    conv1.administrators.set([admin])
    conv2.administrators.set([gironde_admin])
    conv3.administrators.set([ccas_admin])

    top = _group(conv1, "GROUPES", "Groupes", roles=[roles["T1"], roles["T18"], roles["T2"]])
    sub = _group(conv1, "SOUS GROUPE", "Sous groupe 1", parent=top, responsable=resp, roles=[roles["T18"]])
    reception = _group(conv1, "ACCUEIL", "Accueil", responsable=sibling, roles=[roles["T18"]])
    gironde = _group(conv2, "SOCIAL", "Service social", roles=[roles["T1"]])
    for user, group in ((social, top), (social, gironde), (agent, sub), (resp, sub), (sibling, reception)):
        Membership.objects.get_or_create(user=user, group=group)

    # A role awaiting the Caf's validation, proposed through the real service so the journal shows it.
    if not GroupRole.objects.filter(group=top, role=roles["T9"]).exists():
        group_roles_set(actor=admin, group=top, service=services["CDAP"],
                        roles=[gr.role for gr in top.group_roles.filter(role__service=services["CDAP"])] + [roles["T9"]])

    enrol_demo_users(["DEMO0001", "DEMO0002", "DEMO0003", "DEMO0004", "DEMO0005", "DEMO0006", "DEMO0007",
                      "CAFA0001", "CNAF0001"])
    load_demo_dossiers([caf1, caf2])
    load_demo_messages()

    return [
        ("DEMO0001", "Claire Martin, administratrice de « Convention 1 » (Caf part 1, Conseil départemental 1)"),
        ("DEMO0002", "Paul Bernard, responsable des habilitations de « Sous groupe 1 »"),
        ("DEMO0003", "Sophie Durand, travailleuse sociale, membre des deux conventions (rôle T1 à la Caf part 1 "
                     "et à la Caf de la Gironde)"),
        ("DEMO0004", "Lucas Petit, agent de service (rôle T18, Caf part 1)"),
        ("DEMO0005", "Nadia Robert, responsable des habilitations du groupe « Accueil »"),
        ("DEMO0006", "Julien Moreau, administrateur de « Convention CCAS » (CCAS de Bordeaux)"),
        ("DEMO0007", "Élodie Lambert, administratrice de « Convention 2 » (Caf de la Gironde, Conseil départemental 1)"),
        ("CAFA0001", "Isabelle Leroy, agent de la Caf part 1 (T9 de « Groupes » attend sa validation)"),
        ("CNAF0001", "Marc Garnier, administrateur national : toutes les Cafs, catalogue des rôles"),
    ]
