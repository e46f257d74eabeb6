"""Caf back office: partner organisations, conventions, administrators, role catalogue."""
from django.urls import path

from .views import caf_administrators, caf_conventions, caf_organisations, caf_roles, caf_settings

app_name = "cafadmin"
urlpatterns = [
    path("conventions/", caf_conventions.convention_list, name="conventions"),
    path("conventions/<int:convention_id>/", caf_conventions.convention_detail, name="convention"),
    path("conventions/<int:convention_id>/modifier/", caf_conventions.convention_update, name="convention_update"),
    path("conventions/<int:convention_id>/suspendre/", caf_conventions.convention_status, {"move": "suspend"},
         name="convention_suspend"),
    path("conventions/<int:convention_id>/rouvrir/", caf_conventions.convention_status, {"move": "reopen"},
         name="convention_reopen"),
    path("conventions/<int:convention_id>/clore/", caf_conventions.convention_status, {"move": "close"},
         name="convention_close"),
    path("conventions/<int:convention_id>/administrateurs/nommer/", caf_administrators.administrator_name,
         name="administrator_name"),
    path("conventions/<int:convention_id>/administrateurs/creer/", caf_administrators.administrator_create,
         name="administrator_create"),
    path("conventions/<int:convention_id>/administrateurs/<int:user_id>/retirer/",
         caf_administrators.administrator_remove, name="administrator_remove"),
    path("organisations/", caf_organisations.organisation_list, name="organisations"),
    path("organisations/nouvelle/", caf_organisations.organisation_create, name="organisation_create"),
    path("organisations/<int:organisation_id>/", caf_organisations.organisation_detail, name="organisation"),
    path("organisations/<int:organisation_id>/modifier/", caf_organisations.organisation_update,
         name="organisation_update"),
    path("organisations/<int:organisation_id>/conventions/nouvelle/", caf_conventions.convention_create,
         name="convention_create"),
    path("roles/", caf_roles.role_list, name="roles"),
    path("roles/nouveau/", caf_roles.role_create, name="role_create"),
    path("roles/<int:role_id>/modifier/", caf_roles.role_update, name="role_update"),
    path("parametres/", caf_settings.settings_home, name="settings"),
    path("parametres/<int:caf_id>/", caf_settings.settings_of_caf, name="caf_settings"),
]
