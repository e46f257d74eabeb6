"""Shared bits of the Caf back office pages (organisations, conventions, administrators, role catalogue)."""
from django.urls import reverse

from portail import access
from portail.core.decorators import allowed_if

# Every back office page: a Caf agent or a national administrator; anyone else finds nothing here (404).
caf_side = allowed_if(access.is_caf_side)

CONVENTIONS_CRUMB = {"title": "Organisations et conventions"}


def crumbs(*items: dict) -> list[dict]:
    return [{"title": "Organisations et conventions", "url": reverse("cafadmin:conventions")}, *items]


def convention_crumbs(convention, *items: dict) -> list[dict]:
    return crumbs({"title": convention.label, "url": reverse("cafadmin:convention", args=[convention.pk])}, *items)


def single_caf(user):
    """The Caf an agent acts for; None for a national administrator (who chooses it in the form)."""
    cafs = list(access.supervised_cafs(user))
    return cafs[0] if len(cafs) == 1 else None
