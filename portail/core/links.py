"""URLs without arguments, reversed once per process (per URLconf and script prefix), not on every page: the
links every page's header and footer carry (base.html), the menu's, the session timer's."""
from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse

PAGE_LINKS = {
    "home": "home:index", "account": "proconnect:account", "logout": "accounts:logout", "login": "accounts:login",
    "site_map": "pages:site_map", "accessibility": "pages:accessibility", "legal": "pages:legal",
    "personal_data": "pages:personal_data",
}


@lru_cache(maxsize=256)
def _reverse(name: str, urlconf, prefix: str) -> str:
    return reverse(name, urlconf=urlconf)


def cached_reverse(name: str) -> str:
    """`reverse(name)` for a URL that takes no argument."""
    return _reverse(name, get_urlconf(), get_script_prefix())


def page_links() -> dict[str, str]:
    """For base.html as `portal_links` (the context processor gives it; pages rendered without a request too)."""
    return {key: cached_reverse(name) for key, name in PAGE_LINKS.items()}
