"""The left menu of the seed. An entry shows only when its page works and the person may use it."""
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    visible: Callable[[object], bool]


def _partner_manager(user) -> bool:
    from portail.habilitations.access import conventions_visible_to

    return conventions_visible_to(user).exists()


def _access():
    from portail.habilitations import access

    return access


ENTRIES: list[MenuEntry] = [
    MenuEntry("Accueil", "core:home", lambda user: True),
    MenuEntry("Consulter les conventions", "conventions:list", _partner_manager),
    MenuEntry("Consulter Dossiers", "dossiers:search", lambda user: bool(_access().cafs_for_consultation(user))),
    MenuEntry("Dialogue", "dialogue:mine", lambda user: _access().may_use_dialogue(user)),
    MenuEntry("Messages des partenaires", "dialogue:inbox", lambda user: _access().may_answer_dialogue(user)),
    MenuEntry("Attestations à envoyer", "dossiers:caf_attestations", lambda user: _access().may_send_attestations(user)),
    MenuEntry("Aide en ligne", "aide:index", lambda user: True),
]


def menu_for(user, path: str) -> list[dict]:
    if not user.is_authenticated:
        return []
    items = []
    for entry in ENTRIES:
        if entry.visible(user):
            link = reverse(entry.url_name)
            active = path == link if link == "/" else path.startswith(link)
            items.append({"label": entry.label, "link": link, "is_active": active})
    return items
