from django.urls import path

from . import sessions, views
from . import views_second_factor as second_factor

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("connexion/code/", second_factor.code_step, name="second_factor"),
    path("connexion/double-authentification/", second_factor.enrol, name="second_factor_enrol"),
    path("connexion/codes-de-secours/", second_factor.recovery_codes, name="recovery_codes"),
    path("confirmer-identite/", second_factor.reauth_view, name="reauth"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("activer/<uidb64>/<token>/", views.ActivateView.as_view(), name="activate"),
    path("mot-de-passe-oublie/", views.ForgottenPasswordView.as_view(), name="password_forgotten"),
    path("mot-de-passe-oublie/envoye/", views.ForgottenPasswordSentView.as_view(), name="password_forgotten_sent"),
    path("reinitialiser/<uidb64>/<token>/", views.ResetConfirmView.as_view(), name="password_reset_confirm"),
    path("confirmer-adresse/<str:token>/", views.email_confirm, name="email_confirm"),
    path("session/prolonger/", sessions.keep_alive, name="keep_alive"),
]
