"""Logout through ProConnect, and the provider's origin in the pages' `form-action`.

- A person signed in through ProConnect who clicks « Se déconnecter » is signed out here (the accounts
  view does it and journals it), then sent to the provider's end-session endpoint with his ID token,
  so his ProConnect session ends too; the provider brings him back to « proconnect:logged_out ».
- The sign-in and logout buttons are forms whose answer redirects to the provider: the page's Content
  Security Policy lets forms lead there (`form-action`), and nowhere else.
"""
from django.shortcuts import redirect
from django.urls import reverse

from . import client


class ProConnectMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        end_url = None
        if (request.method == "POST" and request.path == reverse("accounts:logout")
                and request.user.is_authenticated and request.session.get(client.ID_TOKEN_KEY)):
            end_url = client.logout_url(request)
        response = self.get_response(request)
        if end_url and response.status_code == 302 and not request.user.is_authenticated:
            request.session[client.LOGOUT_STATE_KEY] = request.proconnect_logout_state
            response = redirect(end_url)
        if client.enabled() and response.get("Content-Type", "").startswith("text/html"):
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), *client.provider_origins()]
            response._csp_update = update
        return response
