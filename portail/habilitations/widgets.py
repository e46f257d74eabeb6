"""A <select> that stays fast with thousands of options (the groups of a large convention, the staff
of a large partner): the same markup as Django's Select, the options built in Python instead of one
template include per option."""
from django import forms
from django.db.models import Q
from django.forms.models import ModelChoiceIterator
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from dsfr.forms import DsfrBoundField


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


# ---------------------------------------------------------------- search instead of a long list
# Above SELECT_LIMIT scoped choices, a <select> is unusable (and slow to render): the field becomes a search
# box (a GET « Rechercher » step, no JavaScript) followed by radio buttons for at most RESULTS_LIMIT matches.
# The POSTed value keeps the field's name and is validated against the same scoped queryset as before.
SELECT_LIMIT = 200
RESULTS_LIMIT = 20
SEARCH_FORM_ID = "pp-recherche"


class _FetchedRows(ModelChoiceIterator):
    """Options from the rows the field fetched once: the `required` check and the rendering share one query."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.scoped_rows():
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.scoped_rows()) + (self.field.empty_label is not None)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.scoped_rows())


def _as_pk(value):
    value = getattr(value, "pk", value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class SearchableBoundField(DsfrBoundField):
    @property
    def template_name(self):
        if self.field.searchable:
            return "habilitations/widgets/search_field.html"
        return super().template_name

    @property
    def search_name(self) -> str:
        return f"{self.html_name}_recherche"

    @property
    def search_term(self) -> str:
        return (getattr(self.form, "search", None) or {}).get(self.search_name, "").strip()[:100]

    @property
    def search_form_id(self) -> str:
        return SEARCH_FORM_ID

    @cached_property
    def _found(self) -> tuple[list, bool]:
        return self.field.search(self.search_term, _as_pk(self.value()))

    @property
    def results(self) -> list[dict]:
        selected = _as_pk(self.value())
        return [{"value": obj.pk, "label": self.field.label_from_instance(obj), "checked": obj.pk == selected,
                 "id": f"{self.auto_id}_{i}"} for i, obj in enumerate(self._found[0])]

    @property
    def more_results(self) -> bool:
        return self._found[1]

    @property
    def nothing_selected(self) -> bool:
        return _as_pk(self.value()) is None


class SearchableChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField shown as a <select> up to SELECT_LIMIT choices, as a search above."""

    widget = ScalableSelect
    iterator = _FetchedRows
    bound_field_class = SearchableBoundField
    search_lookups: tuple[str, ...] = ()
    search_label = "Rechercher"
    search_hint = ""
    blank_choice = ""  # a radio for « none » when the field is optional and choosing nobody means something

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)
        self._rows = None

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def scoped_rows(self) -> list:
        if self._rows is None:
            self._rows = list(self.queryset[:SELECT_LIMIT + 1])
        return self._rows

    @property
    def searchable(self) -> bool:
        return len(self.scoped_rows()) > SELECT_LIMIT

    def search(self, term: str, selected: int | None) -> tuple[list, bool]:
        """The chosen row (kept across a failed submit) then at most RESULTS_LIMIT matches, all in scope."""
        rows = list(self.queryset.filter(pk=selected)) if selected is not None else []
        more = False
        if term:
            match = Q()
            for lookup in self.search_lookups:
                match |= Q(**{f"{lookup}__icontains": term})
            found = list(self.queryset.filter(match).exclude(pk__in=[r.pk for r in rows])[:RESULTS_LIMIT + 1])
            more = len(found) > RESULTS_LIMIT
            rows += found[:RESULTS_LIMIT]
        return rows, more
