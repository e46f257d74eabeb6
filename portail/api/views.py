"""The REST API under /api/v1/: the same access calls (the token's `Seat`) and the same services as the
screens, so it answers what they answer: 404 outside scope, 403 visible but not allowed, 422 a rule
refused the change (French message), nothing half-written. Every change is journaled by its service,
with {"via": "api", "token": <prefix>} in the entry's details; every refusal too (API_REFUSED)."""
from django.db.models import Prefetch
from django.http import JsonResponse
from django.utils.functional import cached_property
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from portail.access import Do, Seat, api_conventions, api_journal_entries, token_seat
from portail.accounts import services as account_services
from portail.accounts.models import User
from portail.conventions.models import Convention, Role
from portail.core.clock import today
from portail.core.errors import BusinessError
from portail.core.requests import client_ip
from portail.habilitations import services
from portail.habilitations.models import Group, GroupRole, Membership
from portail.journal import events
from portail.journal.models import JournalEntry

from . import filters, serializers as s
from .problems import CONTENT_TYPE, PROBLEM_TYPE_BASE, problem

NOT_AN_OBJECT = "Le corps de la requête doit être un objet JSON."
PROBLEM = OpenApiResponse(response=s.ProblemSerializer, description="Erreur (RFC 9457, application/problem+json).")


def errors(*codes) -> dict:
    return {(code, "application/problem+json"): PROBLEM for code in (400, 401, 404, 429, *codes)}


