"""Password rules beyond Django's (length, common list): no single pattern, no personal data, no reuse."""
import re
import unicodedata

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError

from .models import PasswordHistory

# Sequences people type as "random": alphabet, digits, keyboard rows (AZERTY and QWERTY).
SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "azertyuiopqsdfghjklmwxcvbn",
    "qwertyuiopasdfghjklzxcvbnm",
    "azertyuiop", "qsdfghjklm", "wxcvbn", "qwertyuiop", "asdfghjkl", "zxcvbnm",
)


def normalize(text: str) -> str:
    """Lower case, accents removed: « Éloïse » and « eloise » are the same word here."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _is_repetition(text: str) -> bool:
    """`aaaa`, `abcabcabc`, `1212121`: one short unit repeated (a partial unit may end it)."""
    return any(all(text[i] == text[i % size] for i in range(len(text))) for size in range(1, len(text) // 2 + 1))


def _is_constant_step(text: str) -> bool:
    """`abcdef`, `fedcba`, `13579`: each character one fixed step from the previous one."""
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:])}
    return len(steps) == 1 and abs(next(iter(steps))) <= 2


def _is_along_a_sequence(text: str) -> bool:
    """A run along a known sequence, wrapping around (`7890123456`, `azertyuiopqs`), either way."""
    for sequence in SEQUENCES:
        looped = sequence * (len(text) // len(sequence) + 2)
        if text in looped or text[::-1] in looped:
            return True
    return False


def is_single_pattern(password: str) -> bool:
    text = normalize(password)
    if len(text) < 2:
        return True
    return _is_repetition(text) or _is_constant_step(text) or _is_along_a_sequence(text)


class SinglePatternValidator:
    def validate(self, password, user=None):
        if is_single_pattern(password):
            raise ValidationError(
                "Ce mot de passe est une simple répétition ou une suite (comme « aaaa », « abcabc », « 123456 » "
                "ou « azerty ») : il se devine trop facilement.",
                code="password_single_pattern",
            )

    def get_help_text(self):
        return "Votre mot de passe ne peut pas être une simple répétition ni une suite de caractères."


class PersonalDataValidator:
    """Refuses a password containing the user's last name, first name or identifier, whatever the case and accents."""

    min_part = 3

    def _parts(self, user) -> set[str]:
        parts = set()
        for value in (getattr(user, "last_name", ""), getattr(user, "first_name", ""), getattr(user, "username", "")):
            text = normalize(value)
            if len(text) >= self.min_part:
                parts.add(re.sub(r"[\W_]+", "", text))
            parts.update(p for p in re.split(r"[\W_]+", text) if len(p) >= self.min_part)
        return {p for p in parts if len(p) >= self.min_part}

    def validate(self, password, user=None):
        if user is None:
            return
        text = normalize(password)
        squeezed = re.sub(r"[\W_]+", "", text)
        if any(part in text or part in squeezed for part in self._parts(user)):
            raise ValidationError(
                "Ce mot de passe ne doit contenir ni votre nom, ni votre prénom, ni votre identifiant.",
                code="password_personal_data",
            )

    def get_help_text(self):
        return "Votre mot de passe ne peut pas contenir votre nom, votre prénom ni votre identifiant."


class PasswordHistoryValidator:
    """Refuses the current password and the previous ones (`count` in all); remembers each new one."""

    def __init__(self, count: int = 5):
        self.count = count

    def _recent_hashes(self, user) -> list[str]:
        # The newest entry is the current password; user.password is checked too for accounts
        # whose password was set before this history existed.
        hashes = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[: self.count])
        if user.password and user.has_usable_password():
            hashes.append(user.password)
        return hashes

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        if any(check_password(password, encoded) for encoded in self._recent_hashes(user)):
            raise ValidationError(
                f"Ce mot de passe a déjà été utilisé : choisissez-en un différent de vos {self.count} derniers.",
                code="password_reused",
            )

    def password_changed(self, password, user=None):
        if user is None or user.pk is None:
            return
        PasswordHistory.objects.create(user=user, password=make_password(password))
        stale = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[self.count:]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self):
        return f"Votre mot de passe doit être différent de vos {self.count} derniers."
