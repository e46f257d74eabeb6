"""SCIM 2.0 endpoints of one convention (RFC 7644): /scim/v2/<convention id>/…

Each request carries `Authorization: Bearer <token>`, an API token with the « scim » scope of that very
convention (portail/api/tokens.py); the token acts as its creator, an open administrator of the convention.
Objects are taken through the convention's `Seat` (portail/access: 404 outside scope, 403 visible but not
allowed), writes go through `services.py`. Every answer is `application/scim+json`; every error is a SCIM
Error message with its status and `scimType`, and is journaled (API_REFUSED, channel « scim »).
"""
import json
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError
from scim2_models import (Context, Error, InvalidSyntaxException, InvalidValueException, ListResponse,
                          NotFoundException, PatchOp, PreconditionFailedException, ResourceType, ResponseParameters,
                          SCIMException, Schema)

from portail.access import Do, Seat
from portail.accounts.models import User
from portail.api import tokens
from portail.conventions.models import Convention
from portail.core.errors import BusinessError
from portail.core.requests import client_ip
from portail.habilitations.models import Group as PortalGroup
from portail.journal.services import JournalUnavailable

from . import services
from .filters import filter_query, group_fields, user_fields
from .models import ScimIdentity
from .provider import MAX_RESULTS, PROVIDER, service_provider_config
from .provider import PortailGroup, ScimGroup, ScimUser
from .resources import GroupContext, UserContext, group_input, group_resource, user_input, user_resource

CONTENT_TYPE = "application/scim+json"
DEFAULT_COUNT = 100


