from django.urls import path

app_name = "aide"
urlpatterns: list = []
