"""« Paramètres de la Caf »: its postal address and signatory (printed on its attestations) and the second
factor it asks of every user of its conventions. An agent edits his own Caf's; a national administrator first
chooses the Caf."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from portail import access
from portail.conventions import services
from portail.conventions.forms import CafFilter, CafSettingsForm
from portail.core.decorators import allowed_if
from portail.core.errors import BusinessError, report_to_form
from portail.core.paging import paginate
from portail.core.requests import client_ip

from .caf_common import single_caf

caf_settings_page = allowed_if(access.may_edit_caf_settings)

TITLE = "Paramètres de la Caf"


@require_http_methods(["GET", "POST"])
@caf_settings_page
def settings_home(request):
    """An agent: his Caf's form at once. A national administrator: the list of Cafs to choose from."""
    caf = single_caf(request.user)
    if caf is not None and not request.user.is_national_admin:
        return _settings_form(request, caf)
    if request.method == "POST":
        return redirect("cafadmin:settings")
    filters = CafFilter(request.GET or None, queryset=access.supervised_cafs(request.user).order_by("name", "pk"))
    return render(request, "supervision/caf_settings_choose.html", {
        "title": TITLE, "filter": filters, "page": paginate(request, filters.qs),
        "breadcrumb": [{"title": TITLE}],
    })


@require_http_methods(["GET", "POST"])
@caf_settings_page
def settings_of_caf(request, caf_id):
    return _settings_form(request, access.access_caf_settings(request.user, caf_id))


def _settings_form(request, caf):
    form = CafSettingsForm(request.POST or None, initial=CafSettingsForm.initial_for(caf))
    if request.method == "POST" and form.is_valid():
        try:
            services.caf_settings_update(actor=request.user, caf=caf, ip=client_ip(request), **form.cleaned_data)
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, format_html("Les paramètres de la {} sont enregistrés.", caf.name))
            return redirect(request.path)
    chooser = request.user.is_national_admin
    return render(request, "supervision/caf_settings.html", {
        "title": f"{TITLE} — {caf.name}", "caf": caf, "form": form, "national": chooser,
        "breadcrumb": ([{"title": TITLE, "url": reverse("cafadmin:settings")}, {"title": caf.name}] if chooser
                       else [{"title": TITLE}]),
    })
