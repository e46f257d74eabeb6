from django.apps import AppConfig


class ConventionsConfig(AppConfig):
    name = "portail.conventions"
    label = "conventions"
