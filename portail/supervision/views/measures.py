"""Caf: « Validation des rôles » (the queue of roles « validation Caf requise ») and « Mesures » (suspend or
reinstate a person, a group or a convention, require a new password, take back a convention's management)."""
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.timezone import localtime

from portail import access
from portail.access.measures import (conventions_under_measures_of, groups_under_measures_of,
                                     users_under_measures_of)
from portail.accounts.models import User
from portail.conventions.models import Convention
from portail.conventions.services import convention_set_status
from portail.core.decorators import allowed_if
from portail.core.errors import BusinessError, report_to_form
from portail.core.paging import paginate
from portail.core.requests import client_ip
from portail.habilitations import services as habilitations_services
from portail.habilitations.models import Group

from .. import services_measures
from .measures_forms import DecisionForm, FindForm, MeasureForm

caf_side = allowed_if(access.may_take_measures)
QUEUE_TITLE = "Validation des rôles"
MEASURES_TITLE = "Mesures"
FOUND_MAX = 20
IN_FORCE_MAX = 50


# ---------------------------------------------------------------- validation queue


@caf_side
def validation(request):
    pending = (access.pending_roles_visible_to(request.user)
               .select_related("group", "group__convention", "group__convention__organisation", "role",
                               "role__service", "granted_by")
               .order_by("granted_at", "pk"))
    return render(request, "supervision/validation_list.html", {
        "title": QUEUE_TITLE, "page": paginate(request, pending, 25), "breadcrumb": [{"title": QUEUE_TITLE}],
    })


@caf_side
def validation_decide(request, pk: int):
    grant = access.access_group_role(request.user, pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        service = habilitations_services.group_role_approve if approve else habilitations_services.group_role_refuse
        try:
            service(actor=request.user, grant=grant, reason=form.cleaned_data["reason"], ip=client_ip(request))
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, format_html(
                "Le rôle {} du groupe {} ({}) est {}.", grant.role.code, grant.group.code, grant.group.convention.label,
                "validé : il est effectif dès maintenant" if approve else "refusé : le partenaire voit le motif"))
            return redirect("mesures:validation")
    group = grant.group
    return render(request, "supervision/validation_decide.html", {
        "title": f"Demande du rôle {grant.role.code} pour le groupe {group.code}",
        "grant": grant, "form": form,
        "ancestors": Group.objects.filter(pk__in=group.ancestor_ids).order_by("level"),
        "breadcrumb": [{"title": QUEUE_TITLE, "url": reverse("mesures:validation")}, {"title": f"{group.code} — {grant.role.code}"}],
    })


# ---------------------------------------------------------------- « Mesures »: find, and the measures in force


def _found(user, kind: str, text: str):
    if kind == "user":
        return users_under_measures_of(user).filter(
            Q(username__iexact=text) | Q(last_name__icontains=text) | Q(first_name__icontains=text)
        ).select_related("organisation").order_by("last_name", "first_name", "pk")
    if kind == "group":
        return groups_under_measures_of(user).filter(Q(code__iexact=text) | Q(label__icontains=text)).select_related(
            "convention").order_by("convention__label", "path")
    return conventions_under_measures_of(user).filter(label__icontains=text).select_related(
        "organisation").order_by("label", "pk")


@caf_side
def index(request):
    user = request.user
    form = FindForm(request.GET or None)
    found = None
    if form.is_bound and form.is_valid():
        found = list(_found(user, form.cleaned_data["kind"], form.cleaned_data["q"])[:FOUND_MAX + 1])
    in_force = [
        ("Comptes suspendus", "user", users_under_measures_of(user).filter(status=User.Status.SUSPENDED)
         .select_related("organisation").order_by("last_name", "pk")),
        ("Changement de mot de passe exigé", "user", users_under_measures_of(user).filter(must_change_password=True)
         .select_related("organisation").order_by("last_name", "pk")),
        ("Groupes suspendus", "group", groups_under_measures_of(user).filter(status=Group.Status.SUSPENDED)
         .select_related("convention").order_by("convention__label", "path")),
        ("Conventions suspendues", "convention", conventions_under_measures_of(user)
         .filter(status=Convention.Status.SUSPENDED).select_related("organisation").order_by("label")),
        ("Gestion des habilitations reprise par la Caf", "convention", conventions_under_measures_of(user)
         .filter(management_taken_back_at__isnull=False).select_related("organisation").order_by("label")),
    ]
    lists = [{"title": title, "kind": kind, "rows": list(qs[:IN_FORCE_MAX]), "total": qs.count()}
             for title, kind, qs in in_force]
    return render(request, "supervision/measures_index.html", {
        "title": MEASURES_TITLE, "form": form, "found": found, "found_max": FOUND_MAX,
        "kind": form.cleaned_data.get("kind") if found is not None else None, "lists": lists,
        "breadcrumb": [{"title": MEASURES_TITLE}],
    })