class TokenViewMixin:
    """What every endpoint shares: the token's seat, the parsed body, the journal's channel."""

    def dispatch(self, request, *args, **kwargs):
        # DRF puts the token's creator on the Django request; the session layers that run after the view must
        # still see who the session says (nobody): a token call opens no session and sets no cookie.
        session_user = request.user
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            request.user = session_user

    @property
    def token(self):
        return self.request.auth

    @cached_property
    def seat(self) -> Seat:
        return token_seat(self.token)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator, with no request nor token
            return self.queryset
        return self.scoped_queryset()

    @property
    def actor(self) -> User:
        return self.seat.actor

    @property
    def ip(self) -> str | None:
        return client_ip(self.request)

    def body(self, serializer_class, *, partial: bool = False) -> dict:
        """The request's JSON object, typed by `serializer_class` (400 with the fields' messages otherwise)."""
        if not isinstance(self.request.data, dict):
            raise ValidationError({"_": [NOT_AN_OBJECT]})
        serializer = serializer_class(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def via(self):
        return events.journal_via(via="api", token=self.token.prefix)

    def require_manage(self) -> None:
        if not self.seat.can_manage:
            raise PermissionDenied


# ---------------------------------------------------------------- conventions


@extend_schema_view(
    list=extend_schema(summary="La convention du jeton", responses={200: s.ConventionSerializer, **errors()}),
    retrieve=extend_schema(summary="Une convention (celle du jeton seulement)",
                           responses={200: s.ConventionSerializer, **errors()}),
)
class ConventionViewSet(TokenViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ConventionSerializer
    queryset = Convention.objects.none()  # the schema's model; requests use get_queryset
    pagination_class = None

    def scoped_queryset(self):
        return api_conventions(self.token).prefetch_related("services")


# ---------------------------------------------------------------- groups


def _with_roles(queryset):
    return queryset.prefetch_related(
        Prefetch("group_roles", queryset=GroupRole.objects.select_related("role__service").order_by("role__code"))
    )


@extend_schema_view(
    list=extend_schema(summary="Groupes de la convention", responses={200: s.GroupSerializer(many=True), **errors()}),
    retrieve=extend_schema(summary="Un groupe, ses rôles", responses={200: s.GroupSerializer, **errors()}),
    create=extend_schema(summary="Créer un groupe", request=s.GroupCreateSerializer,
                         responses={201: s.GroupSerializer, **errors(403, 422)}),
    partial_update=extend_schema(summary="Modifier un groupe", request=s.GroupUpdateSerializer,
                                 responses={200: s.GroupSerializer, **errors(403, 422)}),
)
class GroupViewSet(TokenViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.GroupSerializer
    queryset = Group.objects.none()
    filterset_class = filters.GroupFilter
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    def scoped_queryset(self):
        return _with_roles(self.seat.groups().order_by("path"))

    def get_object(self):
        group = self.seat.group(self.kwargs["pk"], Do.VIEW)
        return _with_roles(Group.objects.filter(pk=group.pk)).get()

    def _responsable(self, value):
        return None if value is None else self.seat.user(value, Do.VIEW)

    def _show(self, group, code=status.HTTP_200_OK):
        return Response(s.GroupSerializer(_with_roles(Group.objects.filter(pk=group.pk)).get()).data, status=code)

    def create(self, request):
        data = self.body(s.GroupCreateSerializer)
        self.require_manage()
        parent = data.get("parent")
        if parent is not None:
            parent = self.seat.group(parent, Do.MANAGE)
        elif not self.seat.may_create_top_group:
            raise PermissionDenied
        convention = self.seat.convention
        with self.via():
            group = services.group_create(
                actor=self.actor, convention=convention, code=data["code"], label=data["label"],
                opening_date=data.get("opening_date") or max(convention.opening_date, today()),
                closing_date=data.get("closing_date"), parent=parent,
                responsable=self._responsable(data.get("responsable")), ip=self.ip,
            )
        return self._show(group, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        data = self.body(s.GroupUpdateSerializer, partial=True)
        group = self.seat.group(pk, Do.MANAGE)
        responsable = self._responsable(data["responsable"]) if "responsable" in data else group.responsable
        with self.via():
            services.group_update(
                actor=self.actor, group=group, label=data.get("label", group.label),
                opening_date=data.get("opening_date", group.opening_date),
                closing_date=data.get("closing_date", group.closing_date), responsable=responsable, ip=self.ip,
            )
        return self._show(group)

    @extend_schema(summary="Clôturer un groupe (et donc son sous-arbre)", request=s.GroupCloseSerializer,
                   responses={200: s.GroupSerializer, **errors(403, 422)})
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def close(self, request, pk=None):
        data = self.body(s.GroupCloseSerializer)
        group = self.seat.group(pk, Do.ADMINISTER)
        with self.via():
            services.group_close(actor=self.actor, group=group, closing_date=data.get("closing_date") or today(),
                                 ip=self.ip)
        return self._show(group)

    @extend_schema(methods=["GET"], summary="Habilitations du groupe", request=None,
                   responses={200: s.GroupRoleSerializer(many=True), **errors()})
    @extend_schema(methods=["PUT"], summary="Fixer les rôles du groupe pour un service (R3)",
                   description="Le groupe détient désormais exactement `roles` pour `service`. Un sous-groupe ne "
                               "détient que des rôles de son parent direct ; un rôle « validation Caf requise » "
                               "reste en attente ; un retrait s'étend à tout le sous-arbre et demande "
                               "`confirm: true` (sinon 409, avec ce que le retrait emporte).",
                   request=s.GroupRolesSerializer, responses={200: s.GroupSerializer, **errors(403, 409, 422)})
    @action(detail=True, methods=["get", "put"], filter_backends=[], pagination_class=None)
    def roles(self, request, pk=None):
        if request.method == "GET":
            group = self.get_object()
            return Response(s.GroupRoleSerializer(group.group_roles.all(), many=True).data)
        data = self.body(s.GroupRolesSerializer)
        group = self.seat.group(pk, Do.ADMINISTER)
        service = self.seat.convention.services.filter(code=data["service"].upper()).first()
        if service is None:
            raise BusinessError("La convention n'ouvre pas ce service.", field="service")
        codes = {c.upper() for c in data["roles"]}
        roles = list(Role.objects.filter(service=service, code__in=codes))
        unknown = codes - {r.code.upper() for r in roles}
        if unknown:
            raise BusinessError(f"Rôle inconnu pour ce service : {', '.join(sorted(unknown))}.", field="roles")
        held = GroupRole.objects.filter(group=group, role__service=service).select_related("role")
        removed = [gr.role for gr in held if gr.role not in roles]
        if removed and not data["confirm"]:
            impacts = [services.role_removal_impact(group=group, role=r) for r in removed]
            return self._removal_to_confirm(request, impacts)
        with self.via():
            services.group_roles_set(actor=self.actor, group=group, service=service, roles=roles, ip=self.ip)
        return self._show(group)

    def _removal_to_confirm(self, request, impacts):
        parts = []
        for impact in impacts:
            below = ", ".join(g.code for g in impact.subgroups) or "aucun sous-groupe"
            parts.append(f"{impact.role.code} : {below} ; {impact.users_losing} utilisateur(s) le perdent")
        return problem(409, "Le retrait s'étend au sous-arbre du groupe — " + " ; ".join(parts)
                       + ". Renvoyez la requête avec « confirm »: true pour le confirmer.", instance=request.path,
                       errors={"confirm": ["Confirmation requise."]})


# ---------------------------------------------------------------- users


@extend_schema_view(
    list=extend_schema(summary="Utilisateurs de l'organisation partenaire",
                       responses={200: s.UserSerializer(many=True), **errors()}),
    retrieve=extend_schema(summary="Un utilisateur", responses={200: s.UserSerializer, **errors()}),
    create=extend_schema(summary="Créer un utilisateur (un lien d'activation lui est envoyé)",
                         request=s.UserCreateSerializer, responses={201: s.UserSerializer, **errors(403, 422)}),
    partial_update=extend_schema(
        summary="Modifier un utilisateur (R7b)",
        description="Seulement quand tous ses droits viennent de la convention. Une nouvelle adresse mail n'est "
                    "prise en compte qu'après sa confirmation (`pending_email`).",
        request=s.UserUpdateSerializer, responses={200: s.UserSerializer, **errors(403, 422)}),
)
class UserViewSet(TokenViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.UserSerializer
    queryset = User.objects.none()
    filterset_class = filters.UserFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _with_memberships(self, queryset):
        return queryset.prefetch_related(Prefetch(
            "memberships", to_attr="api_memberships",
            queryset=Membership.objects.filter(group__in=self.seat.groups()).select_related("group")
            .order_by("group__path"),
        ))

    def scoped_queryset(self):
        return self._with_memberships(self.seat.users().order_by("last_name", "first_name", "username"))

    def get_object(self):
        person = self.seat.user(self.kwargs["pk"], Do.VIEW)
        return self._with_memberships(User.objects.filter(pk=person.pk)).get()

    def _show(self, person, code=status.HTTP_200_OK):
        return Response(s.UserSerializer(self._with_memberships(User.objects.filter(pk=person.pk)).get()).data,
                        status=code)

    def create(self, request):
        data = self.body(s.UserCreateSerializer)
        self.require_manage()
        convention = self.seat.convention
        with self.via():
            person = account_services.user_create(
                actor=self.actor, organisation=convention.organisation, convention=convention, ip=self.ip,
                last_name=data["last_name"], first_name=data["first_name"], email=data["email"],
                phone=data.get("phone") or "", opening_date=data.get("opening_date"),
                closing_date=data.get("closing_date"), work_mode=data["work_mode"],
            )
        return self._show(person, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        data = self.body(s.UserUpdateSerializer, partial=True)
        person = self.seat.user(pk, Do.MANAGE)
        values = {f: data.get(f, getattr(person, f)) for f in
                  ("last_name", "first_name", "phone", "opening_date", "closing_date", "work_mode")}
        values["email"] = data.get("email", person.pending_email or person.email)
        with self.via():
            account_services.user_update(actor=self.actor, user=person, convention=self.seat.convention,
                                         ip=self.ip, **values)
        return self._show(person)

    @extend_schema(summary="Clôturer un utilisateur (jamais supprimé : son historique reste)", request=None,
                   responses={200: s.UserSerializer, **errors(403, 422)})
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def close(self, request, pk=None):
        person = self.seat.user(pk, Do.MANAGE)
        with self.via():
            account_services.user_close(actor=self.actor, user=person, convention=self.seat.convention, ip=self.ip)
        return self._show(person)


# ---------------------------------------------------------------- memberships


@extend_schema_view(
    list=extend_schema(summary="Appartenances aux groupes de la convention",
                       responses={200: s.MembershipSerializer(many=True), **errors()}),
    retrieve=extend_schema(summary="Une appartenance", responses={200: s.MembershipSerializer, **errors()}),
    create=extend_schema(summary="Ajouter un utilisateur à un groupe", request=s.MembershipCreateSerializer,
                         responses={201: s.MembershipSerializer, **errors(403, 422)}),
    partial_update=extend_schema(summary="Fixer ou retirer la date de fin d'une appartenance",
                                 request=s.MembershipUpdateSerializer,
                                 responses={200: s.MembershipSerializer, **errors(403, 422)}),
    destroy=extend_schema(summary="Retirer un utilisateur d'un groupe", responses={204: None, **errors(403)}),
)
class MembershipViewSet(TokenViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.MembershipSerializer
    queryset = Membership.objects.none()
    filterset_class = filters.MembershipFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self):
        return (Membership.objects.filter(group__in=self.seat.groups()).select_related("user", "group")
                .order_by("group__path", "user__username", "pk"))

    def _show(self, membership, code=status.HTTP_200_OK):
        row = Membership.objects.select_related("user", "group").get(pk=membership.pk)
        return Response(s.MembershipSerializer(row).data, status=code)

    def _enrolment(self, pk):
        """The membership, and the same two access calls as « Gérer l'appartenance »."""
        membership = self.get_object()
        person = self.seat.user(membership.user_id, Do.ENROL)
        group = self.seat.group(membership.group_id, Do.MANAGE)
        return membership, person, group

    def create(self, request):
        data = self.body(s.MembershipCreateSerializer)
        person = self.seat.user(data["user"], Do.ENROL)
        group = self.seat.group(data["group"], Do.MANAGE)
        with self.via():
            membership = services.membership_add(actor=self.actor, user=person, group=group,
                                                 ends_on=data.get("ends_on"), ip=self.ip)
        return self._show(membership, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        data = self.body(s.MembershipUpdateSerializer)
        membership, _, _ = self._enrolment(pk)
        with self.via():
            services.membership_set_end(actor=self.actor, membership=membership, ends_on=data["ends_on"], ip=self.ip)
        return self._show(membership)

    def destroy(self, request, pk=None):
        _, person, group = self._enrolment(pk)
        with self.via():
            services.membership_remove(actor=self.actor, user=person, group=group, ip=self.ip)
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- the journal


@extend_schema_view(list=extend_schema(
    summary="Journal de la convention",
    description="Les changements d'habilitations de la convention et les événements de l'API et des imports "
                "(pas les consultations de dossiers). Chaque lecture est elle-même journalisée.",
    responses={200: s.JournalEntrySerializer(many=True), **errors()},
))
class JournalViewSet(TokenViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.JournalEntrySerializer
    queryset = JournalEntry.objects.none()
    filterset_class = filters.JournalFilter

    def scoped_queryset(self):
        return api_journal_entries(self.token).order_by("-id")

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        chosen = {k: request.query_params.getlist(k) if k == "action" else request.query_params[k]
                  for k in ("action", "since", "until", "page", "page_size") if k in request.query_params}
        # R9: the read is journaled before the entries leave.
        events.api_journal_read(token=self.token, filters=chosen, rows=len(page), ip=self.ip)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def unknown_address(request):
    """Any other address under /api/v1/: a problem document, not the portal's HTML 404 page."""
    body = {"type": PROBLEM_TYPE_BASE + "introuvable", "title": "Ressource introuvable", "status": 404,
            "detail": "Cette adresse n'existe pas dans l'API (voir /api/v1/documentation/).", "instance": request.path}
    return JsonResponse(body, status=404, content_type=CONTENT_TYPE, json_dumps_params={"ensure_ascii": False})
