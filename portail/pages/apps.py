from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "portail.pages"
    label = "pages"
