from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("activer/<uidb64>/<token>/", views.ActivateView.as_view(), name="activate"),
    path("mot-de-passe-oublie/", views.ForgottenPasswordView.as_view(), name="password_forgotten"),
    path("mot-de-passe-oublie/envoye/", views.ForgottenPasswordSentView.as_view(), name="password_forgotten_sent"),
    path("reinitialiser/<uidb64>/<token>/", views.ResetConfirmView.as_view(), name="password_reset_confirm"),
    path("confirmer-adresse/<str:token>/", views.email_confirm, name="email_confirm"),
]
