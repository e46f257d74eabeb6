from django.contrib.auth.backends import ModelBackend


class PortalBackend(ModelBackend):
    """Refuses a user who is closed, suspended or past his closing date (R4)."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and user.is_open
