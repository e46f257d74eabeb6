from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portail.core.paging import paginate
from portail.access import conventions_visible_to

from .filters import ConventionFilter


@login_required
def convention_list(request):
    """« Consulter les conventions »."""
    queryset = (
        conventions_visible_to(request.user)
        .select_related("caf", "organisation")
        .prefetch_related("services")
        .order_by("caf__name", "label")
    )
    filters = ConventionFilter(request.GET or None, queryset=queryset)
    page = paginate(request, filters.qs)
    return render(
        request,
        "conventions/list.html",
        {"title": "Consulter les conventions", "filter": filters, "page": page,
         "breadcrumb": [{"title": "Conventions"}, {"title": "Consulter les conventions"}]},
    )
