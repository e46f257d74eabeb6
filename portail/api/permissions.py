from rest_framework.permissions import BasePermission

from .models import ApiToken


class TokenRequired(BasePermission):
    """Every endpoint needs a working API token (request.auth); its creator acts, within its convention."""

    message = "Un jeton d'API valide est requis (en-tête « Authorization: Bearer … »)."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiToken)
