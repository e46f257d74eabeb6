"""National-scale habilitation data for the benchmark: Cafs, partner organisations, conventions,
group trees up to six levels, group roles within R3's ceiling, partner users, memberships,
responsables and administrators.

Rows are built in memory with explicit ids (so the materialised paths are known before insertion)
and written with `bulk_create` in batches through the real models; the sequences are then moved
past the ids used. Deterministic for a given seed.
"""
import random
import string
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.management.color import no_style
from django.db import connection, transaction
from faker import Faker

from portail.accounts.identifiers import format_identifier
from portail.accounts.models import IdentifierCounter, User
from portail.conventions.models import Caf, Convention, Organisation, Role, Service
from portail.core.clock import today
from portail.demo.data import CATALOGUE
from portail.habilitations.models import MAX_DEPTH, Group, GroupRole, Membership

BATCH = 5000
# Staff of the largest partners (conseils départementaux of big departments), before scaling.
LARGE_ORGANISATIONS = [5000, 4000, 3500, 3000, 3000, 2500, 2500, 2000, 2000, 2000]
GROUP_LABELS = [
    "Service social", "Maison des solidarités", "Pôle insertion", "Protection de l'enfance", "Accueil",
    "Instruction RSA", "Pôle logement", "Antenne territoriale", "Cellule recouvrement", "Service PMI",
]


@dataclass
class Sizes:
    cafs: int = 100
    organisations: int = 3000
    conventions: int = 10000
    groups: int = 50000
    users: int = 100000
    memberships_per_user: float = 1.5

    @classmethod
    def scaled(cls, scale: float) -> "Sizes":
        base = cls()
        return cls(
            cafs=base.cafs,  # the number of Cafs does not depend on the country's size
            organisations=max(20, round(base.organisations * scale)),
            conventions=max(40, round(base.conventions * scale)),
            groups=max(200, round(base.groups * scale)),
            users=max(500, round(base.users * scale)),
        )


@dataclass
class Counts:
    rows: dict = field(default_factory=dict)
    seconds: float = 0.0


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")


def _insert(model, objs, counts: Counts) -> None:
    for start in range(0, len(objs), BATCH):
        model.objects.bulk_create(objs[start:start + BATCH], batch_size=BATCH)
    counts.rows[model._meta.db_table] = counts.rows.get(model._meta.db_table, 0) + len(objs)


def _reset_sequences(models) -> None:
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def _split(total: int, weights: list[float], minimum: int) -> list[int]:
    """Share `total` among `weights`, each at least `minimum`, summing exactly to max(total, minimum*n)."""
    n = len(weights)
    rest = max(0, total - minimum * n)
    wsum = sum(weights)
    shares = [minimum + int(rest * w / wsum) for w in weights]
    missing = max(total, minimum * n) - sum(shares)
    order = sorted(range(n), key=lambda i: -weights[i])
    for i in range(missing):
        shares[order[i % n]] += 1
    return shares


