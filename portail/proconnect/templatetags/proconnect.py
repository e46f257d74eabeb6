from django import template

from portail.proconnect import client

register = template.Library()


@register.inclusion_tag("proconnect/_button.html", takes_context=True)
def proconnect_button(context):
    """The ProConnect button of the login page (nothing when ProConnect is not configured)."""
    return {"enabled": client.enabled(), "csrf_token": context.get("csrf_token"), "next": context.get("next", "")}
