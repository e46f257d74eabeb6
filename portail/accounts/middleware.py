"""A password change required by the Caf (an immediate measure) comes before anything else."""
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.tokens import default_token_generator
from django.shortcuts import redirect
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


class PasswordChangeRequiredMiddleware:
    """A signed-in person whose account carries `must_change_password` is signed out and sent to choose a
    new password (the one-time link of « mot de passe oublié », made for him here); choosing it clears the
    flag (`User.set_password`), then he signs in again. Nothing else is reachable meanwhile."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            uid = urlsafe_base64_encode(force_bytes(user.pk))
            token = default_token_generator.make_token(user)
            logout(request)
            messages.warning(request, "La Caf demande que vous choisissiez un nouveau mot de passe avant de continuer.")
            return redirect("accounts:password_reset_confirm", uidb64=uid, token=token)
        return self.get_response(request)
