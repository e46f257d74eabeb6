"""The mail outbox: each mail is a row written in the transaction that causes it, the source of truth
for what is still to send. The task queue only wakes the sender up; losing a task loses no mail."""
from django.db import models


class Mail(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "À envoyer"
        SENT = "sent", "Envoyé"
        FAILED = "failed", "Abandonné après plusieurs essais"

    # What the mail is about (activation, password_reset, dormancy_warning…), for figures and tests.
    kind = models.CharField("nature", max_length=40)
    # Mails that must go once whatever happens (lifecycle warnings) carry a key; a second one is refused.
    key = models.CharField("clé d'unicité", max_length=200, null=True, blank=True, unique=True)
    to = models.EmailField("destinataire", max_length=254)
    subject = models.CharField("objet", max_length=255)
    body = models.TextField("texte")
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("essais", default=0)
    created_at = models.DateTimeField("créé le")
    next_try_at = models.DateTimeField("prochain essai")
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    last_error = models.TextField("dernière erreur", blank=True)

    class Meta:
        verbose_name = "mail"
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_try_at"], name="outbox_mail_due")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to} ({self.get_status_display()})"
