from django.urls import include, path

urlpatterns = [
    path("", include("portail.home.urls")),
    path("compte/", include("portail.accounts.urls")),
    path("conventions/", include("portail.conventions.urls")),
    path("conventions/<int:convention_id>/", include("portail.habilitations.urls")),
    path("dossiers/", include("portail.dossiers.urls")),
    path("dialogue/", include("portail.dialogue.urls")),
    path("aide/", include("portail.aide.urls")),
]

handler400 = "portail.core.views.bad_request"
handler403 = "portail.core.views.permission_denied"
handler404 = "portail.core.views.page_not_found"
handler500 = "portail.core.views.server_error"
