from django.urls import path

from . import screens

app_name = "api_tokens"
urlpatterns = [
    path("", screens.token_list, name="list"),
    path("creer/", screens.token_create, name="create"),
    path("<int:token_id>/revoquer/", screens.token_revoke, name="revoke"),
]
