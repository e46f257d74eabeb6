from .menu import menu_for


def portal(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"side_menu": menu_for(request) if user.is_authenticated else []}
