from django.urls import path

from .views import attestation, caf, dossier, search

app_name = "dossiers"
urlpatterns = [
    path("", search.search, name="search"),
    path("attestations/", search.attestation_requests, name="attestation_requests"),
    # Caf side (before the <caf_code>/<number>/ patterns, which would also match these paths)
    path("caf/attestations/", caf.caf_attestations, name="caf_attestations"),
    path("caf/attestations/<int:pk>/envoyee/", caf.caf_attestation_mark_sent, name="caf_attestation_mark_sent"),
    path("caf/attestations/<int:pk>/imprimer/", caf.caf_attestation_pdf, name="caf_attestation_pdf"),
    path("<str:caf_code>/<str:number>/", dossier.open_dossier, name="open"),
    path("<str:caf_code>/<str:number>/attestation/", attestation.attestation, name="attestation"),
    path("<str:caf_code>/<str:number>/attestation/pdf/", attestation.attestation_pdf, name="attestation_pdf"),
    path("<str:caf_code>/<str:number>/attestation/courrier/", attestation.attestation_post, name="attestation_post"),
    path("<str:caf_code>/<str:number>/<str:tab>/", dossier.tab, name="tab"),
]
