from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "portail.api"
    label = "api"
    verbose_name = "API et jetons"

    def ready(self):
        from . import schema  # noqa: F401 - registers the OpenAPI description of the token scheme
