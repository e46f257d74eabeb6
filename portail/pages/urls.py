from django.urls import path

from . import views

app_name = "pages"
urlpatterns = [
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("donnees-personnelles/", views.personal_data, name="personal_data"),
    path("mentions-legales/", views.legal, name="legal"),
    path("plan-du-site/", views.site_map, name="site_map"),
]
