from django.urls import path

app_name = "habilitations"
urlpatterns: list = []
