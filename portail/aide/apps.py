from django.apps import AppConfig


class AideConfig(AppConfig):
    name = "portail.aide"
    label = "aide"
