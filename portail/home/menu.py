"""The left menu of the seed. An entry shows only when its page works and the person may use it."""
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.urls import reverse

from portail import access


class Viewer:
    """The person the menu is built for, with the one costly fact several entries need computed once."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def consultation_cafs(self) -> list:
        return access.cafs_for_consultation(self.user)


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    visible: Callable[[Viewer], bool]


ENTRIES: list[MenuEntry] = [
    MenuEntry("Accueil", "home:index", lambda v: True),
    MenuEntry("Consulter les conventions", "conventions:list",
              lambda v: access.conventions_visible_to(v.user).exists()),
    MenuEntry("Consulter Dossiers", "dossiers:search", lambda v: bool(v.consultation_cafs)),
    MenuEntry("Dialogue", "dialogue:mine", lambda v: access.may_use_dialogue(v.user, v.consultation_cafs)),
    MenuEntry("Messages des partenaires", "dialogue:inbox", lambda v: access.may_answer_dialogue(v.user)),
    MenuEntry("Attestations à envoyer", "dossiers:caf_attestations", lambda v: access.may_send_attestations(v.user)),
    MenuEntry("Aide en ligne", "aide:index", lambda v: True),
]


def menu_for(request) -> list[dict]:
    """The entries for this request's user, built once per request (the home page reuses them)."""
    cached = getattr(request, "_portal_menu", None)
    if cached is not None:
        return cached
    user = request.user
    items = []
    if user.is_authenticated:
        viewer = Viewer(user)
        for entry in ENTRIES:
            if entry.visible(viewer):
                link = reverse(entry.url_name)
                active = request.path == link if link == "/" else request.path.startswith(link)
                items.append({"label": entry.label, "link": link, "is_active": active})
    request._portal_menu = items
    return items
