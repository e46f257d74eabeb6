"""What each line of a file of users would do, decided before anything is written (the preview), and again
under locks when the import is confirmed (apply.py): the same function, so the preview is what is written.

The actor's `Seat` (portail/access) answers every question of scope, as on the screens: which people he sees
(R7b), which of them he may change or close (every right they hold comes from his scope, never an
administrator of a convention, never himself), which groups he manages (R6, R7) and whether he may
manage at all (R1, the Caf's takeover). A constant number of queries whatever the number of lines.
"""
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from portail.access import Do, Seat
from portail.accounts.forms_partner import PHONE_RE
from portail.accounts.models import User
from portail.core.clock import today
from portail.core.errors import BusinessError
from portail.core.text import clean_text
from portail.habilitations.models import Group, Membership

CREATE, UPDATE, CLOSE, UNCHANGED, REFUSED = "create", "update", "close", "unchanged", "refused"
KIND_LABELS = {CREATE: "Création", UPDATE: "Modification", CLOSE: "Clôture", UNCHANGED: "Inchangé",
               REFUSED: "Refusée"}
ACTIONS = {
    "create": CREATE, "creer": CREATE, "créer": CREATE, "creation": CREATE, "création": CREATE,
    "update": UPDATE, "modifier": UPDATE, "modification": UPDATE,
    "close": CLOSE, "cloturer": CLOSE, "clôturer": CLOSE, "cloture": CLOSE, "clôture": CLOSE,
}
OUT_OF_SCOPE = "Identifiant {} inconnu ou hors de votre périmètre."


@dataclass
class Line:
    """One line of the file, as the preview shows it and as apply.py writes it (stored as JSON)."""

    line: int
    kind: str
    identifiant: str = ""
    name: str = ""
    changes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    user: int | None = None  # the person changed or closed
    person: dict | None = None  # creation or change: last_name, first_name, email, phone
    add: list[int] = field(default_factory=list)  # groups to put the person in
    remove: list[int] = field(default_factory=list)  # groups to take him out of
    ends: list[int] = field(default_factory=list)  # groups whose membership gets `ends_on`
    ends_on: str | None = None  # ISO date, for `add` and `ends`

    def refuse(self, message: str) -> None:
        self.errors.append(message)


