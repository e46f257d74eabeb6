"""The left menu of the seed. An entry shows only when its page works and the person may use it."""
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from portail import access
from portail.core.links import cached_reverse


class Viewer:
    """The person the menu is built for. The costly facts come from `access`, which answers each once per
    request: the consultation Cafs the page's own service already computed, « sees a convention »."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def consultation_cafs(self) -> list:
        return access.cafs_for_consultation(self.user)

    @cached_property
    def supervises(self) -> bool:
        return access.may_supervise(self.user)


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    visible: Callable[[Viewer], bool]


ENTRIES: list[MenuEntry] = [
    MenuEntry("Accueil", "home:index", lambda v: True),
    MenuEntry("Consulter les conventions", "conventions:list", lambda v: access.sees_a_convention(v.user)),
    MenuEntry("Consulter Dossiers", "dossiers:search", lambda v: bool(v.consultation_cafs)),
    MenuEntry("Dialogue", "dialogue:mine", lambda v: access.may_use_dialogue(v.user, v.consultation_cafs)),
    MenuEntry("Messages des partenaires", "dialogue:inbox", lambda v: access.may_answer_dialogue(v.user)),
    MenuEntry("Attestations à envoyer", "dossiers:caf_attestations", lambda v: access.may_send_attestations(v.user)),
    MenuEntry("Organisations et conventions", "cafadmin:conventions", lambda v: access.is_caf_side(v.user)),
    MenuEntry("Catalogue des rôles", "cafadmin:roles", lambda v: access.may_read_role_catalogue(v.user)),
    MenuEntry("Paramètres de la Caf", "cafadmin:settings", lambda v: access.may_edit_caf_settings(v.user)),
    MenuEntry("Supervision habilitations", "supervision:habilitations", lambda v: v.supervises),
    MenuEntry("Supervision modifier", "supervision:changes", lambda v: v.supervises),
    MenuEntry("Consulter documents", "documents:index", lambda v: access.may_consult_documents(v.user)),
    MenuEntry("Statistiques d'usage", "statistiques:index", lambda v: access.may_see_usage(v.user)),
    MenuEntry("Validation des rôles", "mesures:validation", lambda v: access.may_take_measures(v.user)),
    MenuEntry("Mesures", "mesures:index", lambda v: access.may_take_measures(v.user)),
    MenuEntry("Journal", "journal_caf:search", lambda v: access.may_take_measures(v.user)),
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
                link = cached_reverse(entry.url_name)
                active = request.path == link if link == "/" else request.path.startswith(link)
                items.append({"label": entry.label, "link": link, "is_active": active})
        # One current page only: the longest matching link (/caf/mesures/validation/ beats /caf/mesures/).
        current = max((i for i in items if i["is_active"]), key=lambda i: len(i["link"]), default=None)
        for item in items:
            item["is_active"] = item is current
    request._portal_menu = items
    return items
