from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from portail.core.forms import PortalForm

from .pages import all_pages, by_section, get_page
from .search import search


class SearchForm(PortalForm):
    q = forms.CharField(label="Rechercher dans l'aide", max_length=100, required=False)


@login_required
def index(request):
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    pages = all_pages()
    context = {
        "title": "Aide en ligne",
        "form": form,
        "query": query,
        "breadcrumb": [{"title": "Aide en ligne"}],
    }
    if query:
        context["results"] = search(pages, query)
    else:
        context["sections"] = by_section(pages)
    return render(request, "aide/index.html", context)


@login_required
def page(request, slug: str):
    help_page = get_page(slug)
    siblings = [p for p in all_pages() if p.section == help_page.section]
    context = {
        "title": help_page.title,
        "page": help_page,
        "siblings": siblings,
        "breadcrumb": [{"title": "Aide en ligne", "url": reverse("aide:index")}, {"title": help_page.title}],
    }
    return render(request, "aide/page.html", context)
