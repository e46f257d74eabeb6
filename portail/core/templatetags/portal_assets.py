"""The DSFR's asset tags, rendered once per process: the same bytes on every page (no user text in them),
so each page does not render three templates and resolve a dozen static paths again."""
from functools import lru_cache

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from dsfr.templatetags import dsfr_tags

register = template.Library()


def _key() -> tuple:
    return settings.STATIC_URL, repr(settings.STORAGES.get("staticfiles"))


@lru_cache(maxsize=8)
def _head(key: tuple) -> str:
    return (render_to_string("dsfr/global_css.html", dsfr_tags.dsfr_css())
            + render_to_string("dsfr/favicon.html", dsfr_tags.dsfr_favicon() or {})
            + format_html('<link rel="stylesheet" href="{}">', static("core/portail.css")))


@lru_cache(maxsize=8)
def _body(key: tuple) -> str:
    return render_to_string("dsfr/global_js.html", dsfr_tags.dsfr_js({}))


@lru_cache(maxsize=256)
def _asset(key: tuple, path: str) -> str:
    return static(path)


@register.simple_tag
def asset(path: str) -> str:
    """`{% static path %}` resolved once per process: the storage's URL of one of the portal's own files (the
    template escapes it, as `static` is)."""
    return _asset(_key(), path)


@register.simple_tag
def portal_head_assets() -> str:
    """`{% dsfr_css %}{% dsfr_favicon %}` and the portal's own style sheet."""
    return mark_safe(_head(_key()))  # noqa: S308 (our templates and static paths only)


@register.simple_tag
def portal_body_assets() -> str:
    """`{% dsfr_js %}` (no nonce: the CSP allows the portal's own scripts by origin)."""
    return mark_safe(_body(_key()))  # noqa: S308
