"""« Statistiques d'usage »."""
from django.urls import path  # noqa: F401

app_name = "statistiques"
urlpatterns = []
