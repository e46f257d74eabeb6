"""A <select> that stays fast with thousands of options (the groups of a large convention, the staff
of a large partner): the same markup as Django's Select, the options built in Python instead of one
template include per option."""
from django import forms
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe


def _attrs_html(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: False drops the attribute, True writes its bare name."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{conditional_escape(value)}"')
    return "".join(parts)


class ScalableSelect(forms.Select):
    template_name = "habilitations/widgets/select.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chunks = []
        for group_name, options, _ in context["widget"]["optgroups"]:
            rendered = format_html_join(
                "\n  ", '<option value="{}"{}>{}</option>',
                ((str(o["value"]), mark_safe(_attrs_html(o["attrs"])), o["label"]) for o in options),
            )
            chunks.append(format_html('<optgroup label="{}">\n  {}\n  </optgroup>', group_name, rendered)
                          if group_name else rendered)
        context["widget"]["options_html"] = mark_safe("\n  ".join(chunks))
        return context
