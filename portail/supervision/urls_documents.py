"""« Consulter documents » and the Caf's upload of a convention's documents."""
from django.urls import path  # noqa: F401

app_name = "documents"
urlpatterns = []
