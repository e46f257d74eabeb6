"""Caf: the journal, its search and unusual use."""
from django.urls import path

from .views import journal

app_name = "journal_caf"
urlpatterns = [
    path("", journal.search, name="search"),
    path("export.csv", journal.export, name="export"),
    path("entree/<int:pk>/", journal.detail, name="detail"),
    path("verification/", journal.verification, name="verification"),
    path("usages-inhabituels/", journal.unusual, name="unusual"),
]
