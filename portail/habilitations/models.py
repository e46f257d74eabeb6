from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from portail.core.clock import today
from portail.core.periods import is_open_on, open_on_q

MAX_DEPTH = 6


class GroupQuerySet(models.QuerySet):
    def subtree_of(self, group: "Group"):
        """The group and all its descendants: one indexed prefix query on the materialised path."""
        return self.filter(convention_id=group.convention_id, path__startswith=group.path)

    def open_on(self, day: date):
        return self.filter(open_on_q(day))


class Group(models.Model):
    """A group or sub-group of a convention (R2).

    `path` is the materialised path of ids ("/12/45/") so a subtree is one `startswith`
    query and the ancestors are known without recursion.
    """

    class Status(models.TextChoices):
        OPEN = "ouvert", "Ouvert"
        SUSPENDED = "suspendu", "Suspendu"  # by the Caf (an immediate measure), reversible
        CLOSED = "clos", "Clos"

    convention = models.ForeignKey(
        "conventions.Convention", on_delete=models.PROTECT, related_name="groups", verbose_name="convention"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="children", null=True, blank=True, verbose_name="groupe parent"
    )
    code = models.CharField("code", max_length=20)
    label = models.CharField("libellé", max_length=120)
    level = models.PositiveSmallIntegerField("niveau", default=1)
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    opening_date = models.DateField("date d'ouverture", default=today)
    closing_date = models.DateField("date de clôture", null=True, blank=True)
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.OPEN)
    responsable = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="responsible_groups",
        null=True,
        blank=True,
        verbose_name="responsable des habilitations",
    )

    objects = GroupQuerySet.as_manager()

    class Meta:
        verbose_name = "groupe"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "code"], name="group_code_unique_per_convention"),
            models.CheckConstraint(
                condition=Q(closing_date__isnull=True) | Q(closing_date__gte=models.F("opening_date")),
                name="group_closing_after_opening",
            ),
            models.CheckConstraint(condition=Q(level__gte=1) & Q(level__lte=MAX_DEPTH), name="group_level_range"),
        ]
        indexes = [models.Index(fields=["convention", "path"])]

    def __str__(self) -> str:
        return f"{self.code} — {self.label}"

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]

    def is_open_on(self, day: date) -> bool:
        """Open by itself; closed ancestors are checked by the access module (R2)."""
        return is_open_on(self, day)

    @property
    def is_open(self) -> bool:
        return self.is_open_on(today())

    @property
    def level_label(self) -> str:
        return "groupe principal" if self.level == 1 else str(self.level)


class GroupRole(models.Model):
    """A role held by a group (« habilitations du groupe », R3)."""

    class State(models.TextChoices):
        ACTIVE = "actif", "Actif"
        PENDING = "attente", "En attente de validation Caf"
        REFUSED = "refuse", "Refusé par la Caf"  # kept so the partner reads the reason; grants nothing

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="group_roles")
    role = models.ForeignKey("conventions.Role", on_delete=models.PROTECT, related_name="group_roles")
    state = models.CharField("état", max_length=10, choices=State.choices, default=State.ACTIVE)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)
    # The Caf's decision on a role « validation Caf requise »: who, when, and why (required to refuse).
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField("motif de la décision de la Caf", blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "role"], name="group_role_unique")]
        indexes = [models.Index(fields=["role", "state"])]

    def __str__(self) -> str:
        return f"{self.group.code}: {self.role.code}"


class Membership(models.Model):
    """A user in a group (R5)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    added_at = models.DateTimeField(auto_now_add=True)
    # A temporary member (a replacement, an intern): the last day the membership grants anything.
    ends_on = models.DateField("date de fin", null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "group"], name="membership_unique")]
        indexes = [models.Index(fields=["group", "user"])]

    def __str__(self) -> str:
        return f"{self.user.username} ∈ {self.group.code}"


from .bulk.models import PendingImport  # noqa: E402,F401  (the pending import of a bulk file, same app)
