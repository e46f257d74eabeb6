"""Caf: validation queue of pending roles and immediate measures."""
from django.urls import path  # noqa: F401

app_name = "mesures"
urlpatterns = []
