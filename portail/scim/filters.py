"""SCIM filters (RFC 7644 §3.4.2.2) turned into database queries.

The expression is parsed and checked by scim2-models (`ScimFilter`); this module only walks its syntax
tree (`FilterVisitor`) and maps each attribute the portal stores to a `Q`. Comparison follows the
attribute's case rule: `externalId` and `id` are compared exactly, the other strings without case. An
attribute the portal does not filter on, or an operator it does not apply, is an `invalidFilter`.
"""
from collections.abc import Callable

from django.db.models import Q
from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import (AttrPath, CompareOperator, Comparison, FilterVisitor, LogicalExpr, LogicalOperator, Not,
                               Present, ValuePath)

from portail.accounts.models import User as Person
from portail.core.clock import today
from portail.habilitations.models import Membership

from .models import ScimGroupLink, ScimIdentity
from .provider import ScimUser

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"
NOTHING = Q(pk__in=[])

# operator → lookup suffix, for case-insensitive and case-exact attributes
LOOKUPS = {
    CompareOperator.eq: ("iexact", "exact"),
    CompareOperator.co: ("icontains", "contains"),
    CompareOperator.sw: ("istartswith", "startswith"),
    CompareOperator.ew: ("iendswith", "endswith"),
    CompareOperator.gt: ("gt", "gt"),
    CompareOperator.ge: ("gte", "gte"),
    CompareOperator.lt: ("lt", "lt"),
    CompareOperator.le: ("lte", "lte"),
}


def _key(path: AttrPath, prefix: str = "") -> str:
    """`name.familyName` → "name.familyname"; the enterprise URN prefix is kept apart."""
    name = path.attr.lower() + (f".{path.sub_attr.lower()}" if path.sub_attr else "")
    if prefix:
        name = f"{prefix}.{name}"
    uri = (path.uri or "").lower().rstrip(":")
    return f"{uri}:{name}" if uri and uri != str(ScimUser.__schema__).lower() else name


class _Field:
    """One stored attribute: `build(lookup, value)` gives the Q for a comparison; `exact`: case-sensitive."""

    def __init__(self, build: Callable[[str, object], Q], *, exact: bool = False, present: Q | None = None,
                 kind: type = str):
        self.build, self.exact, self.present, self.kind = build, exact, present, kind


def _column(name: str, **kw) -> _Field:
    return _Field(lambda lookup, value: Q(**{f"{name}__{lookup}": value}), present=~Q(**{name: ""}), **kw)


def _int_column(name: str) -> _Field:
    def build(lookup, value):
        try:
            number = int(str(value))
        except ValueError:
            return NOTHING
        return Q(**{f"{name}__{lookup.removeprefix('i')}": number})
    return _Field(build, exact=True)


class QueryBuilder(FilterVisitor[Q]):
    def __init__(self, fields: dict[str, _Field], prefix: str = ""):
        self.fields, self.prefix = fields, prefix

    def _field(self, path: AttrPath) -> _Field:
        field = self.fields.get(_key(path, self.prefix))
        if field is None:
            raise InvalidFilterException(detail=f"Le filtre ne porte pas sur l'attribut « {path} ».")
        return field

    def visit_comparison(self, node: Comparison) -> Q:
        field = self._field(node.attr_path)
        value = node.value
        if field.kind is bool:
            if node.op not in (CompareOperator.eq, CompareOperator.ne) or not isinstance(value, bool):
                raise InvalidFilterException(detail=f"« {node.attr_path} » se compare à true ou false (eq, ne).")
            q = field.build("exact", value)
            return q if node.op == CompareOperator.eq else ~q
        if value is None:
            raise InvalidFilterException(detail="Comparer à null : utilisez l'opérateur pr.")
        if node.op == CompareOperator.ne:
            return ~field.build(LOOKUPS[CompareOperator.eq][field.exact], str(value))
        return field.build(LOOKUPS[node.op][field.exact], str(value))

    def visit_present(self, node: Present) -> Q:
        field = self._field(node.attr_path)
        if field.present is None:
            return Q()
        return field.present

    def visit_not(self, node: Not) -> Q:
        return ~self.visit(node.expr)

    def visit_logical_expr(self, node: LogicalExpr) -> Q:
        combined = None
        for term in node.terms:
            q = self.visit(term)
            if combined is None:
                combined = q
            elif node.op == LogicalOperator.and_:
                combined &= q
            else:
                combined |= q
        return combined if combined is not None else Q()

    def visit_value_path(self, node: ValuePath) -> Q:
        """`emails[value co "@cd33.fr"]`: the inner filter on the sub-attributes of the attribute."""
        return QueryBuilder(self.fields, prefix=_key(node.attr_path, self.prefix)).visit(node.val_filter)


