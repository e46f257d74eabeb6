"""The pending import: what a preview showed, kept until its owner confirms it (or it expires)."""
import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import models

from portail.core.clock import now

PENDING_FOR = timedelta(minutes=30)


def content_digest(rows: list, plan: list) -> str:
    """SHA-256 of the parsed lines and of the preview shown: confirming checks the stored row is unchanged."""
    text = json.dumps({"rows": rows, "plan": plan}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class PendingImport(models.Model):
    """One uploaded file of users between its preview and « Confirmer l'import ».

    Owned by the person who uploaded it (nobody else may see or confirm it), for one convention; `rows` are
    the file's lines as read, `plan` what the preview showed line by line; `digest` seals both. Confirmed
    once (`state`), and not after `expires_at`."""

    class State(models.TextChoices):
        PENDING = "attente", "En attente de confirmation"
        APPLIED = "applique", "Appliqué"
        REFUSED = "refuse", "Refusé"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    convention = models.ForeignKey("conventions.Convention", on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField("fichier", max_length=200)
    file_sha256 = models.CharField(max_length=64)
    rows = models.JSONField(default=list)
    plan = models.JSONField(default=list)
    digest = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField()

    class Meta:
        app_label = "habilitations"
        verbose_name = "import d'utilisateurs en attente"
        indexes = [models.Index(fields=["owner", "expires_at"])]

    def save(self, *args, **kwargs):
        if self.expires_at is None:
            self.expires_at = (self.created_at or now()) + PENDING_FOR
        super().save(*args, **kwargs)

    @property
    def expired(self) -> bool:
        return self.expires_at <= now()

    @property
    def sealed(self) -> bool:
        return self.digest == content_digest(self.rows, self.plan)
