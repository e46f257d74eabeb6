"""The footer's pages: accessibility statement, personal data, mentions légales, and the site map
(the second way to navigate, RGAA 12.1). Public: they are read before signing in too."""
from django.shortcuts import render
from django.urls import reverse

from portail.home.menu import menu_for

# The last RGAA audit (27 page states): what the statement publishes.
AUDIT = {"criteria_met": 54, "criteria_applicable": 59, "rate": "91,5", "page_states": 27}


def _page(request, template: str, title: str, **extra):
    return render(request, template, {"title": title, "breadcrumb": [{"title": title}], **extra})


def accessibility(request):
    return _page(request, "pages/accessibility.html", "Déclaration d'accessibilité", audit=AUDIT)


def personal_data(request):
    return _page(request, "pages/personal_data.html", "Données personnelles")


def legal(request):
    return _page(request, "pages/legal.html", "Mentions légales")


def site_map(request):
    """The pages this person may open from the menu (the same access predicates), then the public ones."""
    public = [
        {"label": "Plan du site", "link": reverse("pages:site_map")},
        {"label": "Déclaration d'accessibilité", "link": reverse("pages:accessibility")},
        {"label": "Mentions légales", "link": reverse("pages:legal")},
        {"label": "Données personnelles", "link": reverse("pages:personal_data")},
    ]
    account = []
    if not request.user.is_authenticated:
        account = [{"label": "Se connecter", "link": reverse("accounts:login")},
                   {"label": "Mot de passe oublié", "link": reverse("accounts:password_forgotten")}]
    return _page(request, "pages/site_map.html", "Plan du site", entries=menu_for(request), public=public,
                 account=account)