def _identity(convention_id: int, column: str, *, exact: bool = False) -> _Field:
    """An attribute kept in `ScimIdentity` for this convention."""
    def build(lookup, value):
        rows = ScimIdentity.objects.filter(convention_id=convention_id, **{f"{column}__{lookup}": value})
        return Q(pk__in=rows.values("user_id"))
    present = Q(pk__in=ScimIdentity.objects.filter(convention_id=convention_id).exclude(**{column: ""})
                .values("user_id"))
    return _Field(build, exact=exact, present=present)


def _constant(value: str) -> _Field:
    """A sub-attribute the portal always gives the same value (the `type` of its one e-mail and telephone)."""
    def build(lookup, compared):
        matches = {"iexact": value.lower() == compared.lower(), "icontains": compared.lower() in value.lower(),
                   "istartswith": value.lower().startswith(compared.lower()),
                   "iendswith": value.lower().endswith(compared.lower())}.get(lookup, False)
        return Q() if matches else NOTHING
    return _Field(build, present=Q())


def _either(*fields: _Field) -> _Field:
    first = fields[0]

    def build(lookup, value):
        q = NOTHING
        for f in fields:
            q |= f.build(lookup, value)
        return q
    return _Field(build, exact=first.exact, present=Q())


def _active(lookup, value) -> Q:
    """R4 as of today: open status, opened, not past its closing date (as `User.is_open`)."""
    day = today()
    q = Q(status=Person.Status.OPEN, is_active=True, opening_date__lte=day) & (Q(closing_date__isnull=True)
                                                                      | Q(closing_date__gte=day))
    return q if value else ~q


def user_fields(convention_id: int) -> dict[str, _Field]:
    email = _column("email")
    employee = _identity(convention_id, "employee_number")
    return {
        "id": _int_column("pk"),
        "username": _either(_column("username"), _identity(convention_id, "user_name")),
        "externalid": _identity(convention_id, "external_id", exact=True),
        "name.familyname": _column("last_name"),
        "name.givenname": _column("first_name"),
        "emails": email,
        "emails.value": email,
        "phonenumbers": _column("phone"),
        "phonenumbers.value": _column("phone"),
        "emails.type": _constant("work"),
        "phonenumbers.type": _constant("work"),
        "active": _Field(_active, kind=bool),
        f"{ENTERPRISE}:employeenumber": employee,
        "employeenumber": employee,
    }


def group_fields(convention_id: int) -> dict[str, _Field]:
    def external(lookup, value):
        rows = ScimGroupLink.objects.filter(convention_id=convention_id, **{f"external_id__{lookup}": value})
        return Q(pk__in=rows.values("group_id"))

    def member(lookup, value):
        try:
            user_id = int(str(value))
        except ValueError:
            return NOTHING
        if lookup not in ("exact", "iexact"):
            raise InvalidFilterException(detail="Les membres se filtrent par égalité (eq).")
        return Q(pk__in=Membership.objects.filter(user_id=user_id).exclude(ends_on__lt=today()).values("group_id"))

    granting = Membership.objects.exclude(ends_on__lt=today())
    members = _Field(member, exact=True, present=Q(pk__in=granting.values("group_id")))
    return {
        "id": _int_column("pk"),
        "displayname": _column("label"),
        "externalid": _Field(external, exact=True,
                             present=Q(pk__in=ScimGroupLink.objects.filter(convention_id=convention_id)
                                       .exclude(external_id="").values("group_id"))),
        "members": members,
        "members.value": members,
    }


def filter_query(text: str, model, fields: dict[str, _Field]) -> Q:
    """The `Q` of a filter expression; InvalidFilterException (400 invalidFilter) for a bad one."""
    if len(text) > 2000:
        raise InvalidFilterException(detail="Filtre trop long.")
    try:
        parsed = ScimFilter[model](text)
    except InvalidFilterException:
        raise
    except (ValueError, TypeError) as exc:
        raise InvalidFilterException(detail=str(exc))
    return QueryBuilder(fields).visit(parsed.ast)
