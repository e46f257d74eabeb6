"""The links every page's header and footer carry (base.html), reversed once per process, not on every page."""
from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse

PAGE_LINKS = {
    "home": "home:index", "account": "proconnect:account", "logout": "accounts:logout", "login": "accounts:login",
    "site_map": "pages:site_map", "accessibility": "pages:accessibility", "legal": "pages:legal",
    "personal_data": "pages:personal_data",
}


@lru_cache(maxsize=16)
def _page_links(urlconf, prefix: str) -> dict[str, str]:
    return {key: reverse(name, urlconf=urlconf) for key, name in PAGE_LINKS.items()}


def page_links() -> dict[str, str]:
    """For base.html as `portal_links` (the context processor gives it; pages rendered without a request too)."""
    return _page_links(get_urlconf(), get_script_prefix())
