from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string

from .links import page_links


def page_not_found(request, exception=None):
    return render(request, "404.html", {"title": "Page introuvable"}, status=404)


def permission_denied(request, exception=None):
    return render(request, "403.html", {"title": "Accès refusé"}, status=403)


def bad_request(request, exception=None):
    return render(request, "400.html", {"title": "Requête incorrecte"}, status=400)


def server_error(request):
    # No request context: the failure may come from the database the menu would query.
    return HttpResponseServerError(render_to_string("500.html", {"title": "Erreur", "portal_links": page_links()}))
