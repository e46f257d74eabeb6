"""Shared bits of « Supervision habilitations » and « Supervision modifier »: the scope of a page, the
chooser of conventions, filter forms and CSV responses."""
import csv
from itertools import islice
from types import SimpleNamespace

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from portail import access
from portail.core.paging import paginate


def convention_scope(view):
    """A page of one convention: 404 when the actor supervises nothing there."""

    @login_required
    def wrapper(request, convention_id, *args, **kwargs):
        return view(request, access.supervision_of_convention(request.user, convention_id), *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


def caf_scope(view):
    """The Caf-wide page: agents Caf and national administrators only (404 for anyone else)."""

    @login_required
    def wrapper(request, *args, **kwargs):
        scope = access.supervision_of_cafs(request.user, request.GET.get("caf"),
                                           convention_search=request.GET.get("convention", "").strip()[:100])
        return view(request, scope, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


class FilterForm(forms.Form):
    """A GET filter form (the DSFR rendering ties each error to its field: `<id>-desc-error`)."""


class CafWideForm(forms.Form):
    """The Caf-wide view's own filters: the convention (searched, never a long list) and, nationally, the Caf."""

    convention = forms.CharField(label="Convention (libellé contient)", required=False, max_length=100)
    caf = forms.ChoiceField(label="Caf", required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        cafs = list(access.cafs_to_choose(actor).values_list("pk", "name"))
        if cafs:
            self.fields["caf"].choices = [("", "Toutes les Caf")] + [(str(pk), name) for pk, name in cafs]
        else:
            del self.fields["caf"]


def filters_of(form: forms.Form) -> SimpleNamespace:
    """What includes/filters.html reads (the shape of a django-filter FilterSet)."""
    return SimpleNamespace(form=form, is_bound=form.is_bound and any(v for v in form.data.values()))


def scope_context(request, scope, title: str, page_name: str) -> dict:
    """Title, breadcrumb and the header of the scope."""
    home = reverse(f"supervision:{page_name}")
    here = scope.convention.label if scope.convention else "Toutes les conventions"
    return {"title": f"{title} — {here}", "page_title": title, "scope": scope, "convention": scope.convention,
            "breadcrumb": [{"title": title, "url": home}, {"title": here}]}


def chooser(request, *, page_name: str, title: str):
    """The landing page: a partner with one convention goes straight to it; others choose a convention
    (searched by libellé, paginated), and the Caf side may open the view of the whole Caf."""
    conventions = access.supervised_conventions(request.user)
    is_caf = access.may_supervise_cafs(request.user)
    if not is_caf:
        first_two = list(conventions.values_list("pk", flat=True)[:2])
        if not first_two:
            raise Http404
        if len(first_two) == 1:
            return redirect(f"supervision:{page_name}_convention", first_two[0])
    search = request.GET.get("q", "").strip()[:100]
    if search:
        conventions = conventions.filter(label__icontains=search)
    page = paginate(request, conventions.select_related("caf", "organisation").order_by("caf__name", "label"))
    return render(request, "supervision/habilitations_chooser.html", {
        "title": title, "page": page, "search": search, "is_caf": is_caf, "page_name": page_name,
        "convention_url": f"supervision:{page_name}_convention", "caf_url": f"supervision:{page_name}_caf",
        "breadcrumb": [{"title": title}],
    })


# ------------------------------------------------------------------------------------------ CSV

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
LINES_PER_CHUNK = 200  # lines per piece of a streamed CSV: one write per piece rather than per line
EXPORT_CHUNK = 2000  # rows per fetch of an export's server-side cursor


def _cell(value) -> str:
    """Text as a spreadsheet shows it, never as a formula it runs."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(DANGEROUS) else text


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    """A CSV for spreadsheets in French (semicolons, UTF-8 with BOM), streamed row by row."""
    writer = csv.writer(_Echo(), delimiter=";")

    def lines():
        yield "\ufeff" + writer.writerow(header)
        buffer = []
        for row in rows:
            buffer.append(writer.writerow([_cell(v) for v in row]))
            if len(buffer) == LINES_PER_CHUNK:
                yield "".join(buffer)
                buffer = []
        if buffer:
            yield "".join(buffer)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def batches(queryset, size: int = 1000):
    """The rows of `queryset` in lists of `size`, read by ONE query through a server-side cursor (PostgreSQL):
    slicing with OFFSET would sort the whole set again for every slice."""
    rows = queryset.iterator(chunk_size=size)
    while batch := list(islice(rows, size)):
        yield batch


def export_filters(form: forms.Form) -> dict:
    """The filters an export used, for its journal entry (text only)."""
    if not form.is_valid():
        return {}
    return {k: str(getattr(v, "pk", v)) for k, v in form.cleaned_data.items() if v not in (None, "")}
