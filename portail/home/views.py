from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .menu import menu_for


@login_required
def home(request):
    entries = [e for e in menu_for(request) if e["link"] != "/"]
    return render(request, "home/home.html", {"title": "Bienvenue", "entries": entries})
