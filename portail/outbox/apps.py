from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "portail.outbox"
    verbose_name = "Mails à envoyer"
    default_auto_field = "django.db.models.BigAutoField"
