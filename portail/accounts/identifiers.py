"""Generated user identifiers: 4 letters + 4 digits (AAAA0001, …, AAAA9999, AAAB0001…), never reused."""
import string

from django.db import transaction

from .models import IdentifierCounter, User

LETTERS = string.ascii_uppercase
PER_PREFIX = 9999


def format_identifier(value: int) -> str:
    """The `value`-th identifier, counting from 1."""
    prefix_index, number = divmod(value - 1, PER_PREFIX)
    letters = ""
    for _ in range(4):
        prefix_index, letter = divmod(prefix_index, 26)
        letters = LETTERS[letter] + letters
    if prefix_index:
        raise OverflowError("plus d'identifiant disponible")
    return f"{letters}{number + 1:04d}"


def next_identifier() -> str:
    """Take the next free identifier; call inside the creating transaction."""
    with transaction.atomic():
        counter, _ = IdentifierCounter.objects.select_for_update().get_or_create(pk=1)
        while True:
            counter.last_value += 1
            candidate = format_identifier(counter.last_value)
            # Accounts created by hand (demo, superuser) may already hold a value: skip it.
            if not User.objects.filter(username=candidate).exists():
                break
        counter.save(update_fields=["last_value"])
        return candidate