class Refusal(Exception):
    """An answer other than success; `reason` goes to the journal unless the refusal is `journaled` already."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None, reason: str = "",
                 journaled: bool = False):
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type or None
        self.reason = reason or (scim_type or str(status))
        self.journaled = journaled


def scim_response(payload: dict | None, status: int = 200, *, etag: str | None = None,
                  location: str | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(payload, ensure_ascii=False) if payload is not None else b"",
                            status=status, content_type=CONTENT_TYPE if payload is not None else None)
    if payload is None:
        del response["Content-Type"]
    if etag:
        response["ETag"] = etag
    if location:
        response["Location"] = location
    return response


def error_response(status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    error = Error(status=status, scim_type=scim_type, detail=detail)
    response = scim_response(error.model_dump(), status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="scim"'
    return response


@method_decorator(csrf_exempt, name="dispatch")
class ScimView(View):
    """Authentication, the seat, errors and the refusal journal, shared by every endpoint."""

    http_method_names = ["get"]

    def dispatch(self, request, convention_id, **kwargs):
        self.ip = client_ip(request)
        self.token = None
        try:
            self.token, self.convention = self._authenticate(request, convention_id)
            self.seat = Seat(self.token.created_by, self.convention)
            if self.seat.scope is None or not self.seat.scope.whole:
                raise Refusal(401, "Le jeton n'agit plus pour un administrateur de cette convention.")
            self.base = request.build_absolute_uri(f"/scim/v2/{self.convention.pk}/")
            if request.method.lower() not in self.http_method_names:
                raise Refusal(405, f"Méthode {request.method} non permise ici.")
            return getattr(self, request.method.lower())(request, **kwargs)
        except Refusal as refusal:
            return self._refused(request, refusal)
        except SCIMException as exc:
            return self._refused(request, Refusal(exc.status, exc.detail, exc.scim_type))
        except ValidationError as exc:
            error = Error.from_validation_errors(exc)[0]
            return self._refused(request, Refusal(error.status or 400, error.detail or "", error.scim_type))
        except services.MemberRefused as exc:
            return self._refused(request, Refusal(400, f"Membre inconnu ou hors de portée : « {exc.member_id} ».",
                                                  "invalidValue"))
        except BusinessError as exc:
            return self._refused(request, Refusal(400, exc.text, "invalidValue", reason="rule"))
        except PermissionDenied:
            return self._refused(request, Refusal(403, "Opération non permise par les règles d'habilitation.",
                                                  reason="forbidden"))
        except Http404:
            return self._refused(request, Refusal(404, "Ressource introuvable.", reason="not_found"))
        except JournalUnavailable:  # nothing was done (R9), and the refusal cannot be journaled either
            return error_response(503, "Service momentanément indisponible : rien n'a été modifié.")

    def _authenticate(self, request, convention_id):
        raw = tokens.bearer(request)
        if not raw:  # nothing to attribute: answered, not journaled
            raise Refusal(401, "Jeton absent : Authorization: Bearer <jeton>.", journaled=True)
        token = tokens.authenticate(raw, scope="scim", ip=self.ip, path=request.path)
        if token is None:
            raise Refusal(401, "Jeton invalide, expiré ou révoqué.", journaled=True)  # by authenticate()
        if token.convention_id != convention_id:
            tokens.refuse(reason=tokens.OTHER_CONVENTION, channel="scim", token=token, path=request.path, ip=self.ip)
            self.token = None
            raise Refusal(404, "Convention introuvable.", journaled=True)
        convention = Convention.objects.select_related("caf", "organisation").get(pk=convention_id)
        return token, convention

    def _refused(self, request, refusal: Refusal) -> HttpResponse:
        if not refusal.journaled:
            tokens.refuse(reason=refusal.reason, channel="scim", token=self.token, path=request.path, ip=self.ip)
        return error_response(refusal.status, refusal.detail, refusal.scim_type)

    # ------------------------------------------------------------ request helpers

    def body(self, request) -> dict:
        try:
            payload = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            raise InvalidSyntaxException(detail="Le corps de la requête n'est pas du JSON.")
        if not isinstance(payload, dict):
            raise InvalidSyntaxException(detail="Le corps de la requête doit être un objet JSON.")
        return payload

    def response_parameters(self, request, model):
        attributes = request.GET.get("attributes")
        excluded = request.GET.get("excludedAttributes")
        if not attributes and not excluded:
            return None
        return ResponseParameters[model].model_validate(
            {"attributes": attributes or None, "excludedAttributes": excluded or None})

    def check_version(self, request, current: str) -> None:
        """If-Match (RFC 7644 §3.14): the change applies only to the version the client read."""
        header = request.META.get("HTTP_IF_MATCH")
        if not header:
            return
        wanted = {v.strip() for v in header.split(",")}
        if "*" not in wanted and current not in wanted and current.removeprefix("W/") not in wanted:
            raise PreconditionFailedException(detail="La ressource a changé depuis sa lecture (If-Match).")

    def page(self, request) -> tuple[int, int]:
        try:
            start = int(request.GET.get("startIndex", 1))
            count = int(request.GET.get("count", DEFAULT_COUNT))
        except ValueError:
            raise InvalidValueException(detail="startIndex et count sont des entiers.")
        return max(start, 1), min(max(count, 0), MAX_RESULTS)

    def listing(self, request, queryset, build, model, fields) -> HttpResponse:
        text = request.GET.get("filter")
        if text:
            queryset = queryset.filter(filter_query(text, model, fields))
        start, count = self.page(request)
        total = queryset.count()
        rows = list(queryset.order_by("pk")[start - 1:start - 1 + count]) if count else []
        resources = build(rows)
        listing = ListResponse[model](total_results=total, start_index=start, items_per_page=len(resources),
                                      resources=resources)
        params = self.response_parameters(request, model)
        return scim_response(listing.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=params))

    def one(self, request, resource, status=200, context=Context.RESOURCE_QUERY_RESPONSE) -> HttpResponse:
        if_none = request.META.get("HTTP_IF_NONE_MATCH")
        if request.method == "GET" and if_none and resource.meta.version in {v.strip() for v in if_none.split(",")}:
            return scim_response(None, 304, etag=resource.meta.version)
        params = self.response_parameters(request, type(resource)) if request.method == "GET" else None
        return scim_response(resource.model_dump(scim_ctx=context, response_parameters=params), status,
                             etag=resource.meta.version,
                             location=resource.meta.location if status == 201 else None)


# ---------------------------------------------------------------- discovery


class ServiceProviderConfigView(ScimView):
    def get(self, request):
        config = service_provider_config()
        return scim_response(config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


class SchemasView(ScimView):
    def get(self, request, schema_id: str | None = None):
        schemas = list(PROVIDER.schemas)
        if schema_id is not None:
            found = [s for s in schemas if s.id == schema_id]
            if not found:
                raise NotFoundException(detail="Schéma inconnu.")
            return scim_response(found[0].model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
        listing = ListResponse[Schema](total_results=len(schemas), start_index=1, items_per_page=len(schemas),
                                       resources=schemas)
        return scim_response(listing.model_dump(scim_ctx=Context.SEARCH_RESPONSE))


class ResourceTypesView(ScimView):
    def get(self, request, name: str | None = None):
        types = list(PROVIDER.resource_types)
        if name is not None:
            found = [t for t in types if t.id == name]
            if not found:
                raise NotFoundException(detail="Type de ressource inconnu.")
            return scim_response(found[0].model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
        listing = ListResponse[ResourceType](total_results=len(types), start_index=1, items_per_page=len(types),
                                             resources=types)
        return scim_response(listing.model_dump(scim_ctx=Context.SEARCH_RESPONSE))


# ---------------------------------------------------------------- users


class UsersMixin:
    @cached_property
    def visible_users(self):
        deleted = ScimIdentity.objects.filter(convention=self.convention, deleted_at__isnull=False).values("user_id")
        return self.seat.users().exclude(pk__in=deleted)

    def user_resources(self, people: list[User]) -> list:
        ctx = UserContext.load(people, self.convention.pk, self.visible_groups)
        return [user_resource(p, ctx, self.base) for p in people]

    @cached_property
    def visible_groups(self):
        return self.seat.groups().exclude(scim__deleted_at__isnull=False)

    def person(self, user_id, action: Do = Do.VIEW) -> User:
        person = self.seat.user(user_id, action)
        if not self.visible_users.filter(pk=person.pk).exists():
            raise Http404
        return person


class UsersView(UsersMixin, ScimView):
    http_method_names = ["get", "post"]

    def get(self, request):
        return self.listing(request, self.visible_users, self.user_resources, ScimUser,
                            user_fields(self.convention.pk))

    def post(self, request):
        resource = ScimUser.model_validate(self.body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST)
        person = services.scim_user_create(token=self.token, convention=self.convention, data=user_input(resource),
                                           ip=self.ip)
        return self.one(request, self.user_resources([User.objects.get(pk=person.pk)])[0], 201,
                        Context.RESOURCE_CREATION_RESPONSE)


class UserView(UsersMixin, ScimView):
    http_method_names = ["get", "put", "patch", "delete"]

    def current(self, user_id, action: Do = Do.VIEW):
        person = self.person(user_id, action)
        return person, self.user_resources([person])[0]

    def get(self, request, user_id):
        return self.one(request, self.current(user_id)[1])

    def put(self, request, user_id):
        person, resource = self.current(user_id, Do.MANAGE)
        self.check_version(request, resource.meta.version)
        wanted = ScimUser.model_validate(self.body(request), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
        return self._replace(request, person, wanted, Context.RESOURCE_REPLACEMENT_RESPONSE)

    def patch(self, request, user_id):
        person, resource = self.current(user_id, Do.MANAGE)
        self.check_version(request, resource.meta.version)
        operation = PatchOp[ScimUser].model_validate(self.body(request), scim_ctx=Context.RESOURCE_PATCH_REQUEST)
        operation.patch(resource)
        return self._replace(request, person, resource, Context.RESOURCE_PATCH_RESPONSE)

    def _replace(self, request, person, wanted, context):
        services.scim_user_replace(token=self.token, convention=self.convention, person=person,
                                   data=user_input(wanted), ip=self.ip)
        return self.one(request, self.user_resources([User.objects.get(pk=person.pk)])[0], 200, context)

    def delete(self, request, user_id):
        person, resource = self.current(user_id, Do.MANAGE)
        self.check_version(request, resource.meta.version)
        services.scim_user_delete(token=self.token, convention=self.convention, person=person, ip=self.ip)
        return scim_response(None, 204)


# ---------------------------------------------------------------- groups


class GroupsMixin(UsersMixin):
    def group_resources(self, groups: list[PortalGroup]) -> list[ScimGroup]:
        ctx = GroupContext.load(groups, self.visible_users)
        return [group_resource(g, ctx, self.base) for g in groups]

    def group(self, group_id, action: Do = Do.VIEW) -> PortalGroup:
        group = self.seat.group(group_id, action)
        if not self.visible_groups.filter(pk=group.pk).exists():
            raise Http404
        return group


class GroupsView(GroupsMixin, ScimView):
    http_method_names = ["get", "post"]

    def get(self, request):
        return self.listing(request, self.visible_groups, self.group_resources, ScimGroup,
                            group_fields(self.convention.pk))

    def post(self, request):
        resource = ScimGroup.model_validate(self.body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST)
        group = services.scim_group_create(token=self.token, seat=self.seat, data=group_input(resource), ip=self.ip)
        return self.one(request, self.group_resources([PortalGroup.objects.get(pk=group.pk)])[0], 201,
                        Context.RESOURCE_CREATION_RESPONSE)


class GroupView(GroupsMixin, ScimView):
    http_method_names = ["get", "put", "patch", "delete"]

    def current(self, group_id, action: Do = Do.VIEW):
        group = self.group(group_id, action)
        return group, self.group_resources([group])[0]

    def get(self, request, group_id):
        return self.one(request, self.current(group_id)[1])

    def put(self, request, group_id):
        group, resource = self.current(group_id, Do.MANAGE)
        self.check_version(request, resource.meta.version)
        wanted = ScimGroup.model_validate(self.body(request), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
        return self._replace(request, group, wanted, Context.RESOURCE_REPLACEMENT_RESPONSE)

    def patch(self, request, group_id):
        group, resource = self.current(group_id, Do.MANAGE)
        self.check_version(request, resource.meta.version)
        operation = PatchOp[ScimGroup].model_validate(self.body(request), scim_ctx=Context.RESOURCE_PATCH_REQUEST)
        operation.patch(resource)
        if resource[PortailGroup] is None:  # a patch starts from every end date: none left means none
            resource[PortailGroup] = PortailGroup(temporary_members=[])
        return self._replace(request, group, resource, Context.RESOURCE_PATCH_RESPONSE)

    def _replace(self, request, group, wanted, context):
        services.scim_group_replace(token=self.token, seat=self.seat, group=group, data=group_input(wanted),
                                    ip=self.ip)
        return self.one(request, self.group_resources([PortalGroup.objects.get(pk=group.pk)])[0], 200, context)

    def delete(self, request, group_id):
        group, resource = self.current(group_id, Do.ADMINISTER)
        self.check_version(request, resource.meta.version)
        services.scim_group_delete(token=self.token, seat=self.seat, group=group, ip=self.ip)
        return scim_response(None, 204)
