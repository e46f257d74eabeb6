"""Caf: validation queue of pending roles and immediate measures."""
from django.urls import path

from .views import measures

app_name = "mesures"
urlpatterns = [
    path("", measures.index, name="index"),
    path("validation/", measures.validation, name="validation"),
    path("validation/<int:pk>/", measures.validation_decide, name="validation_decide"),
    path("utilisateur/<int:pk>/", measures.user_measures, name="user"),
    path("groupe/<int:pk>/", measures.group_measures, name="group"),
    path("convention/<int:pk>/", measures.convention_measures, name="convention"),
]
