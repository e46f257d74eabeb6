"""Data of the supervision benchmark: habilitations at national scale plus a year of journal.

The habilitations come from `habilitations_data.generate` (the largest convention: 2,001 groups up to six
levels, its organisation 5,000 staff); then a few touches the monthly checks need (sign-ins, accounts
never activated, closing dates within 30 days, roles refused by the Caf with their reason).

The journal (`journal_journalentry`) is written with PostgreSQL's COPY (psycopg 3 `cursor.copy`), in id
order = time order over the last 365 days: consultations and tab openings with `details.via` (the
grants the person really holds through his groups), refusals, attestations, Dialogue, sign-ins and
habilitation changes by the conventions' administrators and the Caf's agents. The secondary indexes
and the unique hash constraint are dropped before the load and rebuilt after it, in the same
transaction. The hashes are DUMMY values (`previous_hash`/`entry_hash` = the ids in 64 hex digits,
unique, the first entry chaining to the genesis hash): the chain does not verify (`journal_verify`
would report it); computing ten million HMACs in Python would double the build time and changes
nothing to the reads measured.
"""
import json
import random
import time
from bisect import bisect
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone as dt_timezone
from itertools import accumulate
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count

from portail.accounts.models import User
from portail.conventions.models import Convention, Role
from portail.core.clock import now, today
from portail.habilitations.models import Group, GroupRole, Membership
from portail.journal.models import JournalEntry, JournalHead

PARIS = ZoneInfo("Europe/Paris")
DAYS = 365
# Share of the day's activity per local hour (offices open 8–18 h; a little at night for the alerts).
HOUR_WEIGHTS = [0.02] * 7 + [0.3, 1.5, 3, 3, 3, 1.2, 1.8, 3, 3, 3, 2, 0.8, 0.2] + [0.05] * 4
TABS_PER_SESSION = ([0, 1, 2, 3, 4], [10, 25, 30, 20, 15])
REFUSAL_REASONS = (["unknown_number", "tab_not_allowed", "no_right", "bad_number"], [60, 20, 15, 5])
# Habilitation changes: (action, weight); the Caf's decisions are made by an agent of the convention's Caf.
CHANGES = [("membership_added", 30), ("membership_removed", 10), ("user_updated", 12), ("user_created", 8),
           ("role_assigned", 10), ("role_requested", 4), ("role_removed", 4), ("group_created", 5),
           ("group_updated", 8), ("responsable_named", 3), ("role_approved", 3), ("role_refused", 1),
           ("user_closed", 2)]
CHANGE_SHARE = 0.006  # of the day's entries
BIG_CONVENTION_WEIGHT = 2.0  # its staff consult twice as much as the average partner
BIG_CONVENTION_CHANGES = 0.15  # share of the changes made in the largest convention
NUMBERS_PER_CAF = 50_000
COLUMNS = ("id", "created_at", "action", "actor_id", "actor_identifier", "ip_address", "caf_id", "convention_id",
           "group_id", "role_id", "target_user_id", "dossier_number", "details", "previous_hash", "entry_hash")
NULL = "\\N"


def biggest_convention() -> Convention:
    return (Convention.objects.filter(status=Convention.Status.OPEN, closing_date__isnull=True)
            .annotate(n=Count("groups")).order_by("-n", "pk").first())


# ------------------------------------------------------------------------------ touches on the habilitations


