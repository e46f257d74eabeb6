"""API tokens: an administrator's delegate for his convention's tools (REST API, SCIM provisioning).

A token is shown once; only the SHA-256 of its secret part is stored. Its visible `prefix` names it in
lists and in the journal. It acts as its creator, limited to its convention, and only while he is still
an open administrator of that convention (portail/api/tokens.py).
"""
from django.conf import settings
from django.db import models
from django.db.models import Q

from portail.core.clock import now


class Scope(models.TextChoices):
    API = "api", "API REST"
    SCIM = "scim", "Approvisionnement SCIM"


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        """Neither revoked nor expired (the creator's seat is checked when the token is used)."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now())


class ApiToken(models.Model):
    convention = models.ForeignKey(
        "conventions.Convention", on_delete=models.PROTECT, related_name="api_tokens", verbose_name="convention"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens", verbose_name="créé par"
    )
    name = models.CharField("nom", max_length=80)
    scopes = models.JSONField("portées", default=list)  # values of `Scope`
    prefix = models.CharField("préfixe", max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)  # hex SHA-256 of the secret part
    created_at = models.DateTimeField("créé le", default=now)
    expires_at = models.DateTimeField("expire le")
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="révoqué par",
    )
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="api_token_expires_after_creation"),
        ]
        indexes = [models.Index(fields=["convention", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.display_prefix})"

    @property
    def display_prefix(self) -> str:
        """What lists show: the start of the token as its owner pasted it."""
        return f"{TOKEN_MARK}{self.prefix}…"

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])

    @property
    def scope_labels(self) -> list[str]:
        return [Scope(s).label for s in self.scopes or [] if s in Scope.values]

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= now()

    @property
    def state_label(self) -> str:
        if self.is_revoked:
            return "révoqué"
        if self.is_expired:
            return "expiré"
        return "actif"


TOKEN_MARK = "ppt_"  # every token starts with it: easy to recognise in a leaked file or a secret scanner
