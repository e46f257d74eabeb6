"""Effective rights: the roles a user holds (R3, R5) and what they open on a Caf's dossiers (R8)."""
import weakref
from dataclasses import dataclass
from datetime import date

from django.db import connections, router
from django.db.models import Count, F, Q, QuerySet

from portail.accounts.models import User
from portail.conventions.models import TAB_ORDER, Convention, Role
from portail.core.clock import today
from portail.habilitations.models import Group, GroupRole, Membership

from . import rights_cache


def role_ceiling(group: Group) -> QuerySet[Role]:
    """Roles a group may hold: its direct parent's (R3), or for a main group the convention's services'.

    A parent's role counts only if every ancestor holds it too (active), so a stored row that escaped
    R3 never widens the ceiling below it."""
    if group.parent_id is None:
        return Role.objects.filter(service__conventions=group.convention_id)
    ancestors = group.ancestor_ids or [group.parent_id]
    return (
        Role.objects.filter(group_roles__group_id__in=ancestors, group_roles__state=GroupRole.State.ACTIVE)
        .annotate(holders=Count("group_roles"))
        .filter(holders=len(ancestors))
    )


@dataclass(frozen=True)
class Grant:
    """Why a user holds a role: user → group → parent groups → role, as the code that grants it found it.

    `chain` is the group's ancestors, main group first: each of them is open and holds the role actively."""

    user: User
    role: Role
    group: Group
    chain: tuple[Group, ...]


def _effective_grants(groups: list[Group], **role_filter) -> list[tuple[Role, Group]]:
    """(role, group) for the active grants of `groups` whose role every ancestor of the group also
    holds actively (R3), whatever the stored rows say: one query for the groups and their ancestors,
    the chains checked here."""
    by_id = {g.pk: g for g in groups}
    ids = set(by_id) | {a for g in groups for a in g.ancestor_ids}
    # Plain pairs, then each role once (with its service): a large convention's thousands of grants share a
    # few dozen roles, and building a Role and a Service for every row was most of an export's time.
    rows = list(
        GroupRole.objects.filter(group_id__in=ids, state=GroupRole.State.ACTIVE, **role_filter)
        .order_by("pk").values_list("group_id", "role_id")
    )
    if not rows:
        return []
    held = set(rows)
    roles = Role.objects.select_related("service").in_bulk({role_id for _, role_id in rows})
    return [
        (roles[role_id], by_id[group_id])
        for group_id, role_id in rows
        if group_id in by_id and all((a, role_id) in held for a in by_id[group_id].ancestor_ids)
    ]


def _may_hold_rights(user: User, day: date) -> bool:
    """R4: only an open partner staff member holds rights."""
    return user.is_open_on(day) and user.organisation_id is not None


def _granting_groups(day: date) -> QuerySet[Group]:
    """Groups open on `day` by themselves, in conventions open on `day` (R1, R2); ancestors checked apart."""
    return Group.objects.open_on(day).filter(convention__in=Convention.objects.open_on(day))


def _open_chains(groups: list[Group], day: date) -> dict[int, tuple[Group, ...]]:
    """For each of `groups` whose ancestors are all open on `day` (a closed group closes its subtree, R2):
    its ancestors, main group first. One query, none when no group has an ancestor."""
    ancestor_ids = {a for g in groups for a in g.ancestor_ids}
    found: dict[int, Group] = {}
    if ancestor_ids:
        found = {a.pk: a for a in Group.objects.open_on(day).filter(pk__in=ancestor_ids)
                 .only("pk", "code", "label", "path", "level", "convention_id")}
    return {g.pk: tuple(found[a] for a in g.ancestor_ids) for g in groups if all(a in found for a in g.ancestor_ids)}


def open_groups_of(user: User, day: date | None = None) -> list[Group]:
    """Groups that give the user rights on `day`: open user, open groups with no closed ancestor,
    open conventions of his organisation (R1, R2, R4, R5). Two queries."""
    return [g for g, _ in _open_groups_and_chains(user, day or today())]


