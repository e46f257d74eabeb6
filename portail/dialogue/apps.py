from django.apps import AppConfig


class DialogueConfig(AppConfig):
    name = "portail.dialogue"
    label = "dialogue"
