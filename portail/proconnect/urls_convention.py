from django.urls import path

from . import views_admin

app_name = "proconnect_admin"
urlpatterns = [
    path("utilisateurs/<int:user_id>/proconnect/", views_admin.user_proconnect, name="user_link"),
]