def _open_groups_and_chains(user: User, day: date) -> list[tuple[Group, tuple[Group, ...]]]:
    if not _may_hold_rights(user, day):
        return []
    groups = list(
        _granting_groups(day)
        .filter(Q(memberships__ends_on__isnull=True) | Q(memberships__ends_on__gte=day),
                memberships__user=user, convention__organisation_id=user.organisation_id)
        .select_related("convention", "convention__caf")
    )
    chains = _open_chains(groups, day)
    return [(g, chains[g.pk]) for g in groups if g.pk in chains]


def roles_of(user: User, *, caf_id: int, service_code: str, day: date | None = None,
             explain: bool = False) -> list[tuple[Role, Group]] | list[Grant]:
    """(role, group that gives it) for a user at a Caf for a service: the union of R5, each grant
    checked against the group's ancestors (R3). Three queries.

    `explain`: `Grant`s instead, each with the chain of parent groups that makes it hold (supervision's « why »)."""
    opened = [(g, chain) for g, chain in _open_groups_and_chains(user, day or today()) if g.convention.caf_id == caf_id]
    if not opened:
        return []
    grants = _effective_grants([g for g, _ in opened], role__service__code=service_code,
                               group__convention__services__code=service_code)
    if not explain:
        return grants
    chains = {g.pk: chain for g, chain in opened}
    return [Grant(user=user, role=role, group=group, chain=chains[group.pk]) for role, group in grants]


def explain_memberships(memberships: list[tuple[User, Group]], day: date | None = None) -> list[Grant]:
    """The effective grants of many (user, group) memberships at once, every service: what `roles_of`
    answers for each person, by the same checks (R1–R5; a membership past its end date grants nothing).
    Five queries whatever the number of rows; each group must come with its `convention` loaded."""
    day = day or today()
    candidates = {g.pk for user, g in memberships
                  if _may_hold_rights(user, day) and user.organisation_id == g.convention.organisation_id}
    if not candidates:
        return []
    # Ended memberships are few: asked by group only (a list of every member's id made the query's text, and
    # psycopg's parsing of it, the largest cost of an export).
    ended = set(Membership.objects.filter(group_id__in=candidates, ends_on__lt=day).values_list("user_id", "group_id"))
    # Only what the chains need (the grants carry the callers' own group objects): no Convention per group.
    groups = list(_granting_groups(day).filter(pk__in=candidates).only("pk", "path", "level", "convention_id"))
    chains = _open_chains(groups, day)
    opened = [g for g in groups if g.pk in chains]
    by_group: dict[int, list[Role]] = {}
    # A role counts only for a service of the group's convention (as `roles_of` asks for each service).
    for role, group in _effective_grants(opened, group__convention__services=F("role__service")):
        by_group.setdefault(group.pk, []).append(role)
    return [
        Grant(user=user, role=role, group=group, chain=chains[group.pk])
        for user, group in memberships
        if group.pk in chains and (user.pk, group.pk) not in ended
        for role in by_group.get(group.pk, [])
        if _may_hold_rights(user, day) and user.organisation_id == group.convention.organisation_id
    ]


CDAP = "CDAP"


@dataclass(frozen=True)
class ConsultationRights:
    """What a user may do on the dossiers of one Caf, and through which grants (for the journal)."""

    caf_id: int
    grants: tuple[tuple[Role, Group], ...]

    @property
    def allowed(self) -> bool:
        return bool(self.grants)

    @property
    def tabs(self) -> list[str]:
        held = {tab for role, _ in self.grants for tab in role.tabs}
        return [t for t in TAB_ORDER if t in held]

    @property
    def can_print_attestation(self) -> bool:
        return any(role.can_print_attestation for role, _ in self.grants)

    @property
    def can_post_attestation(self) -> bool:
        return any(role.can_post_attestation for role, _ in self.grants)

    @property
    def can_write_dialogue(self) -> bool:
        return any(role.can_write_dialogue for role, _ in self.grants)

    @property
    def conventions(self) -> list[Convention]:
        """The conventions that grant these rights: their finalités stay on screen with the file."""
        seen: dict[int, Convention] = {}
        for _, group in self.grants:
            seen.setdefault(group.convention_id, group.convention)
        return list(seen.values())

    def grants_for_tab(self, tab: str) -> list[tuple[Role, Group]]:
        return [(r, g) for r, g in self.grants if tab in r.tabs]

    def trace(self, tab: str | None = None) -> dict:
        """Journal details: through which convention/group/role the access was granted."""
        grants = self.grants_for_tab(tab) if tab else list(self.grants)
        return {
            "via": [
                {"convention": g.convention_id, "group": g.pk, "group_code": g.code, "role": r.code}
                for r, g in grants
            ]
        }


