from django.urls import path

from . import views

app_name = "proconnect"
urlpatterns = [
    path("mon-compte/", views.account, name="account"),
    path("mon-compte/proconnect/lier/", views.link_start, name="link_start"),
    path("mon-compte/proconnect/confirmer/", views.link_confirm, name="link_confirm"),
    path("mon-compte/proconnect/retirer/", views.unlink_self, name="unlink"),
    path("proconnect/connexion/", views.login_start, name="login_start"),
    path("proconnect/retour/", views.callback, name="callback"),
    path("proconnect/deconnexion/", views.logged_out, name="logged_out"),
]
