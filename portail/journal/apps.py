from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "portail.journal"
    label = "journal"
