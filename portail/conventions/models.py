import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import models
from django.db.models import Q

from portail.core.clock import today
from portail.core.periods import is_open_on, open_on_q


class Caf(models.Model):
    code = models.CharField("code", max_length=3, unique=True)
    name = models.CharField("nom", max_length=120)
    # Administrators, responsables and Caf agents always sign in with a second factor; with this flag,
    # every user of the Caf's conventions does too (portail/access/second_factor.py).
    requires_second_factor = models.BooleanField("second facteur exigé de tous les utilisateurs", default=False)
    # Printed on the attestations the portal issues in the Caf's name (portail/dossiers/attestations/).
    address_line1 = models.CharField("adresse (ligne 1)", max_length=120, blank=True)
    address_line2 = models.CharField("adresse (ligne 2)", max_length=120, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("commune", max_length=100, blank=True)
    signatory_name = models.CharField("nom du signataire des attestations", max_length=120, blank=True)
    signatory_title = models.CharField("qualité du signataire", max_length=160, blank=True)

    class Meta:
        verbose_name = "Caf"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A partner organisation (conseil départemental, CCAS, bailleur, association…)."""

    class Kind(models.TextChoices):
        DEPARTMENT = "cd", "Conseil départemental"
        CCAS = "ccas", "CCAS"
        LANDLORD = "bailleur", "Bailleur social"
        ASSOCIATION = "association", "Association"
        MSA = "msa", "MSA"
        OTHER = "autre", "Autre"

    name = models.CharField("raison sociale", max_length=200)
    kind = models.CharField("type", max_length=20, choices=Kind.choices, default=Kind.OTHER)
    siret = models.CharField("SIRET", max_length=14, blank=True)
    # The Caf that registered it: its agents see it before its first convention is signed.
    registered_by = models.ForeignKey(
        Caf, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="enregistrée par"
    )

    class Meta:
        verbose_name = "organisation partenaire"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["siret"], condition=~Q(siret=""), name="organisation_siret_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """An online service a convention opens (Cdap first)."""

    code = models.CharField("code", max_length=20, unique=True)
    label = models.CharField("libellé", max_length=120)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.label


# ---------------------------------------------------------------- the tab catalogue (data: data/tabs.toml)

TABS_FILE = Path(__file__).resolve().parent / "data" / "tabs.toml"
TABS_FORMAT = "portail-tabs/1"
TAB_CODE_RE = re.compile(r"^[a-z]{2,20}$")
FIELD_RE = re.compile(r"^[A-Z][A-Za-z]+\.[a-z_]+$")


@dataclass(frozen=True)
class TabSpec:
    """One tab of the catalogue: its stable code, label, template, the tabs a summary borrows from, and
    the fields (Model.field) it shows."""

    code: str
    label: str
    template: str
    summary_of: tuple[str, ...]
    fields: tuple[str, ...]


def parse_tab_catalogue(data: dict) -> tuple[tuple[TabSpec, ...], tuple[str, ...]]:
    """(tabs in display order, header fields); ValueError when the file breaks its schema."""
    if data.get("format") != TABS_FORMAT:
        raise ValueError(f"format: {TABS_FORMAT!r} expected")
    tabs = []
    for i, t in enumerate(data.get("tab") or []):
        if not {"code", "label", "template", "fields"} <= set(t) <= {"code", "label", "template", "fields",
                                                                       "summary_of"}:
            raise ValueError(f"tab[{i}]: code, label, template, fields (and summary_of) expected")
        if not (isinstance(t["code"], str) and TAB_CODE_RE.match(t["code"])):
            raise ValueError(f"tab[{i}].code: lower-case letters expected")
        if not (isinstance(t["label"], str) and t["label"].strip()):
            raise ValueError(f"tab[{i}].label: a label is expected")
        fields = t["fields"]
        if not (isinstance(fields, list) and all(isinstance(f, str) and FIELD_RE.match(f) for f in fields)):
            raise ValueError(f"tab[{i}].fields: a list of Model.field is expected")
        tabs.append(TabSpec(t["code"], t["label"], t["template"], tuple(t.get("summary_of", ())), tuple(fields)))
    codes = [t.code for t in tabs]
    if not codes or len(set(codes)) != len(codes):
        raise ValueError("tab: at least one tab, each code once")
    for t in tabs:
        if not set(t.summary_of) <= set(codes) - {t.code}:
            raise ValueError(f"tab {t.code}.summary_of: codes of other tabs expected")
    header = data.get("header", [])
    if not all(isinstance(f, str) and FIELD_RE.match(f) for f in header):
        raise ValueError("header: a list of Model.field is expected")
    return tuple(tabs), tuple(header)


def _load_tab_catalogue():
    with open(TABS_FILE, "rb") as fh:
        return parse_tab_catalogue(tomllib.load(fh))


TAB_CATALOGUE, TAB_HEADER_FIELDS = _load_tab_catalogue()
TAB_BY_CODE = {t.code: t for t in TAB_CATALOGUE}
# The tabs as choices (role catalogue forms, labels): codes and labels from the catalogue, in its order.
Tab = models.TextChoices("Tab", [(t.code.upper(), (t.code, t.label)) for t in TAB_CATALOGUE])
TAB_ORDER = [t.code for t in TAB_CATALOGUE]


class Role(models.Model):
    """A profile of the catalogue kept by the Caf (T1, T18…): data, not code."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="roles", verbose_name="service")
    code = models.CharField("code", max_length=10)
    label = models.CharField("libellé", max_length=120)
    tabs = models.JSONField("onglets", default=list, blank=True)
    can_print_attestation = models.BooleanField("peut éditer une attestation", default=False)
    can_post_attestation = models.BooleanField("peut demander l'envoi d'une attestation", default=False)
    can_write_dialogue = models.BooleanField("peut écrire à la Caf (Dialogue)", default=True)
    requires_caf_validation = models.BooleanField("validation Caf requise", default=False)

    class Meta:
        ordering = ["service__code", "code"]
        constraints = [models.UniqueConstraint(fields=["service", "code"], name="role_code_unique_per_service")]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class ConventionQuerySet(models.QuerySet):
    def open_on(self, day: date):
        """Conventions that grant rights on `day` (R1)."""
        return self.filter(open_on_q(day))


class Convention(models.Model):
    class Status(models.TextChoices):
        OPEN = "ouvert", "Ouvert"
        SUSPENDED = "suspendu", "Suspendu"
        CLOSED = "clos", "Clos"

    caf = models.ForeignKey(Caf, on_delete=models.PROTECT, related_name="conventions", verbose_name="Caf")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="conventions", verbose_name="organisation partenaire"
    )
    label = models.CharField("libellé", max_length=200)
    services = models.ManyToManyField(Service, related_name="conventions", verbose_name="services en ligne")
    opening_date = models.DateField("date d'ouverture")
    closing_date = models.DateField("date de clôture", null=True, blank=True)
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.OPEN)
    purposes = models.TextField(
        "finalités",
        blank=True,
        help_text="Les finalités pour lesquelles la consultation des dossiers est autorisée.",
    )
    administrators = models.ManyToManyField(
        "accounts.User", related_name="administered_conventions", blank=True, verbose_name="administrateurs"
    )
    # « Reprise de la gestion des habilitations » by the Caf: while set, the partner changes nothing.
    management_taken_back_at = models.DateTimeField("gestion reprise par la Caf le", null=True, blank=True)
    management_taken_back_reason = models.TextField("motif de la reprise de gestion", blank=True)
    management_taken_back_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ConventionQuerySet.as_manager()

    class Meta:
        ordering = ["caf__name", "label"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closing_date__isnull=True) | Q(closing_date__gte=models.F("opening_date")),
                name="convention_closing_after_opening",
            )
        ]
        indexes = [models.Index(fields=["caf", "status"]), models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return self.label

    def is_open_on(self, day: date) -> bool:
        return is_open_on(self, day)

    @property
    def is_open(self) -> bool:
        return self.is_open_on(today())

    @property
    def state_label(self) -> str:
        """« État »: whether the convention grants rights today, whatever its status says."""
        return "ouvert" if self.is_open else "fermé"
