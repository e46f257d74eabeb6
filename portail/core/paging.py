from django.core.paginator import Paginator

PAGE_SIZE = 50


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """One page of a list: lists never load a whole table."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
