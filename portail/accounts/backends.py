from django.contrib.auth.backends import ModelBackend

from portail.core.compiled import CompiledQuery

from .models import User

# Every signed-in page reads its user by id: compiled once (portail/core/compiled.py).
USER_BY_ID = CompiledQuery(lambda pk: User._default_manager.filter(pk=pk).order_by(), int)


class PortalBackend(ModelBackend):
    """Refuses a user who is closed, suspended or past his closing date (R4)."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and user.is_open

    def get_user(self, user_id):
        if type(user_id) is not int:
            return super().get_user(user_id)
        user = USER_BY_ID.first(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
