from django.apps import AppConfig


class ProConnectConfig(AppConfig):
    name = "portail.proconnect"
    label = "proconnect"
    verbose_name = "ProConnect"
