"""Caf back office writes: partner organisations, conventions and their life, administrators (R6), role catalogue.

Each service owns its transaction and its journal entry. The caller (a view) has already found the object
through `portail.access` (404 for another Caf's); the service checks again under the row lock that the actor
still supervises it, and reads the state it decides on (status, administrators) again under that lock.
"""
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse

from portail.access import is_caf_side, may_edit_role_catalogue, supervises_caf
from portail.accounts import services as account_services
from portail.accounts.models import User
from portail.core.clock import today
from portail.core.errors import BusinessError
from portail.core.text import clean_text
from portail.habilitations.models import Group, GroupRole
from portail.journal import events
from portail.journal.models import Action
from portail.outbox.services import mail_queue

from .models import TAB_ORDER, Caf, Convention, Organisation, Role, Service

MAX_ADMINISTRATORS = 2


def _text(value) -> str | None:
    return None if value is None or value == "" else str(value)


def _require_caf_side(actor: User) -> None:
    if not is_caf_side(User.objects.get(pk=actor.pk)):  # closed or suspended meanwhile
        raise PermissionDenied


# ---------------------------------------------------------------- organisations


def _organisation_values(name: str, kind: str, siret: str) -> dict:
    name = clean_text(name, field="name", max_length=200)
    siret = clean_text((siret or "").replace(" ", ""), field="siret", max_length=14, required=False)
    if siret and (len(siret) != 14 or not siret.isdigit()):
        raise BusinessError("Le SIRET compte 14 chiffres.", field="siret")
    if kind not in Organisation.Kind.values:
        raise BusinessError("Choisissez un type d'organisation de la liste.", field="kind")
    return {"name": name, "kind": kind, "siret": siret}


def _siret_taken(siret: str, organisation_id: int | None = None) -> bool:
    return bool(siret) and Organisation.objects.filter(siret=siret).exclude(pk=organisation_id).exists()


SIRET_TAKEN = "Une organisation partenaire porte déjà ce SIRET."


def organisation_create(*, actor: User, caf: Caf, name: str, kind: str, siret: str = "",
                        ip: str | None = None) -> Organisation:
    """`caf`: the Caf registering it (its agents see it before any convention)."""
    values = _organisation_values(name, kind, siret)
    if not supervises_caf(actor, caf.pk):
        raise PermissionDenied
    if _siret_taken(values["siret"]):
        raise BusinessError(SIRET_TAKEN, field="siret")
    try:
        with transaction.atomic():
            _require_caf_side(actor)
            organisation = Organisation.objects.create(registered_by=caf, **values)
            events.organisation_created(actor=actor, organisation=organisation, caf=caf, ip=ip)
    except IntegrityError:  # the same SIRET saved meanwhile (unique constraint)
        raise BusinessError(SIRET_TAKEN, field="siret")
    return organisation


def organisation_update(*, actor: User, organisation: Organisation, name: str, kind: str, siret: str = "",
                        ip: str | None = None) -> Organisation:
    values = _organisation_values(name, kind, siret)
    if _siret_taken(values["siret"], organisation.pk):
        raise BusinessError(SIRET_TAKEN, field="siret")
    try:
        with transaction.atomic():
            _require_caf_side(actor)
            organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
            changes = {k: _text(v) for k, v in values.items() if getattr(organisation, k) != v}
            if not changes:
                return organisation
            for key, value in values.items():
                setattr(organisation, key, value)
            organisation.save(update_fields=list(values))
            events.organisation_updated(actor=actor, organisation=organisation, changes=changes, ip=ip)
    except IntegrityError:
        raise BusinessError(SIRET_TAKEN, field="siret")
    return organisation


# ---------------------------------------------------------------- conventions


def _convention_values(label: str, services, opening_date: date | None, closing_date: date | None,
                       purposes: str) -> dict:
    label = clean_text(label, field="label", max_length=200)
    purposes = clean_text(purposes, field="purposes", max_length=4000, required=False)
    services = list(services or [])
    if not services:
        raise BusinessError("Choisissez au moins un service en ligne.", field="services")
    if opening_date is None:
        raise BusinessError("Ce champ est obligatoire.", field="opening_date")
    if closing_date is not None and closing_date < opening_date:
        raise BusinessError("La date de clôture ne peut pas précéder la date d'ouverture.", field="closing_date")
    return {"label": label, "purposes": purposes, "opening_date": opening_date, "closing_date": closing_date,
            "services": services}


