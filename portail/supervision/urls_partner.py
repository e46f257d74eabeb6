"""« Supervision habilitations » and « Supervision modifier », partner scope and whole Caf."""
from django.urls import path  # noqa: F401

app_name = "supervision"
urlpatterns = []
