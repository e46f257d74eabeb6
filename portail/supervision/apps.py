from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "portail.supervision"
    label = "supervision"