def parse_date(text: str) -> date:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _fr(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else "aucune"


def _person(row: dict, line: Line) -> dict | None:
    """The person's texts checked as the services check them; the errors go on the line."""
    values = {}
    for key, column, label, size, required in (("last_name", "nom", "Nom", 100, True),
                                               ("first_name", "prenom", "Prénom", 150, True),
                                               ("email", "email", "Email", 254, True),
                                               ("phone", "telephone", "Téléphone", 20, False)):
        try:
            values[key] = clean_text(row.get(column, ""), field=key, max_length=size, required=required)
        except BusinessError as error:
            line.refuse(f"{label} : {error.text}")
    if "email" in values:
        values["email"] = values["email"].lower()
        try:
            validate_email(values["email"])
        except ValidationError:
            line.refuse(f"Email : « {values['email'][:80]} » n'est pas une adresse mail valide.")
    if values.get("phone") and not PHONE_RE.match(values["phone"]):
        line.refuse(f"Téléphone : « {values['phone']} » n'est pas un numéro valide (10 chiffres).")
    return values if len(values) == 4 and not line.errors else None


def _duplicates(rows: list[dict], key: str, normalise=lambda v: v) -> dict[int, list[int]]:
    """Line numbers sharing a non-empty value of `key`: {line: [all lines with that value]}."""
    seen = defaultdict(list)
    for row in rows:
        value = normalise(row.get(key, ""))
        if value:
            seen[value].append(row["line"])
    return {n: lines for lines in seen.values() if len(lines) > 1 for n in lines}


def _is_closed(group: Group, day: date) -> bool:
    return group.status != Group.Status.OPEN or (group.closing_date is not None and group.closing_date < day)


class Context:
    """Everything the lines are checked against, read at once (a constant number of queries)."""

    def __init__(self, seat: Seat, rows: list[dict]):
        self.seat = seat
        self.day = today()
        convention = seat.convention
        self.groups = {g.code.upper(): g for g in Group.objects.filter(convention=convention)
                       .only("pk", "code", "label", "path", "level", "status", "opening_date", "closing_date",
                             "convention_id", "parent_id")}
        self.by_id = {g.pk: g for g in self.groups.values()}
        identifiers = {r["identifiant"].upper() for r in rows if r.get("identifiant")}
        people = list(seat.users().filter(username__in=identifiers)) if identifiers else []
        self.people = {p.username: p for p in people}
        self.rows = {r.person.pk: r for r in seat.user_rows(people)} if people else {}
        emails = {r["email"].strip().lower() for r in rows if r.get("email")}
        self.emails: dict[str, list[User]] = defaultdict(list)
        self.visible: set[int] = set()
        if emails:
            for person in User.objects.filter(organisation_id=convention.organisation_id, email__in=emails):
                self.emails[person.email.lower()].append(person)
            holders = [p.pk for found in self.emails.values() for p in found]
            if holders:
                self.visible = set(seat.users().filter(pk__in=holders).values_list("pk", flat=True))
        self.memberships: dict[int, dict[int, Membership]] = defaultdict(dict)
        if people:
            for m in Membership.objects.filter(user__in=people, group__convention=convention):
                self.memberships[m.user_id][m.group_id] = m

    def manages(self, group: Group) -> bool:
        return self.seat.can(Do.MANAGE, group)

    def closed(self, group: Group) -> bool:
        """Closed by itself or below a closed group (R2): it takes no one in."""
        chain = [group] + [self.by_id[a] for a in group.ancestor_ids if a in self.by_id]
        return any(_is_closed(g, self.day) for g in chain)

    def visible_identifier(self, person: User) -> str:
        """His identifier if the actor sees him, else nothing (R7: no leak)."""
        return person.username if person.pk in self.visible else ""


def _groups(row: dict, ctx: Context, line: Line) -> list[Group]:
    codes = []
    for code in (row.get("groupes") or "").split("|"):
        code = code.strip().upper()
        if code and code not in codes:
            codes.append(code)
    groups = []
    for code in codes:
        group = ctx.groups.get(code)
        if group is None or not ctx.manages(group):
            # One message for both: a group outside one's scope does not exist for him (R7).
            line.refuse(f"Groupe {code[:20]} inconnu ou hors de votre périmètre.")
            continue
        groups.append(group)
    return groups


def _end_date(row: dict, line: Line, ctx: Context) -> date | None:
    text = (row.get("date_fin") or "").strip()
    if not text:
        return None
    try:
        day = parse_date(text)
    except ValueError:
        line.refuse(f"Date de fin « {text[:20]} » invalide : attendu jj/mm/aaaa, par exemple 31/12/2026.")
        return None
    if day < ctx.day:
        line.refuse(f"La date de fin ({_fr(day)}) est passée : elle doit être le {_fr(ctx.day)} ou plus tard.")
        return None
    if not (row.get("groupes") or "").strip():
        line.refuse("Une date de fin s'applique aux groupes de la ligne : indiquez au moins un groupe.")
    return day


def plan_lines(seat: Seat, rows: list[dict]) -> list[Line]:
    """Every line's outcome, in file order."""
    ctx = Context(seat, rows)
    twice_id = _duplicates(rows, "identifiant", lambda v: v.strip().upper())
    twice_mail = _duplicates(rows, "email", lambda v: v.strip().lower())
    lines = []
    for row in rows:
        line = _plan_row(row, ctx)
        if row["line"] in twice_id:
            line.refuse(f"Identifiant {row['identifiant'].strip().upper()[:20]} en double dans le fichier (lignes "
                        + ", ".join(map(str, twice_id[row["line"]])) + ").")
        if row["line"] in twice_mail:
            line.refuse("Adresse mail en double dans le fichier (lignes "
                        + ", ".join(map(str, twice_mail[row["line"]])) + ").")
        if line.errors:
            line.kind, line.changes = REFUSED, []
            line.person, line.user, line.add, line.remove, line.ends, line.ends_on = None, None, [], [], [], None
        lines.append(line)
    return lines


def _plan_row(row: dict, ctx: Context) -> Line:
    identifiant = (row.get("identifiant") or "").strip().upper()
    line = Line(line=row["line"], kind=REFUSED, identifiant=identifiant[:20],
                name=" ".join(t for t in ((row.get("prenom") or "").strip(), (row.get("nom") or "").strip()) if t)[:120])
    if row.get("_error"):
        line.refuse(row["_error"])
        return line
    raw_action = (row.get("action") or "").strip().lower()
    action = ACTIONS.get(raw_action) if raw_action else (UPDATE if identifiant else CREATE)
    if action is None:
        line.refuse(f"Action « {raw_action[:20]} » inconnue : create (créer), update (modifier) ou close (clôturer).")
        return line
    if not ctx.seat.can_manage:
        line.refuse("Vous ne pouvez rien modifier dans cette convention.")
        return line
    if action == CREATE:
        return _plan_create(row, ctx, line, identifiant)
    if not identifiant:
        line.refuse("Identifiant obligatoire pour modifier ou clôturer une personne.")
        return line
    person = ctx.people.get(identifiant)
    if person is None:
        line.refuse(OUT_OF_SCOPE.format(identifiant[:20]))
        return line
    line.user, line.name = person.pk, f"{person.first_name} {person.last_name}"
    line = _plan_close(person, ctx, line) if action == CLOSE else _plan_update(row, ctx, line, person)
    if person.pk == ctx.seat.actor.pk and line.kind != UNCHANGED:
        # Nobody widens his own rights (R7b): one's own line may only leave everything as it is.
        line.errors = ["Vous ne pouvez modifier ni votre propre compte ni vos propres groupes."]
    return line


def _plan_create(row: dict, ctx: Context, line: Line, identifiant: str) -> Line:
    if identifiant:
        line.refuse("Une création ne prend pas d'identifiant : laissez la colonne vide, il sera généré.")
    values = _person(row, line)
    groups = _groups(row, ctx, line)
    ends_on = _end_date(row, line, ctx)
    for group in groups:
        if ctx.closed(group):
            line.refuse(f"Le groupe {group.code} est clos : on ne peut plus y ajouter d'utilisateur.")
    if values is not None and ctx.emails.get(values["email"]):
        known = ctx.visible_identifier(ctx.emails[values["email"]][0])
        line.refuse("Une personne de l'organisation a déjà cette adresse mail"
                    + (f" ({known}) : indiquez son identifiant pour la modifier." if known else "."))
    if line.errors:
        return line
    line.kind, line.person = CREATE, values
    line.add = [g.pk for g in groups]
    line.ends_on = ends_on.isoformat() if ends_on else None
    line.changes.append(f"Création de {values['first_name']} {values['last_name']} ({values['email']}), "
                        "un lien d'activation lui sera envoyé")
    if groups:
        line.changes.append("Ajout " + ("au groupe " if len(groups) == 1 else "aux groupes ")
                            + ", ".join(g.code for g in groups) + (f" jusqu'au {_fr(ends_on)}" if ends_on else ""))
    return line


def _plan_close(person: User, ctx: Context, line: Line) -> Line:
    row = ctx.rows.get(person.pk)
    if person.status == User.Status.CLOSED:
        line.kind = UNCHANGED
        line.changes.append("Compte déjà clos : rien à faire")
        return line
    if row is None or not row.can_close:
        line.refuse("Vous ne pouvez pas clôturer cette personne : elle détient des droits hors de votre périmètre, "
                    "ou administre une convention.")
        return line
    line.kind = CLOSE
    line.changes.append("Clôture du compte : il ne pourra plus se connecter")
    return line


def _plan_update(row: dict, ctx: Context, line: Line, person: User) -> Line:
    values = _person(row, line)
    groups = _groups(row, ctx, line)
    ends_on = _end_date(row, line, ctx)
    if line.errors:
        return line
    if values["email"] not in (person.email.lower(), (person.pending_email or "").lower()):
        line.refuse("L'adresse mail ne se change pas par import : utilisez « Modifier l'utilisateur », qui la fait "
                    "confirmer par son titulaire.")
    if ends_on is not None and ends_on < person.opening_date:
        line.refuse(f"La date de fin ({_fr(ends_on)}) précède l'ouverture du compte ({_fr(person.opening_date)}).")
    changes = {k: values[k] for k in ("last_name", "first_name", "phone") if getattr(person, k) != values[k]}
    user_row = ctx.rows.get(person.pk)
    if changes and (user_row is None or not user_row.can_modify):
        line.refuse("Vous ne pouvez pas modifier le nom, le prénom ou le téléphone de cette personne : elle détient "
                    "des droits hors de votre périmètre, ou administre une convention.")
    current = ctx.memberships.get(person.pk, {})
    wanted = {g.pk: g for g in groups}
    add = [g for g in groups if g.pk not in current]
    remove = [ctx.by_id[gid] for gid in current if gid not in wanted and gid in ctx.by_id
              and ctx.manages(ctx.by_id[gid])]
    ends = [g for g in groups if g.pk in current and current[g.pk].ends_on != ends_on]
    if add and person.status != User.Status.OPEN:
        line.refuse(f"Cette personne est {person.get_status_display().lower()} : on ne peut pas l'ajouter à un groupe.")
    for group in add:
        if ctx.closed(group):
            line.refuse(f"Le groupe {group.code} est clos : on ne peut plus y ajouter d'utilisateur.")
    if line.errors:
        return line
    labels = {"last_name": "nom", "first_name": "prénom", "phone": "téléphone"}
    for key, value in changes.items():
        line.changes.append(f"{labels[key].capitalize()} : « {getattr(person, key)} » → « {value} »")
    if add:
        line.changes.append("Ajout " + ("au groupe " if len(add) == 1 else "aux groupes ")
                            + ", ".join(g.code for g in add) + (f" jusqu'au {_fr(ends_on)}" if ends_on else ""))
    if remove:
        line.changes.append("Retrait " + ("du groupe " if len(remove) == 1 else "des groupes ")
                            + ", ".join(g.code for g in sorted(remove, key=lambda g: g.path)))
    for group in ends:
        line.changes.append(f"Date de fin au groupe {group.code} : {_fr(current[group.pk].ends_on)} → {_fr(ends_on)}")
    line.person = {**values, "changed": sorted(changes)} if changes else None
    line.add, line.remove, line.ends = [g.pk for g in add], sorted(g.pk for g in remove), [g.pk for g in ends]
    line.ends_on = ends_on.isoformat() if ends_on else None
    line.kind = UPDATE if line.changes else UNCHANGED
    if not line.changes:
        line.changes.append("Rien à changer")
    return line


def as_json(lines: list[Line]) -> list[dict]:
    return [asdict(line) for line in lines]


def counts(lines: list[dict]) -> dict[str, int]:
    result = {kind: 0 for kind in KIND_LABELS}
    for line in lines:
        result[line["kind"]] += 1
    return result