def _lock_convention(actor: User, convention: Convention) -> Convention:
    """The convention as it is now, locked; the actor must still supervise its Caf."""
    _require_caf_side(actor)
    convention = Convention.objects.select_for_update().select_related("caf", "organisation").get(pk=convention.pk)
    if not supervises_caf(actor, convention.caf_id):
        raise PermissionDenied
    return convention


def convention_create(*, actor: User, caf: Caf, organisation: Organisation, label: str, services: list[Service],
                      opening_date: date, closing_date: date | None = None, purposes: str = "",
                      ip: str | None = None) -> Convention:
    values = _convention_values(label, services, opening_date, closing_date, purposes)
    if not supervises_caf(actor, caf.pk):
        raise BusinessError("Choisissez une Caf que vous supervisez.", field="caf")
    services = values.pop("services")
    with transaction.atomic():
        _require_caf_side(actor)
        convention = Convention.objects.create(caf=caf, organisation=organisation, **values)
        convention.services.set(services)
        events.convention_created(actor=actor, convention=convention, ip=ip)
    return convention


def convention_update(*, actor: User, convention: Convention, label: str, services: list[Service],
                      opening_date: date, closing_date: date | None = None, purposes: str = "",
                      ip: str | None = None) -> Convention:
    """Label, services, dates, finalités. Status changes go through `convention_set_status`."""
    values = _convention_values(label, services, opening_date, closing_date, purposes)
    services = values.pop("services")
    with transaction.atomic():
        convention = _lock_convention(actor, convention)
        # R3: a group's role belongs to one of the convention's services; remove those roles first.
        dropped = set(convention.services.values_list("pk", flat=True)) - {s.pk for s in services}
        in_use = (GroupRole.objects.filter(group__convention=convention, role__service_id__in=dropped)
                  .values_list("role__service__label", flat=True).distinct())
        if dropped and in_use:
            raise BusinessError(
                "Des groupes de la convention ont encore des rôles du service " + ", ".join(sorted(in_use))
                + " : retirez-les de leurs groupes avant de retirer le service.", field="services")
        first_group = Group.objects.filter(convention=convention).order_by("opening_date").first()
        if first_group is not None and values["opening_date"] > first_group.opening_date:
            raise BusinessError(
                f"Le groupe {first_group.code} ouvre le {first_group.opening_date:%d/%m/%Y} : la convention ne peut "
                "pas ouvrir après ses groupes.", field="opening_date")
        changes = {k: _text(v) for k, v in values.items() if getattr(convention, k) != v}
        before = sorted(convention.services.values_list("code", flat=True))
        after = sorted(s.code for s in services)
        if before != after:
            changes["services"] = ", ".join(after)
        if not changes:
            return convention
        for key, value in values.items():
            setattr(convention, key, value)
        convention.save(update_fields=list(values))
        convention.services.set(services)
        events.convention_updated(actor=actor, convention=convention, changes=changes, ip=ip)
    return convention


STATUS_MOVES = {
    # action: (allowed from, new status, journal action)
    "suspend": ({Convention.Status.OPEN}, Convention.Status.SUSPENDED, Action.CONVENTION_SUSPENDED),
    "reopen": ({Convention.Status.SUSPENDED, Convention.Status.CLOSED}, Convention.Status.OPEN,
               Action.CONVENTION_REOPENED),
    "close": ({Convention.Status.OPEN, Convention.Status.SUSPENDED}, Convention.Status.CLOSED,
              Action.CONVENTION_CLOSED),
}


def convention_set_status(*, actor: User, convention: Convention, move: str, reason: str,
                          ip: str | None = None) -> Convention:
    """Suspend (it grants nothing until reopened), reopen, or close (closing date today at the latest).

    Reopening a convention whose closing date has passed clears that date: the agent sets a new one if needed."""
    reason = clean_text(reason, field="reason", max_length=1000)
    allowed_from, new_status, action = STATUS_MOVES[move]
    with transaction.atomic():
        convention = _lock_convention(actor, convention)
        previous = convention.status
        if previous not in allowed_from:
            raise BusinessError(f"La convention est déjà {convention.get_status_display().lower()} : "
                                "cette action ne s'applique pas.")
        fields = ["status"]
        convention.status = new_status
        if move == "close" and (convention.closing_date is None or convention.closing_date > today()):
            convention.closing_date = max(today(), convention.opening_date)
            fields.append("closing_date")
        if move == "reopen" and convention.closing_date is not None and convention.closing_date < today():
            convention.closing_date = None
            fields.append("closing_date")
        convention.save(update_fields=fields)
        events.convention_status_changed(actor=actor, convention=convention, action=action, previous=previous,
                                         reason=reason, ip=ip)
    return convention