def touch_habilitations(seed: int, log=print) -> dict:
    """Sign-ins, never-activated accounts, closing dates within 30 days, refused roles: what a month's checks find."""
    users = User._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        # 93 % of partner staff activated their account; most signed in within six months.
        cursor.execute(f"UPDATE {users} SET password = 'argon2$argon2id$v=19$m=102400,t=2,p=8$bench$bench', "
                       f"last_login = now() - (random() * 240 || ' days')::interval "
                       f"WHERE organisation_id IS NOT NULL AND random() < 0.93")
        activated = cursor.rowcount
        cursor.execute(f"UPDATE {users} SET closing_date = current_date + (1 + random() * 29)::int "
                       f"WHERE organisation_id IS NOT NULL AND status = %s AND closing_date IS NULL "
                       f"AND random() < 0.01", [User.Status.OPEN])
        closing = cursor.rowcount
    big = biggest_convention()
    agent = User.objects.filter(caf_id=big.caf_id).order_by("pk").first()
    pending = list(GroupRole.objects.filter(group__convention=big, state=GroupRole.State.PENDING)
                   .order_by("pk").values_list("pk", flat=True))
    rng = random.Random(seed)
    refused = rng.sample(pending, len(pending) // 3)
    GroupRole.objects.filter(pk__in=refused).update(
        state=GroupRole.State.REFUSED, decided_by=agent, decided_at=now() - timedelta(days=3),
        decision_reason="Le recouvrement n'entre pas dans les finalités de la convention.")
    log(f"  {activated} accounts activated, {closing} closing within 30 days; largest convention #{big.pk}: "
        f"{len(pending) - len(refused)} roles awaiting the Caf, {len(refused)} refused")
    return {"activated": activated, "closing_soon": closing, "pending": len(pending) - len(refused),
            "refused": len(refused)}


# ------------------------------------------------------------------------------ who may do what


class World:
    """What the journal needs to look real: who consults through which grants, who manages which convention."""

    def __init__(self, rng: random.Random):
        day = today()
        self.big = biggest_convention()
        conventions = {c["pk"]: c for c in Convention.objects.values("pk", "caf_id", "organisation_id", "status",
                                                                      "closing_date")}
        open_conv = {pk for pk, c in conventions.items()
                     if c["status"] == Convention.Status.OPEN and (c["closing_date"] is None or c["closing_date"] >= day)}
        groups = {g["pk"]: g for g in Group.objects.values("pk", "convention_id", "code", "label", "parent_id",
                                                            "status", "closing_date", "responsable_id")}
        roles = {r["pk"]: r for r in Role.objects.values("pk", "code", "tabs", "service__code")}
        held = defaultdict(list)
        for group_id, role_id in GroupRole.objects.filter(state=GroupRole.State.ACTIVE).values_list("group_id",
                                                                                                     "role_id"):
            if roles[role_id]["service__code"] == "CDAP":
                held[group_id].append(role_id)
        staff = {u["pk"]: u for u in User.objects.filter(organisation__isnull=False)
                 .values("pk", "username", "organisation_id", "status")}
        self.agents = defaultdict(list)
        for pk, username, caf_id in User.objects.filter(caf__isnull=False).values_list("pk", "username", "caf_id"):
            self.agents[caf_id].append((pk, username))

        # grants[user] = {caf: [(convention, group, group code, role id, role code, tabs)]}
        self.grants: dict[int, dict[int, list[tuple]]] = defaultdict(lambda: defaultdict(list))
        self.groups_of_conv = defaultdict(list)
        for g in groups.values():
            self.groups_of_conv[g["convention_id"]].append(g["pk"])
        for user_id, group_id in Membership.objects.values_list("user_id", "group_id"):
            g = groups[group_id]
            if (staff[user_id]["status"] != User.Status.OPEN or g["convention_id"] not in open_conv
                    or g["status"] != Group.Status.OPEN):
                continue
            conv = conventions[g["convention_id"]]
            for role_id in held[group_id]:
                role = roles[role_id]
                self.grants[user_id][conv["caf_id"]].append(
                    (conv["pk"], group_id, g["code"], role_id, role["code"], frozenset(role["tabs"])))
        self.consulters = sorted(self.grants)
        weights = []
        big_members = {u for u in self.consulters
                       if any(gr[0] == self.big.pk for grants in self.grants[u].values() for gr in grants)}
        for user_id in self.consulters:
            w = rng.paretovariate(2.0)
            weights.append(w * (BIG_CONVENTION_WEIGHT if user_id in big_members else 1.0))
        self.cum_weights = list(accumulate(weights))
        self.staff = staff
        self.groups = groups
        self.roles = roles
        self.conventions = conventions
        self.open_conventions = sorted(open_conv)
        self.conv_weights = list(accumulate(len(self.groups_of_conv[c]) for c in self.open_conventions))
        self.admins = defaultdict(list)
        for conv_id, user_id in Convention.administrators.through.objects.values_list("convention_id", "user_id"):
            self.admins[conv_id].append(user_id)
        self.staff_of_org = defaultdict(list)
        for u in staff.values():
            self.staff_of_org[u["organisation_id"]].append(u["pk"])
        self.numbers = {}
        self.big_members = len(big_members)
        self._via_cache: dict = {}

    def number(self, rng, caf_id: int) -> str:
        base = self.numbers.setdefault(caf_id, rng.randrange(1_000_000, 9_000_000 - NUMBERS_PER_CAF))
        return str(base + rng.randrange(NUMBERS_PER_CAF))

    def via(self, user_id: int, caf_id: int, tab: str | None) -> tuple[str, tuple | None]:
        """The `via` list (as JSON text) of a consultation or a tab, and its first grant."""
        key = (user_id, caf_id, tab)
        cached = self._via_cache.get(key)
        if cached is None:
            grants = [g for g in self.grants[user_id][caf_id] if tab is None or tab in g[5]]
            text = json.dumps([{"convention": c, "group": g, "group_code": code, "role": rc}
                               for c, g, code, _, rc, _ in grants], separators=(",", ":"))
            cached = self._via_cache[key] = (text, grants[0] if grants else None)
        return cached


# ------------------------------------------------------------------------------ the journal's rows


def _esc(text: str) -> str:
    """COPY text format: backslash, tab and newlines escaped."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Day:
    """The entries of one day, as (epoch, tuple of the columns after id and created_at)."""

    def __init__(self, world: World, rng: random.Random, day: date, limit: float):
        self.world, self.rng, self.rows, self.limit = world, rng, [], limit
        self.midnight = datetime(day.year, day.month, day.day, tzinfo=PARIS).timestamp()

    def moment(self) -> float:
        """A time of the day, never after `limit` (today: a minute ago)."""
        while True:
            hour = self.rng.choices(range(24), HOUR_WEIGHTS)[0]
            t = self.midnight + hour * 3600 + self.rng.random() * 3600
            if t <= self.limit:
                return t

    def add(self, t: float, action: str, actor: int | None, ident: str, ip, caf, conv, group, role, target,
            number: str, details: str) -> None:
        self.rows.append((t, action, actor, ident, ip, caf, conv, group, role, target, number, details))

    def session(self) -> None:
        """One person at one dossier: maybe a sign-in, the consultation, a few tabs, sometimes more."""
        w, rng = self.world, self.rng
        user_id = w.consulters[bisect(w.cum_weights, rng.random() * w.cum_weights[-1])]
        user = w.staff[user_id]
        caf_id = rng.choice(list(w.grants[user_id]))
        ip = f"10.{user['organisation_id'] // 256 % 256}.{user['organisation_id'] % 256}.{user_id % 200 + 1}"
        ident = user["username"]
        t = self.moment()
        if rng.random() < 0.3:
            self.add(t, "login", user_id, ident, ip, None, None, None, None, None, "", "{}")
            t += rng.uniform(5, 60)
        number = w.number(rng, caf_id)
        if rng.random() < 0.04:  # refused attempts (a mistyped number, a tab his roles do not give…)
            reason = rng.choices(*REFUSAL_REASONS)[0]
            details = {"reason": reason}
            if reason in ("unknown_number", "tab_not_allowed"):
                details["via"] = json.loads(w.via(user_id, caf_id, None)[0])
            for _ in range(rng.choice((1, 1, 2, 3))):
                self.add(t, "dossier_refused", user_id, ident, ip, caf_id, None, None, None, None,
                         number if reason != "bad_number" else number[:5],
                         json.dumps(details, separators=(",", ":")))
                t += rng.uniform(5, 40)
            if reason != "unknown_number":
                return
            number = w.number(rng, caf_id)
        via, first = w.via(user_id, caf_id, None)
        self.add(t, "dossier_consulted", user_id, ident, ip, caf_id, first[0], first[1], first[3], None, number,
                 f'{{"via":{via}}}')
        tabs = sorted({tab for g in w.grants[user_id][caf_id] for tab in g[5]})
        for _ in range(rng.choices(*TABS_PER_SESSION)[0]):
            if not tabs:
                break
            tab = rng.choice(tabs)
            t += rng.uniform(10, 120)
            via, first = w.via(user_id, caf_id, tab)
            self.add(t, "tab_opened", user_id, ident, ip, caf_id, first[0], first[1], first[3], None, number,
                     f'{{"tab":"{tab}","via":{via}}}')
        draw = rng.random()
        if draw < 0.03:
            t += rng.uniform(10, 60)
            via, first = w.via(user_id, caf_id, None)
            action = "attestation_printed" if draw < 0.025 else "attestation_posted"
            self.add(t, action, user_id, ident, ip, caf_id, first[0], first[1], first[3], None, number,
                     f'{{"reference":"ATT-{rng.randrange(10**8):08d}","via":{via}}}')
        elif draw < 0.04:
            t += rng.uniform(30, 300)
            via, first = w.via(user_id, caf_id, None)
            self.add(t, "dialogue_sent", user_id, ident, ip, caf_id, first[0], first[1], first[3], None, number,
                     f'{{"via":{via},"message":{rng.randrange(1, 10**6)},"attachment":false}}')

    def change(self) -> None:
        """One habilitation change, by an administrator of the convention (or, for decisions, a Caf agent)."""
        w, rng = self.world, self.rng
        if rng.random() < BIG_CONVENTION_CHANGES:
            conv_id = w.big.pk
        else:
            conv_id = w.open_conventions[bisect(w.conv_weights, rng.random() * w.conv_weights[-1])]
        conv = w.conventions[conv_id]
        action = rng.choices([a for a, _ in CHANGES], [n for _, n in CHANGES])[0]
        group = w.groups[rng.choice(w.groups_of_conv[conv_id])]
        caf_id = conv["caf_id"]
        if action in ("role_approved", "role_refused") and w.agents[caf_id]:
            actor, ident = rng.choice(w.agents[caf_id])
            ip = f"172.16.{caf_id % 256}.{actor % 200 + 1}"
        else:
            actor = rng.choice(w.admins[conv_id] or w.staff_of_org[conv["organisation_id"]])
            ident = w.staff[actor]["username"]
            ip = f"10.{conv['organisation_id'] // 256 % 256}.{conv['organisation_id'] % 256}.{actor % 200 + 1}"
        target = rng.choice(w.staff_of_org[conv["organisation_id"]])
        role_id = rng.choice([r for r in w.roles if w.roles[r]["service__code"] == "CDAP"])
        role_code = w.roles[role_id]["code"]
        group_id, role, person = group["pk"], None, None
        if action.startswith("membership_"):
            details, person = {"group": group["code"], "user": w.staff[target]["username"]}, target
        elif action.startswith("user_"):
            group_id, person = None, target
            details = {"username": w.staff[target]["username"], "organisation": conv["organisation_id"]} \
                if action == "user_created" else {"email": f"agent{target}@org{conv['organisation_id']}.example.fr"} \
                if action == "user_updated" else {}
        elif action.startswith("role_"):
            role = role_id
            details = {"role": role_code}
            if action == "role_removed":
                details.update(group=group["code"], cascade_from=None)
            elif action == "role_refused":
                details.update(group=group["code"], reason="Hors des finalités de la convention.")
        elif action == "responsable_named":
            person = target
            details = {"responsable": w.staff[target]["username"]}
        elif action == "group_created":
            person = group["responsable_id"]
            details = {"code": group["code"], "label": group["label"], "parent": group["parent_id"]}
        else:  # group_updated
            details = {"label": group["label"]}
        self.add(self.moment(), action, actor, ident, ip, caf_id, conv_id, group_id, role, person, "",
                 json.dumps(details, ensure_ascii=False, separators=(",", ":")))


def _elapsed_share(moment: float) -> float:
    """The share of a day's activity (HOUR_WEIGHTS) already past at `moment` (today)."""
    local = datetime.fromtimestamp(moment, PARIS)
    hours = local.hour + local.minute / 60
    done = sum(HOUR_WEIGHTS[:local.hour]) + HOUR_WEIGHTS[local.hour] * (hours - local.hour)
    return done / sum(HOUR_WEIGHTS)


def _day_targets(total: int, first: date, last_moment: float) -> list[tuple[date, int]]:
    """Entries per day: working days full, Saturdays and Sundays a few, today up to now."""
    days = [first + timedelta(days=i) for i in range(DAYS)]
    weights = [{5: 0.06, 6: 0.03}.get(d.weekday(), 1.0) for d in days]
    weights[-1] *= _elapsed_share(last_moment)
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in range(total - sum(counts)):
        counts[i % (DAYS - 1)] += 1
    return list(zip(days, counts))


def _lines(world: World, rng: random.Random, total: int, first: date, last_moment: float):
    """The journal's COPY lines in id order (= time order), day after day."""
    next_id = 1
    for day, n in _day_targets(total, first, last_moment):
        end_of_day = datetime(day.year, day.month, day.day, tzinfo=PARIS) + timedelta(days=1)
        builder = Day(world, rng, day, min(last_moment, end_of_day.timestamp() - 1))
        n_changes = max(0, round(n * CHANGE_SHARE))
        for _ in range(n_changes):
            builder.change()
        while len(builder.rows) < n:
            builder.session()
        rows = sorted(builder.rows[:n], key=lambda r: r[0])
        out = []
        for t, action, actor, ident, ip, caf, conv, group, role, target, number, details in rows:
            t = min(t, last_moment)  # a session's last tabs may run past the minute before now
            stamp = datetime.fromtimestamp(t, dt_timezone.utc).isoformat()
            out.append("\t".join((
                str(next_id), stamp, action, NULL if actor is None else str(actor), ident, ip or NULL,
                NULL if caf is None else str(caf), NULL if conv is None else str(conv),
                NULL if group is None else str(group), NULL if role is None else str(role),
                NULL if target is None else str(target), number, _esc(details),
                f"{next_id - 1:064x}", f"{next_id:064x}")) + "\n")
            next_id += 1
        yield day, out


def _secondary_indexes(cursor, table: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The table's indexes and unique constraints other than the primary key: (name, definition)."""
    cursor.execute("""SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                      WHERE conrelid = %s::regclass AND contype = 'u'""", [table])
    constraints = cursor.fetchall()
    cursor.execute("""SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
                      WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
                      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""", [table])
    return constraints, cursor.fetchall()


def load_journal(total: int, seed: int, log=print) -> dict:
    """COPY `total` entries over the last 365 days into an empty journal; indexes rebuilt after the load."""
    table = JournalEntry._meta.db_table
    if JournalEntry.objects.exists():
        raise RuntimeError("The journal already holds entries: use a fresh database (bench/supervision.sh --rebuild).")
    rng = random.Random(seed)
    started = time.perf_counter()
    world = World(rng)
    log(f"  {len(world.consulters)} partner users hold a Cdap role ({world.big_members} in the largest convention "
        f"#{world.big.pk}); prepared in {time.perf_counter() - started:.0f} s")
    last_moment = now().timestamp() - 60
    first = today() - timedelta(days=DAYS - 1)
    timings = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        constraints, indexes = _secondary_indexes(cursor, table)
        for name, _ in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        t0 = time.perf_counter()
        written = 0
        with cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for day, lines in _lines(world, rng, total, first, last_moment):
                copy.write("".join(lines))
                written += len(lines)
                if day.day == 1 or written == total:
                    log(f"    … {written:,} entries up to {day} ({time.perf_counter() - t0:.0f} s)")
        timings["copy_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for _, definition in indexes:
            cursor.execute(definition)
        timings["indexes_s"] = time.perf_counter() - t0
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [written])
        JournalHead.objects.update_or_create(pk=1, defaults={"last_hash": f"{written:064x}", "last_id": written,
                                                              "entry_count": written})
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {table}")
    timings["vacuum_analyze_s"] = time.perf_counter() - t0
    timings["total_s"] = time.perf_counter() - started
    log(f"  {written:,} entries: COPY {timings['copy_s']:.0f} s, {len(indexes) + len(constraints)} indexes "
        f"{timings['indexes_s']:.0f} s, VACUUM ANALYZE {timings['vacuum_analyze_s']:.0f} s")
    return {"entries": written, **{k: round(v, 1) for k, v in timings.items()}}