class _Rows:
    """Model instances from raw rows: every concrete column of a model, read back through Django's own
    converters (dates and booleans on SQLite, JSON…), as the ORM would, without building SQL each time."""

    def __init__(self, model, alias: str):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.columns = ", ".join(f'{alias}."{f.column}"' for f in self.fields)
        self.names = [f.attname for f in self.fields]
        self._converters: dict[str, list] = {}

    def converters(self, connection) -> list:
        key = connection.alias
        if key not in self._converters:
            found = []
            for i, field in enumerate(self.fields):
                col = field.get_col(self.model._meta.db_table)
                funcs = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
                if funcs:
                    found.append((i, funcs, col))
            self._converters[key] = found
        return self._converters[key]

    def build(self, values: list, connection):
        for i, funcs, col in self.converters(connection):
            value = values[i]
            for func in funcs:
                value = func(value, col, connection)
            values[i] = value
        return self.model.from_db(connection.alias, self.names, values)


_sql: dict = {}


def _statements():
    """The statements of `cdap_rights_by_caf`, written once from the models' tables and columns."""
    if not _sql:
        from portail.conventions.models import Caf, Service

        membership = Membership._meta.db_table
        group, convention, caf = Group._meta.db_table, Convention._meta.db_table, Caf._meta.db_table
        through = Convention.services.through._meta.db_table
        service, role, group_role = Service._meta.db_table, Role._meta.db_table, GroupRole._meta.db_table
        rows = (_Rows(Group, "g"), _Rows(Convention, "c"), _Rows(Caf, "k"), _Rows(Role, "r"))
        open_g = ('g."status" = %s AND g."opening_date" <= %s AND (g."closing_date" IS NULL OR '
                  'g."closing_date" >= %s)')
        # The person's open groups first, whatever the estimates: a generic plan started from his organisation's
        # conventions and walked every group of them (3–5 ms for a partner with 40 conventions, not 0.2).
        cte = (f'WITH g AS MATERIALIZED (SELECT g.* FROM "{membership}" m '
               f'INNER JOIN "{group}" g ON g."id" = m."group_id" '
               f'WHERE m."user_id" = %s AND (m."ends_on" IS NULL OR m."ends_on" >= %s) AND {open_g})')
        group_columns = f"{rows[0].columns}, {rows[1].columns}, {rows[2].columns}"
        group_from = (
            f'FROM g INNER JOIN "{convention}" c ON c."id" = g."convention_id" '
            f'INNER JOIN "{caf}" k ON k."id" = c."caf_id" '
            f'WHERE c."status" = %s AND c."opening_date" <= %s '
            f'AND (c."closing_date" IS NULL OR c."closing_date" >= %s) '
            f'AND c."organisation_id" = %s AND EXISTS (SELECT 1 FROM "{through}" cs INNER JOIN "{service}" s '
            f'ON s."id" = cs."service_id" WHERE cs."convention_id" = c."id" AND s."code" = %s)')
        role_columns = f'gr."group_id", {rows[3].columns}'
        role_from = (
            f'FROM "{group_role}" gr '
            f'INNER JOIN "{role}" r ON r."id" = gr."role_id" INNER JOIN "{service}" s ON s."id" = r."service_id" '
            f'INNER JOIN "{group}" g ON g."id" = gr."group_id" '
            f'WHERE gr."state" = %s AND s."code" = %s AND {open_g} AND gr."group_id" IN ({{ids}})')
        _sql["groups"] = f'{cte} SELECT {group_columns} {group_from} ORDER BY g."id"'
        _sql["roles"] = f'SELECT {role_columns} {role_from} ORDER BY gr."id"'
        _sql["rows"] = rows
        # PostgreSQL: both in one round trip, prepared once per connection (planning cost more than running).
        # The roles are read for every group on the paths of his open groups (`g`, before the conventions'
        # conditions): a group whose convention fails them is dropped with its grants in Python, and its
        # ancestors are in its own convention, so they never decide another's grant. Rows: 0, the group's id,
        # the first statement's columns, NULLs; 1, the group role's id, NULLs, the second statement's columns
        # (NULLs take their type from the other branch).
        n_group = _sql["n_group_columns"] = sum(len(r.fields) for r in rows[:3])
        n_role = 1 + len(rows[3].fields)
        paths = ("ids AS (SELECT DISTINCT unnest(string_to_array(trim(both '/' from g.\"path\"), '/'))::bigint "
                 "AS id FROM g)")
        _sql["both"] = (
            f'{cte}, {paths} SELECT 0, g."id", {group_columns}, {", ".join(["NULL"] * n_role)} {group_from} '
            f'UNION ALL SELECT 1, gr."id", {", ".join(["NULL"] * n_group)}, {role_columns} '
            f'{role_from.format(ids="SELECT id FROM ids")} ORDER BY 1, 2')
        _sql["pg_both"] = _numbered(_sql["both"])
    return _sql


