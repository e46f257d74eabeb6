"""« Consulter documents »: files the Caf puts at a convention's disposal."""
import uuid

from django.conf import settings
from django.db import models


def document_path(instance, filename: str) -> str:
    """A random stored name: the uploader's file name never becomes a path."""
    return f"documents/{instance.convention_id}/{uuid.uuid4().hex}.pdf"


class Document(models.Model):
    class Kind(models.TextChoices):
        CONVENTION = "convention", "Convention signée"
        SERVICE_CONTRACT = "contrat", "Contrat de service"
        GUIDE = "guide", "Guide"
        OTHER = "autre", "Autre document"

    convention = models.ForeignKey("conventions.Convention", on_delete=models.PROTECT, related_name="documents",
                                   db_index=False)
    kind = models.CharField("type de document", max_length=12, choices=Kind.choices)
    title = models.CharField("titre", max_length=150)
    file = models.FileField("fichier", upload_to=document_path)
    size = models.PositiveIntegerField("taille (octets)")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("déposé le")

    class Meta:
        verbose_name = "document de convention"
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["convention", "-uploaded_at"], name="document_convention_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def download_name(self) -> str:
        """The file name offered to the browser: the title, stripped to safe characters."""
        kept = "".join(ch if ch.isalnum() or ch in "-_ " else " " for ch in self.title)
        return ("-".join(kept.split()) or "document")[:80] + ".pdf"
