from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "portail.dossiers"
    label = "dossiers"