def _numbered(sql: str) -> str:
    parts = sql.split("%s")
    return "".join(part + (f"${i}" if i < len(parts) else "") for i, part in enumerate(parts, start=1))


_prepared = weakref.WeakKeyDictionary()


def _execute(cursor, connection, name: str, params: tuple, *, ids: list | None = None) -> list:
    """Run one of the statements: on PostgreSQL `both`, prepared once per connection; elsewhere `groups`, then
    `roles` with the ids found, plain."""
    sql = _statements()
    if connection.vendor != "postgresql":
        text = sql[name] if ids is None else sql[name].format(ids=", ".join(["%s"] * len(ids)))
        cursor.execute(text, params if ids is None else (*params, *ids))
        return cursor.fetchall()
    if connection.settings_dict["OPTIONS"].get("server_side_binding") is True:
        cursor.execute(sql[name], params)  # psycopg prepares it on its own (`prepare_threshold`)
        return cursor.fetchall()
    done = _prepared.setdefault(connection.connection, set())
    if name not in done:
        cursor.execute(f"PREPARE portail_rights_{name} AS {sql['pg_' + name]}")
        done.add(name)
    cursor.execute(f"EXECUTE portail_rights_{name} ({', '.join(['%s'] * len(params))})", params)
    return cursor.fetchall()


