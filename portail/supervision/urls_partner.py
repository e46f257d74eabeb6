"""« Supervision habilitations » and « Supervision modifier », partner scope and whole Caf."""
from django.urls import path

from .views import partner_changes as changes
from .views import partner_habilitations as habilitations

app_name = "supervision"
urlpatterns = [
    path("habilitations/", habilitations.habilitations_home, name="habilitations"),
    path("habilitations/caf/", habilitations.habilitations_caf, name="habilitations_caf"),
    path("habilitations/caf/export.csv", habilitations.habilitations_caf_csv, name="habilitations_caf_csv"),
    path("habilitations/<int:convention_id>/", habilitations.habilitations_convention,
         name="habilitations_convention"),
    path("habilitations/<int:convention_id>/export.csv", habilitations.habilitations_convention_csv,
         name="habilitations_convention_csv"),
    path("modifications/", changes.changes_home, name="changes"),
    path("modifications/caf/", changes.changes_caf, name="changes_caf"),
    path("modifications/caf/export.csv", changes.changes_caf_csv, name="changes_caf_csv"),
    path("modifications/<int:convention_id>/", changes.changes_convention, name="changes_convention"),
    path("modifications/<int:convention_id>/export.csv", changes.changes_convention_csv,
         name="changes_convention_csv"),
]