# ---------------------------------------------------------------- administrators (R6)


def _notify_administrator(user: User, convention: Convention) -> None:
    """A person named administrator is told; one who never chose a password gets a new activation link."""
    if not user.has_usable_password():
        account_services.send_activation_email(user)
    context = {"user": user, "convention": convention,
               "link": settings.PORTAL_BASE_URL.rstrip("/") + reverse("conventions:list")}
    mail_queue(kind="administrator_named", to=user.email,
               subject="Portail Partenaires — vous êtes administrateur d'une convention",
               template="conventions/email/administrator_named.txt", context=context)


def administrator_add(*, actor: User, convention: Convention, user: User, replacing: User | None = None,
                      ip: str | None = None, notify: bool = True) -> Convention:
    """Name `user` administrator (at most two, R6), in place of `replacing` when given."""
    with transaction.atomic():
        convention = _lock_convention(actor, convention)
        person = User.objects.select_for_update(no_key=True).get(pk=user.pk)
        if person.organisation_id != convention.organisation_id:
            raise BusinessError("L'administrateur doit appartenir à l'organisation partenaire de la convention "
                                f"({convention.organisation.name}).", field="user")
        if not person.is_open_on(max(today(), person.opening_date)) or person.status != User.Status.OPEN:
            raise BusinessError("Cette personne n'a pas un compte ouvert : elle ne peut pas être administrateur.",
                                field="user")
        current = list(convention.administrators.order_by("pk"))
        if person in current:
            raise BusinessError(f"{person.get_full_name()} est déjà administrateur de cette convention.", field="user")
        if replacing is not None and replacing not in current:
            raise BusinessError("La personne à remplacer n'est pas administrateur de cette convention.",
                                field="replacing")
        if replacing is None and len(current) >= MAX_ADMINISTRATORS:
            raise BusinessError("Une convention a deux administrateurs au plus : choisissez celui que cette "
                                "personne remplace.", field="replacing")
        if replacing is not None:
            convention.administrators.remove(replacing)
            events.administrator_removed(actor=actor, convention=convention, user=replacing, ip=ip)
        convention.administrators.add(person)
        events.administrator_named(actor=actor, convention=convention, user=person, replacing=replacing, ip=ip)
        if notify:
            _notify_administrator(person, convention)  # queued in this transaction (portail/outbox)
    return convention


def administrator_create(*, actor: User, convention: Convention, replacing: User | None = None,
                         ip: str | None = None, **identity) -> User:
    """« Créer un utilisateur » of the convention's organisation and name him administrator, all or nothing.

    The account's activation link leaves with `user_create` once the transaction commits."""
    with transaction.atomic():
        _lock_convention(actor, convention)  # serialise with other namings before counting
        user = account_services.user_create(actor=actor, organisation=convention.organisation,
                                            convention=convention, ip=ip, **identity)
        administrator_add(actor=actor, convention=convention, user=user, replacing=replacing, ip=ip, notify=False)
        _notify_administrator(user, convention)  # queued in this transaction (portail/outbox)
    return user


def administrator_remove(*, actor: User, convention: Convention, user: User, ip: str | None = None) -> Convention:
    with transaction.atomic():
        convention = _lock_convention(actor, convention)
        if not convention.administrators.filter(pk=user.pk).exists():
            raise BusinessError("Cette personne n'est pas administrateur de cette convention.")
        convention.administrators.remove(user)
        events.administrator_removed(actor=actor, convention=convention, user=user, ip=ip)
    return convention


# ---------------------------------------------------------------- role catalogue