# ---------------------------------------------------------------- one target: its state and the measures it allows


def _act(request, moves: dict[str, str], run, page: dict):
    """Show the target and its measures; on POST run the chosen one (`run(move, reason)`), then come back."""
    form = MeasureForm(request.POST or None, moves=moves)
    if request.method == "POST" and form.is_valid():
        move = form.cleaned_data["move"]
        try:
            run(move, form.cleaned_data["reason"])
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, format_html("Mesure enregistrée : {}.", moves[move].lower()))
            return redirect(request.path)
    return render(request, "supervision/measures_target.html", {
        **page, "form": form, "moves": moves,
        "breadcrumb": [{"title": MEASURES_TITLE, "url": reverse("mesures:index")}, {"title": page["title"]}],
    })


@caf_side
def user_measures(request, pk: int):
    person = access.access_measure_user(request.user, pk)
    moves = {"reinstate": "Rétablir le compte"} if person.status == User.Status.SUSPENDED else (
        {"suspend": "Suspendre le compte"} if person.status == User.Status.OPEN else {})
    moves.update({"cancel_password": "Annuler l'exigence de nouveau mot de passe"} if person.must_change_password
                 else {"require_password": "Exiger un nouveau mot de passe à la prochaine connexion"})
    ip = client_ip(request)

    def run(move, reason):
        if move in ("suspend", "reinstate"):
            services_measures.user_set_suspension(actor=request.user, user=person, move=move, reason=reason, ip=ip)
        else:
            services_measures.user_set_password_change(actor=request.user, user=person,
                                                       required=move == "require_password", reason=reason, ip=ip)

    facts = [("Identifiant", person.username), ("Nom", person.get_full_name()),
             ("Organisation partenaire", person.organisation.name), ("Statut", person.get_status_display()),
             ("Nouveau mot de passe exigé", "oui" if person.must_change_password else "non")]
    return _act(request, moves, run, {"title": f"Mesures sur le compte {person.username}", "facts": facts,
                                      "journal_filter": {"username": person.username}})


@caf_side
def group_measures(request, pk: int):
    group = access.access_measure_group(request.user, pk)
    moves = {"reinstate": "Rétablir le groupe"} if group.status == Group.Status.SUSPENDED else (
        {"suspend": "Suspendre le groupe"} if group.status == Group.Status.OPEN else {})

    def run(move, reason):
        habilitations_services.group_set_suspension(actor=request.user, group=group, move=move, reason=reason,
                                                    ip=client_ip(request))

    facts = [("Code", group.code), ("Libellé", group.label), ("Convention", group.convention.label),
             ("Niveau", group.level_label), ("Statut", group.get_status_display())]
    return _act(request, moves, run, {
        "title": f"Mesures sur le groupe {group.code}", "facts": facts,
        "notice": "Un groupe suspendu ne donne plus aucun droit, ni à ses membres ni à ceux de ses sous-groupes, "
                  "jusqu'à ce qu'il soit rétabli.",
        "journal_filter": {"convention": group.convention_id}})


@caf_side
def convention_measures(request, pk: int):
    convention = access.access_measure_convention(request.user, pk)
    moves = {}
    if convention.status == Convention.Status.OPEN:
        moves["suspend"] = "Suspendre la convention"
    elif convention.status == Convention.Status.SUSPENDED:
        moves["reopen"] = "Rouvrir la convention"
    if convention.management_taken_back_at:
        moves["give_back"] = "Rendre la gestion des habilitations au partenaire"
    else:
        moves["take_back"] = "Reprendre la gestion des habilitations"
    ip = client_ip(request)

    def run(move, reason):
        if move in ("suspend", "reopen"):
            convention_set_status(actor=request.user, convention=convention, move=move, reason=reason, ip=ip)
        else:
            services_measures.convention_set_management(actor=request.user, convention=convention,
                                                        take_back=move == "take_back", reason=reason, ip=ip)

    taken = convention.management_taken_back_at
    facts = [("Libellé", convention.label), ("Organisation partenaire", convention.organisation.name),
             ("Caf", convention.caf.name), ("Statut", convention.get_status_display()),
             ("Gestion des habilitations",
              format_html("reprise par la Caf le {} : {}", f"{localtime(taken):%d/%m/%Y}", convention.management_taken_back_reason)
              if taken else "par le partenaire")]
    return _act(request, moves, run, {
        "title": f"Mesures sur la convention {convention.label}", "facts": facts,
        "notice": "Tant que la Caf a repris la gestion des habilitations, les administrateurs et responsables de la "
                  "convention consultent leurs pages mais ne peuvent plus rien modifier ; ils voient le motif.",
        "journal_filter": {"convention": convention.pk}})
