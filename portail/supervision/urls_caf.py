"""Caf back office: partner organisations, conventions, administrators, role catalogue."""
from django.urls import path  # noqa: F401

app_name = "cafadmin"
urlpatterns = []
