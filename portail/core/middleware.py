"""HTTP headers shared by every page."""
from django.db import DatabaseError
from django.utils.cache import patch_cache_control

# Pages of these URL namespaces carry credentials or one-time links even before login.
PRIVATE_NAMESPACES = frozenset({"accounts"})


class NoStoreMiddleware:
    """`Cache-Control: private, no-store` on every response that may hold personal data.

    A shared computer's browser cache or a proxy must never keep a dossier, a list of staff or a
    login form: every response to a signed-in user, and the sign-in pages, are marked so. A view
    that set its own Cache-Control keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control") and self._is_private(request):
            patch_cache_control(response, private=True, no_store=True)
        return response

    @staticmethod
    def _is_private(request) -> bool:
        match = getattr(request, "resolver_match", None)
        if match is not None and PRIVATE_NAMESPACES.intersection(match.namespaces):
            return True
        user = getattr(request, "user", None)
        if user is None:
            return False
        try:
            return user.is_authenticated
        except DatabaseError:
            return True  # the session cannot be read: assume it is someone's
