"""What a SCIM client knows of a person or a group of one convention, beyond the portal's own fields.

`userName` is the portal identifier (generated, R4); the client's own id goes in `externalId`, the name it
proposed as `userName` at creation is kept as an alias (`user_name`) so a client matching on it finds the
person again; `employee_number` is the enterprise extension's `employeeNumber`. A resource deleted through
SCIM is closed in the portal (history kept, R4) and answers 404 to SCIM afterwards (`deleted_at`).
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class ScimIdentity(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scim_identities")
    convention = models.ForeignKey("conventions.Convention", on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField("identifiant chez le client", max_length=255, blank=True)
    user_name = models.CharField("userName proposé par le client", max_length=255, blank=True)
    employee_number = models.CharField("matricule", max_length=64, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "identité SCIM"
        constraints = [
            models.UniqueConstraint(fields=["user", "convention"], name="scim_identity_unique"),
            models.UniqueConstraint(fields=["convention", "external_id"], condition=~Q(external_id=""),
                                    name="scim_identity_external_id_unique"),
            models.UniqueConstraint(Lower("user_name"), "convention", condition=~Q(user_name=""),
                                    name="scim_identity_user_name_unique"),
        ]


class ScimGroupLink(models.Model):
    group = models.OneToOneField("habilitations.Group", on_delete=models.PROTECT, related_name="scim")
    convention = models.ForeignKey("conventions.Convention", on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField("identifiant chez le client", max_length=255, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "groupe SCIM"
        constraints = [
            models.UniqueConstraint(fields=["convention", "external_id"], condition=~Q(external_id=""),
                                    name="scim_group_external_id_unique"),
        ]
