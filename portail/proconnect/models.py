from django.conf import settings
from django.db import models


class ProConnectLink(models.Model):
    """A ProConnect identity (issuer and `sub`) tied to one existing portal user, who confirmed it once
    while signed in. No identity signs in without one; a user has at most one."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proconnect_link",
                                verbose_name="utilisateur")
    issuer = models.CharField("fournisseur d'identité", max_length=255)
    subject = models.CharField("identifiant ProConnect (sub)", max_length=255)
    email = models.EmailField("adresse mail ProConnect au moment du lien", blank=True)
    linked_at = models.DateTimeField("lié le", auto_now_add=True)
    last_used_at = models.DateTimeField("dernière connexion", null=True, blank=True)

    class Meta:
        verbose_name = "identité ProConnect liée"
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="proconnect_identity_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} ← {self.subject}"
