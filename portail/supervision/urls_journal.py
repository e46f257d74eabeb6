"""Caf: the journal, its search and unusual use."""
from django.urls import path  # noqa: F401

app_name = "journal_caf"
urlpatterns = []
