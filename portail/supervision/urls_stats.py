"""« Statistiques d'usage »."""
from django.urls import path

from .views import stats

app_name = "statistiques"
urlpatterns = [
    path("", stats.index, name="index"),
    path("export/<slug:table>.csv", stats.export, name="export"),
    path("conventions/<int:convention_id>/", stats.convention, name="convention"),
    path("conventions/<int:convention_id>/export/<slug:table>.csv", stats.convention_export,
         name="convention_export"),
]
