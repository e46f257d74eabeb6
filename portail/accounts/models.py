from datetime import date

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac

from portail.core.clock import today
from portail.core.periods import is_open_on


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username, password=None, **fields):
        user = self.model(username=username, **fields)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, username, password=None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("last_name", "Administrateur")
        fields.setdefault("first_name", "Technique")
        return self.create_user(username, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: a partner's staff member (organisation set) or a Caf agent (caf set)."""

    class Status(models.TextChoices):
        OPEN = "ouvert", "Ouvert"
        SUSPENDED = "suspendu", "Suspendu"
        CLOSED = "clos", "Clos"

    class WorkMode(models.TextChoices):
        SEDENTARY = "sedentaire", "Sédentaire (possède un poste de travail fixe)"
        ITINERANT = "itinerant", "Itinérant (sans poste de travail fixe)"

    username = models.CharField("identifiant", max_length=20, unique=True)
    last_name = models.CharField("nom", max_length=100)
    first_name = models.CharField("prénoms", max_length=150)
    email = models.EmailField("adresse mail")
    # A new address waits here until its owner opens the confirmation link (R7b).
    pending_email = models.EmailField("nouvelle adresse mail à confirmer", blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    organisation = models.ForeignKey(
        "conventions.Organisation",
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        verbose_name="organisation partenaire",
    )
    caf = models.ForeignKey(
        "conventions.Caf",
        on_delete=models.PROTECT,
        related_name="agents",
        null=True,
        blank=True,
        verbose_name="Caf (agent Caf)",
    )
    opening_date = models.DateField("date d'ouverture", default=today)
    closing_date = models.DateField("date de clôture", null=True, blank=True)
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.OPEN)
    work_mode = models.CharField("mode de travail", max_length=12, choices=WorkMode.choices, default=WorkMode.SEDENTARY)
    # An agent of the national level (Cnaf): supervises every Caf, belongs to none.
    is_national_admin = models.BooleanField("administrateur national", default=False)
    # Immediate measures of the Caf: a new password before anything else; every session ended at once
    # (the version is part of the session's auth hash, checked by Django on each request).
    must_change_password = models.BooleanField("changement de mot de passe exigé", default=False)
    session_version = models.PositiveIntegerField(default=0, editable=False)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(auto_now_add=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = "utilisateur"
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closing_date__isnull=True) | Q(closing_date__gte=models.F("opening_date")),
                name="user_closing_after_opening",
            ),
            models.CheckConstraint(
                condition=~(Q(organisation__isnull=False) & Q(caf__isnull=False)),
                name="user_partner_or_caf_agent",
            ),
            models.CheckConstraint(
                condition=Q(is_national_admin=False) | (Q(organisation__isnull=True) & Q(caf__isnull=True)),
                name="user_national_admin_outside_any_caf",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "last_name"]),
            # The order of the lists of people (« Supervision habilitations » sorts every member of a convention
            # by name): PostgreSQL walks it and stops after a page instead of sorting all of them.
            models.Index(fields=["last_name", "first_name", "username"], name="user_name_order"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.username})"

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name

    def _get_session_auth_hash(self, secret=None):
        """Django's hash of the password, salted with `session_version` once a measure bumped it: raising
        the version ends every session of the user at his next request (sessions of version 0 stay valid)."""
        if not self.session_version:
            return super()._get_session_auth_hash(secret=secret)
        key_salt = "portail.accounts.User.session_auth_hash"
        return salted_hmac(key_salt, f"{self.password}:{self.session_version}", secret=secret,
                           algorithm="sha256").hexdigest()

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.must_change_password = False  # chosen: the Caf's demand is met

    @property
    def is_caf_agent(self) -> bool:
        return self.caf_id is not None

    def is_open_on(self, day: date) -> bool:
        """R4: a closed, suspended or expired user can neither log in nor hold a right."""
        return self.is_active and is_open_on(self, day)

    @property
    def is_open(self) -> bool:
        return self.is_open_on(today())


class IdentifierCounter(models.Model):
    """Single-row counter behind generated identifiers: it only moves forward, so none is reused."""

    last_value = models.PositiveBigIntegerField(default=0)


class PasswordHistory(models.Model):
    """Hashes of a user's recent passwords, so none of the last few is chosen again."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]


class Lockout(models.Model):
    """One lockout of an identifier; the number of recent ones makes the next cool-off longer."""

    username = models.CharField(max_length=255)
    locked_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["username", "locked_at"])]
