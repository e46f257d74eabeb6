"""« Consulter documents » and the Caf's upload of a convention's documents."""
from django.urls import path

from .views import documents

app_name = "documents"
urlpatterns = [
    path("", documents.index, name="index"),
    path("conventions/<int:convention_id>/", documents.convention, name="convention"),
    path("conventions/<int:convention_id>/deposer/", documents.upload, name="upload"),
    path("<int:pk>/telecharger/", documents.download, name="download"),
]
