"""Dialogue: a partner writes to the Caf about one dossier; Caf agents answer."""
import uuid

from django.conf import settings
from django.db import models


def attachment_path(instance, filename: str) -> str:
    """Stored under a random name: the sender's file name is kept apart, never used as a path."""
    return f"dialogue/{instance.caf_id}/{uuid.uuid4().hex}.pdf"


class Message(models.Model):
    class Status(models.TextChoices):
        NEW = "nouveau", "Nouveau"
        READ = "lu", "Lu"
        DONE = "traite", "Traité"

    caf = models.ForeignKey("conventions.Caf", on_delete=models.PROTECT, related_name="dialogue_messages")
    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="dialogue_messages", db_index=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="dialogue_messages", db_index=False
    )
    organisation = models.ForeignKey(
        "conventions.Organisation", on_delete=models.PROTECT, related_name="dialogue_messages"
    )
    subject = models.CharField("objet", max_length=150)
    body = models.TextField("message")
    attachment = models.FileField("pièce jointe", upload_to=attachment_path, blank=True)
    attachment_name = models.CharField("nom de la pièce jointe", max_length=120, blank=True)
    attachment_size = models.PositiveIntegerField(default=0)
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField("envoyé le")
    read_at = models.DateTimeField("lu le", null=True, blank=True)
    done_at = models.DateTimeField("traité le", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "message Dialogue"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The Caf inbox, filtered by status, newest first.
            models.Index(fields=["caf", "status", "-created_at"], name="dialogue_inbox_idx"),
            # The partner's own list.
            models.Index(fields=["author", "-created_at"], name="dialogue_author_idx"),
            models.Index(fields=["dossier", "-created_at"], name="dialogue_dossier_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.dossier_id})"


class Answer(models.Model):
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="answers", db_index=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField("réponse")
    created_at = models.DateTimeField("répondu le")

    class Meta:
        verbose_name = "réponse Dialogue"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["message", "created_at"], name="dialogue_answer_idx")]

    def __str__(self) -> str:
        return f"Réponse au message {self.message_id}"