def _role_values(code: str, label: str, tabs: list[str], flags: dict) -> dict:
    code = clean_text(code, field="code", max_length=10).upper()
    label = clean_text(label, field="label", max_length=120)
    unknown = set(tabs) - set(TAB_ORDER)
    if unknown:
        raise BusinessError("Choisissez les onglets dans la liste.", field="tabs")
    ordered = [t for t in TAB_ORDER if t in set(tabs)]
    return {"code": code, "label": label, "tabs": ordered, **{k: bool(v) for k, v in flags.items()}}


ROLE_FLAGS = ("can_print_attestation", "can_post_attestation", "can_write_dialogue", "requires_caf_validation")


def role_save(*, actor: User, service: Service, code: str, label: str, tabs: list[str], role: Role | None = None,
              ip: str | None = None, **flags) -> Role:
    """Create (`role` None) or change a role of the catalogue. The code is unique per service."""
    flags = {k: flags.get(k, False) for k in ROLE_FLAGS}
    values = _role_values(code, label, tabs, flags)
    if Role.objects.filter(service=service, code=values["code"]).exclude(pk=getattr(role, "pk", None)).exists():
        raise BusinessError(f"Le service {service.label} a déjà un rôle {values['code']}.", field="code")
    try:
        with transaction.atomic():
            if not may_edit_role_catalogue(User.objects.get(pk=actor.pk)):
                raise PermissionDenied
            if role is None:
                role = Role.objects.create(service=service, **values)
                changes = {k: _text(v if not isinstance(v, list) else ",".join(v)) for k, v in values.items()}
                created = True
            else:
                role = Role.objects.select_for_update().get(pk=role.pk)
                changes = {k: _text(v if not isinstance(v, list) else ",".join(v))
                           for k, v in values.items() if getattr(role, k) != v}
                if not changes:
                    return role
                for key, value in values.items():
                    setattr(role, key, value)
                role.save(update_fields=list(values))
                created = False
            events.catalogue_role_saved(actor=actor, role=role, created=created, changes=changes, ip=ip)
    except IntegrityError:
        raise BusinessError(f"Le service {service.label} a déjà un rôle {values['code']}.", field="code")
    return role


# ---------------------------------------------------------------- « Paramètres de la Caf »

CAF_SETTINGS_FIELDS = ("address_line1", "address_line2", "postcode", "city", "signatory_name", "signatory_title",
                       "requires_second_factor")


def _caf_settings_values(address_line1: str, address_line2: str, postcode: str, city: str, signatory_name: str,
                         signatory_title: str, requires_second_factor: bool) -> dict:
    # What the attestations print: the first address line, the postcode and city, the signatory (name and title).
    values = {
        "address_line1": clean_text(address_line1, field="address_line1", max_length=120),
        "address_line2": clean_text(address_line2, field="address_line2", max_length=120, required=False),
        "postcode": clean_text((postcode or "").replace(" ", ""), field="postcode", max_length=5),
        "city": clean_text(city, field="city", max_length=100),
        "signatory_name": clean_text(signatory_name, field="signatory_name", max_length=120),
        "signatory_title": clean_text(signatory_title, field="signatory_title", max_length=160),
        "requires_second_factor": bool(requires_second_factor),
    }
    if len(values["postcode"]) != 5 or not values["postcode"].isdigit():
        raise BusinessError("Le code postal compte 5 chiffres.", field="postcode")
    return values


def caf_settings_update(*, actor: User, caf: Caf, address_line1: str, address_line2: str = "", postcode: str,
                        city: str, signatory_name: str, signatory_title: str, requires_second_factor: bool,
                        ip: str | None = None) -> Caf:
    """The Caf's address and signatory (printed on its attestations) and whether every user of its conventions
    signs in with a second factor. Journaled with each field's value before and after; nothing when unchanged."""
    values = _caf_settings_values(address_line1, address_line2, postcode, city, signatory_name, signatory_title,
                                  requires_second_factor)
    with transaction.atomic():
        _require_caf_side(actor)
        caf = Caf.objects.select_for_update().get(pk=caf.pk)
        if not supervises_caf(actor, caf.pk):
            raise PermissionDenied
        changes = {key: [getattr(caf, key), value] for key, value in values.items() if getattr(caf, key) != value}
        if not changes:
            return caf
        for key in changes:
            setattr(caf, key, values[key])
        caf.save(update_fields=list(changes))
        events.caf_settings_updated(actor=actor, caf=caf, changes=changes, ip=ip)
    return caf