def generate(sizes: Sizes, seed: int, log=print) -> Counts:
    rng = random.Random(seed)
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    counts = Counts()
    started = time.perf_counter()
    day = today()
    with transaction.atomic():
        services = {
            "CDAP": Service.objects.create(code="CDAP", label="Cdap"),
            "AFAS": Service.objects.create(code="AFAS", label="Aides financières (AFAS)"),
        }
        roles_by_service: dict[str, list[Role]] = {}
        for code, entries in CATALOGUE.items():
            roles_by_service[code] = [Role.objects.create(service=services[code], **entry) for entry in entries]
        role_needs_validation = {r.pk: r.requires_caf_validation for rs in roles_by_service.values() for r in rs}

        cafs = [Caf(id=i + 1, code=f"{i + 1:03d}", name=f"Caf {i + 1:03d} {fake.city()}") for i in range(sizes.cafs)]
        _insert(Caf, cafs, counts)

        # Organisations and their staff counts: ten large partners, a long tail of small ones.
        n_large = min(len(LARGE_ORGANISATIONS), sizes.organisations // 10)
        scale = sizes.users / 100000
        large = [max(50, round(s * scale)) for s in LARGE_ORGANISATIONS[:n_large]]
        tail_weights = [rng.paretovariate(1.3) for _ in range(sizes.organisations - n_large)]
        tail = _split(sizes.users - sum(large), tail_weights, 1)
        staff = large + tail
        kinds = [k for k, _ in Organisation.Kind.choices]
        organisations = []
        for i in range(sizes.organisations):
            kind = Organisation.Kind.DEPARTMENT if i < n_large else rng.choice(kinds)
            organisations.append(Organisation(id=i + 1, name=f"{fake.company()} {i + 1}", kind=kind,
                                              siret=f"{rng.randrange(10**13, 10**14)}"))
        _insert(Organisation, organisations, counts)

        # Conventions: at least one per organisation, each with a different Caf.
        # A conseil départemental works with its department's Caf (one convention, two for the largest
        # departments' neighbours); the many small partners share the rest.
        large_conv = [1 if i % 3 == 0 else 2 for i in range(n_large)]
        tail_conv = _split(sizes.conventions - sum(large_conv), [s ** 0.5 for s in tail], 1)
        conv_per_org = [min(c, sizes.cafs) for c in large_conv + tail_conv]
        conventions, conv_services, conv_org = [], [], []
        through_services = Convention.services.through
        for org, n in zip(organisations, conv_per_org):
            for caf_id in rng.sample(range(1, sizes.cafs + 1), n):
                cid = len(conventions) + 1
                opening = date(rng.randint(2012, 2024), rng.randint(1, 12), 1)
                status, closing = Convention.Status.OPEN, None
                draw = rng.random()
                if draw < 0.07:
                    status, closing = Convention.Status.CLOSED, opening + timedelta(days=rng.randint(365, 1500))
                    closing = min(closing, day - timedelta(days=1))
                    closing = max(closing, opening)
                elif draw < 0.15:
                    status = Convention.Status.SUSPENDED
                conventions.append(Convention(id=cid, caf_id=caf_id, organisation_id=org.id, status=status,
                                              label=f"Convention {org.name[:60]} – Caf {caf_id:03d}",
                                              opening_date=opening, closing_date=closing,
                                              purposes="Accompagnement social des familles."))
                conv_org.append(org.id)
                conv_services.append(through_services(convention_id=cid, service_id=services["CDAP"].pk))
                if rng.random() < 0.3:
                    conv_services.append(through_services(convention_id=cid, service_id=services["AFAS"].pk))
        _insert(Convention, conventions, counts)
        _insert(through_services, conv_services, counts)
        log(f"  {len(cafs)} Cafs, {len(organisations)} organisations, {len(conventions)} conventions "
            f"({time.perf_counter() - started:.0f} s)")

        # Partner users (identifiers in the real format, the counter moved past them) and Caf agents.
        users, users_of_org = [], {}
        for org, n in zip(organisations, staff):
            domain = f"org{org.id}.example.fr"
            ids = users_of_org.setdefault(org.id, [])
            for _ in range(n):
                uid = len(users) + 1
                last, first = fake.last_name(), fake.first_name()
                draw = rng.random()
                status, closing = User.Status.OPEN, None
                opening = date(rng.randint(2015, 2025), rng.randint(1, 12), 1)
                if draw < 0.02:
                    status, closing = User.Status.CLOSED, opening + timedelta(days=rng.randint(30, 300))
                elif draw < 0.05:
                    status = User.Status.SUSPENDED
                users.append(User(id=uid, username=format_identifier(uid), last_name=last.upper(), first_name=first,
                                  email=f"{_ascii(first)}.{_ascii(last)}{uid}@{domain}", organisation_id=org.id,
                                  opening_date=opening, closing_date=closing, status=status,
                                  password="!" + "".join(rng.choices(string.ascii_letters, k=40))))
                ids.append(uid)
        for caf in cafs:
            for _ in range(2):
                uid = len(users) + 1
                last, first = fake.last_name(), fake.first_name()
                users.append(User(id=uid, username=format_identifier(uid), last_name=last.upper(), first_name=first,
                                  email=f"{_ascii(first)}.{_ascii(last)}{uid}@caf{caf.code}.example.fr", caf_id=caf.id,
                                  opening_date=date(2015, 1, 1), password="!unusable"))
        _insert(User, users, counts)
        IdentifierCounter.objects.update_or_create(pk=1, defaults={"last_value": len(users)})
        open_users = {u.id for u in users if u.status == User.Status.OPEN}
        log(f"  {len(users)} users ({time.perf_counter() - started:.0f} s)")

        # One or two administrators per convention, from the organisation's open staff.
        through_admins = Convention.administrators.through
        admins = []
        for conv in conventions:
            pool = [u for u in users_of_org[conv.organisation_id][:50] if u in open_users] or users_of_org[conv.organisation_id]
            for uid in rng.sample(pool, min(len(pool), rng.choice((1, 1, 2)))):
                admins.append(through_admins(convention_id=conv.id, user_id=uid))
        _insert(through_admins, admins, counts)

        # Group trees: groups shared in proportion to the staff each convention serves.
        weights = [staff[org_id - 1] / conv_per_org[org_id - 1] for org_id in conv_org]
        groups_per_conv = _split(sizes.groups, weights, 1)
        service_roles = {}
        for s in conv_services:
            code = "CDAP" if s.service_id == services["CDAP"].pk else "AFAS"
            service_roles.setdefault(s.convention_id, []).extend(r.pk for r in roles_by_service[code])
        groups, group_roles, groups_of_conv = [], [], {}
        active_roles: dict[int, list[int]] = {}
        for conv, n in zip(conventions, groups_per_conv):
            mine = groups_of_conv.setdefault(conv.id, [])
            may_have_children = []
            n_top = max(1, round(n ** 0.5 / 2))
            for k in range(n):
                gid = len(groups) + 1
                parent = None if k < n_top or not may_have_children else rng.choice(may_have_children)
                level = parent.level + 1 if parent else 1
                opening = max(conv.opening_date, date(rng.randint(2012, 2025), rng.randint(1, 12), 1))
                closing = conv.closing_date
                if conv.closing_date is not None:
                    opening = min(opening, conv.closing_date)
                status = Group.Status.OPEN
                if closing is None and rng.random() < 0.03:
                    status, closing = Group.Status.CLOSED, max(opening, day - timedelta(days=rng.randint(1, 400)))
                group = Group(id=gid, convention_id=conv.id, parent=parent, code=f"G{k + 1:05d}",
                              label=f"{rng.choice(GROUP_LABELS)} {k + 1}", level=level,
                              path=f"{parent.path if parent else '/'}{gid}/", opening_date=opening,
                              closing_date=closing, status=status)
                groups.append(group)
                mine.append(gid)
                if level < MAX_DEPTH:
                    may_have_children.append(group)
                # R3: a main group takes roles of the convention's services; a sub-group a subset of its
                # parent's active roles.
                if parent is None:
                    ceiling = service_roles[conv.id]
                    held = rng.sample(ceiling, rng.randint(1, min(3, len(ceiling))))
                else:
                    held = [r for r in active_roles[parent.id] if rng.random() < 0.75]
                active_roles[gid] = []
                for role_id in held:
                    pending = role_needs_validation[role_id] and rng.random() < 0.3
                    state = GroupRole.State.PENDING if pending else GroupRole.State.ACTIVE
                    group_roles.append(GroupRole(group_id=gid, role_id=role_id, state=state))
                    if not pending:
                        active_roles[gid].append(role_id)
        for group in groups:
            if rng.random() < 0.08:
                pool = users_of_org[conventions[group.convention_id - 1].organisation_id]
                group.responsable_id = rng.choice(pool)
            group.parent_id = group.parent.id if group.parent else None
        _insert(Group, groups, counts)
        _insert(GroupRole, group_roles, counts)
        log(f"  {len(groups)} groups, {len(group_roles)} group roles ({time.perf_counter() - started:.0f} s)")

        # Memberships: most staff in one or two groups of their organisation's conventions.
        groups_of_org: dict[int, list[int]] = {}
        for conv in conventions:
            groups_of_org.setdefault(conv.organisation_id, []).extend(groups_of_conv[conv.id])
        memberships = []
        for org_id, uids in users_of_org.items():
            pool = groups_of_org[org_id]
            for uid in uids:
                k = rng.choices((0, 1, 2, 3), weights=(5, 55, 30, 10))[0]
                for gid in {rng.choice(pool) for _ in range(k)}:
                    memberships.append(Membership(user_id=uid, group_id=gid))
        _insert(Membership, memberships, counts)
        _reset_sequences([Caf, Organisation, Convention, User, Group, GroupRole, Membership, through_admins,
                          through_services])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    counts.seconds = time.perf_counter() - started
    log(f"  {len(memberships)} memberships; {sum(counts.rows.values())} rows in {counts.seconds:.0f} s")
    return counts
