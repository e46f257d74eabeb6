from portail.core.links import page_links

from .menu import menu_for


def portal(request):
    user = getattr(request, "user", None)
    if user is None:
        return {"portal_links": page_links()}
    return {"side_menu": menu_for(request) if user.is_authenticated else [], "portal_links": page_links()}
