from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "portail.home"
    label = "home"
