from django.apps import AppConfig


class ScimConfig(AppConfig):
    name = "portail.scim"
    label = "scim"
    verbose_name = "Approvisionnement SCIM"