def cdap_rights_by_caf(user, day: date) -> dict[int, tuple]:
    """Every Cdap grant of the user on `day`, by Caf: {caf id: (caf, ((role, group), …))}, the same grants as
    `roles_of(…, service_code=CDAP)` for each Caf (R1–R5, R3 on the ancestors). Two indexed queries (one
    statement on PostgreSQL), written once (building SQL was most of the cost): the open groups he belongs to,
    membership not ended, in open conventions of his organisation with the Cdap service (with their convention
    and Caf); then the active
    Cdap roles of those groups and of their ancestors that are open on `day` — a closed ancestor holds
    nothing, so its subtree grants nothing (R2), and a grant counts only if every ancestor holds it (R3)."""
    if not _may_hold_rights(user, day):
        return {}
    sql = _statements()
    group_rows, convention_rows, caf_rows, role_rows = sql["rows"]
    # The primary, always: a lagging replica (supervision pages read there) could still hold a removed right,
    # and what is computed here goes into the shared cache.
    connection = connections[router.db_for_write(Group)]
    on = connection.ops.adapt_datefield_value(day)
    opened = (Group.Status.OPEN.value, on, on)  # plain values: psycopg would send an enum's name
    n_group, n_convention = len(group_rows.fields), len(convention_rows.fields)
    group_params = (user.pk, on, *opened, Convention.Status.OPEN.value, on, on, user.organisation_id, CDAP)
    role_params = (GroupRole.State.ACTIVE.value, CDAP, *opened)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            both = _execute(cursor, connection, "both", (*group_params, *role_params))
            n = sql["n_group_columns"]
            rows = [row[2:2 + n] for row in both if row[0] == 0]
            held_rows = [row[2 + n:] for row in both if row[0] == 1]
        else:
            rows = _execute(cursor, connection, "groups", group_params)
            held_rows = None
        if not rows:
            return {}
        cafs: dict[int, object] = {}
        conventions: dict[int, Convention] = {}
        groups: dict[int, Group] = {}
        for row in rows:
            row = list(row)
            group = group_rows.build(row[:n_group], connection)
            convention_id = row[n_group]
            if convention_id not in conventions:
                convention = convention_rows.build(row[n_group:n_group + n_convention], connection)
                caf_id = row[n_group + n_convention]
                if caf_id not in cafs:
                    cafs[caf_id] = caf_rows.build(row[n_group + n_convention:], connection)
                convention.caf = cafs[caf_id]
                conventions[convention_id] = convention
            group.convention = conventions[convention_id]
            groups[group.pk] = group
        if held_rows is None:
            ids = sorted(set(groups) | {a for g in groups.values() for a in g.ancestor_ids})
            held_rows = _execute(cursor, connection, "roles", role_params, ids=ids)
    roles: dict[int, Role] = {}
    grants: list[tuple[int, Role]] = []
    for row in held_rows:
        role_id = row[1]
        if role_id not in roles:
            roles[role_id] = role_rows.build(list(row[1:]), connection)
        grants.append((row[0], roles[role_id]))
    held = {(group_id, role.pk) for group_id, role in grants}
    found: dict[int, tuple] = {}
    for group_id, role in grants:
        group = groups.get(group_id)
        if group is None or not all((a, role.pk) in held for a in group.ancestor_ids):
            continue
        caf = group.convention.caf
        found.setdefault(caf.pk, (caf, []))[1].append((role, group))
    return {caf_id: (caf, tuple(pairs)) for caf_id, (caf, pairs) in found.items()}


@dataclass(frozen=True)
class PartnerFacts:
    """What the shared cache keeps for one partner user and one day."""

    cdap: dict  # {caf id: (caf, ((role, group), …))}
    sees_a_convention: bool  # administrator or responsable somewhere (« Consulter les conventions »)


def partner_facts(user, day: date) -> PartnerFacts:
    """Uncached: three queries (two when he is in no group)."""
    from .habilitations import conventions_visible_to

    return PartnerFacts(cdap=cdap_rights_by_caf(user, day),
                        sees_a_convention=conventions_visible_to(user).using(router.db_for_write(Convention)).exists())


def cached_partner_facts(user, day: date | None = None) -> PartnerFacts | None:
    """None for anyone who holds no right at all (R4: not open, or not a partner's staff)."""
    day = day or today()
    if not getattr(user, "is_authenticated", False) or not _may_hold_rights(user, day):
        return None
    return rights_cache.cached(user, day, lambda: partner_facts(user, day))


def _cdap_rights(user, day: date | None) -> dict[int, tuple]:
    facts = cached_partner_facts(user, day)
    return facts.cdap if facts is not None else {}


def consultation_rights(user, caf_id: int, day: date | None = None) -> ConsultationRights:
    """What the user may do on the dossiers of one Caf (R8), through the shared rights cache."""
    _, grants = _cdap_rights(user, day).get(caf_id, (None, ()))
    return ConsultationRights(caf_id=caf_id, grants=grants)


def cafs_for_consultation(user, day: date | None = None) -> list:
    """The Cafs where the user holds at least one active Cdap role (the « Caf » list of Consulter Dossiers)."""
    return sorted((caf for caf, _ in _cdap_rights(user, day).values()), key=lambda caf: caf.name)
