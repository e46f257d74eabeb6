"""/api/v1/: the REST API (token only), its OpenAPI 3 schema and its documentation page."""
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from . import docs, views

app_name = "api"

router = SimpleRouter()
router.register("conventions", views.ConventionViewSet, basename="conventions")
router.register("groups", views.GroupViewSet, basename="groups")
router.register("users", views.UserViewSet, basename="users")
router.register("memberships", views.MembershipViewSet, basename="memberships")
router.register("journal", views.JournalViewSet, basename="journal")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]), name="schema"),
    path("documentation/", docs.documentation, name="docs"),
    path("", include(router.urls)),
    re_path(r"^.*$", views.unknown_address, name="unknown"),  # last: any other address under /api/v1/
]
