"""Row counts of every table a text input may write to: a refusal must leave them all unchanged."""
from portail.accounts.models import User
from portail.dialogue.models import Answer, Message
from portail.habilitations.models import Group, GroupRole, Membership
from portail.journal.models import JournalEntry

MODELS = (User, Group, GroupRole, Membership, Message, Answer, JournalEntry)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def stored_within_limits(obj) -> list[str]:
    """Fields whose stored text breaks the model's own limits (what SQLite would silently keep)."""
    obj.refresh_from_db()
    wrong = []
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        if isinstance(value, str):
            if field.max_length and len(value) > field.max_length:
                wrong.append(f"{field.name}: {len(value)} > {field.max_length}")
            if "\x00" in value:
                wrong.append(f"{field.name}: NUL")
    return wrong
