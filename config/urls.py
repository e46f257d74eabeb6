from django.urls import include, path

urlpatterns = [
    path("", include("portail.home.urls")),
    path("compte/", include("portail.accounts.urls")),
    path("conventions/", include("portail.conventions.urls")),
    path("conventions/<int:convention_id>/", include("portail.habilitations.urls")),
    path("dossiers/", include("portail.dossiers.urls")),
    path("verifier-une-attestation/", include("portail.dossiers.urls_public")),
    path("dialogue/", include("portail.dialogue.urls")),
    path("aide/", include("portail.aide.urls")),
    path("", include("portail.pages.urls")),
    path("supervision/", include("portail.supervision.urls_partner")),
    path("statistiques/", include("portail.supervision.urls_stats")),
    path("documents/", include("portail.supervision.urls_documents")),
    path("caf/", include("portail.supervision.urls_caf")),
    path("caf/mesures/", include("portail.supervision.urls_measures")),
    path("caf/journal/", include("portail.supervision.urls_journal")),
    path("api/v1/", include("portail.api.urls")),
    path("conventions/<int:convention_id>/jetons-api/", include("portail.api.urls_screens")),
    path("scim/v2/<int:convention_id>/", include("portail.scim.urls")),
    path("", include("portail.proconnect.urls")),
    path("conventions/<int:convention_id>/", include("portail.proconnect.urls_convention")),
]

handler400 = "portail.core.views.bad_request"
handler403 = "portail.core.views.permission_denied"
handler404 = "portail.core.views.page_not_found"
handler500 = "portail.core.views.server_error"
