"""Demo allocataire files: a few hundred per demo Caf, always the same numbers (fixed seed), plus the
showcase files the README lists, each at a fixed number and always telling the story the README says.

The files are computed at the day of loading (rights, twelve months of payments). The ordinary ones
are whatever their seed draws; a showcase file is drawn again (other attempts of its own seed) until
its story holds that day, so the README table is true whatever the day the demo is loaded."""
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from portail.conventions.models import Caf
from portail.core import clock

from .generation import Pools, build_dossier, dossier_number, file_lines, generate_dossiers
from .generation.build import CHANGE_LETTER
from .generation.calendar import month_after
from .generation.debts import notice_subject
from .generation.letters import NOTICES
from .loading import header_line, load_lines
from .models import Benefit, Debt, Dossier, FamilyMember, Letter, Payee, Payment, Right, RsaInfo

DEMO_SEED = 2026
DEMO_PER_CAF = 200
MAX_ATTEMPTS = 20000
HOUSING = (Benefit.APL, Benefit.ALS, Benefit.ALF)


def demo_numbers_of(caf: Caf) -> list[str]:
    return [dossier_number(DEMO_SEED, caf.code, i) for i in range(DEMO_PER_CAF)]


# ---------------------------------------------------------------- stories


class Story:
    """A file's rows by table (`rows[Model]`, each row a dict of its fields), built in memory or read
    back from the database: the same test applies to both."""

    def __init__(self, dossier: dict, rows: dict):
        self.dossier, self.rows = dossier, rows

    @classmethod
    def of_built(cls, built) -> "Story":
        rows: dict = {}
        for model, values in built.children:
            rows.setdefault(model, []).append(values)
        return cls(vars(built.dossier), rows)

    @classmethod
    def of_dossier(cls, dossier: Dossier) -> "Story":
        rows = {model: list(model.objects.filter(dossier=dossier).values())
                for model in (FamilyMember, Right, Payment, Debt, RsaInfo, Letter)}
        return cls(vars(dossier), rows)

    def of(self, model) -> list[dict]:
        return self.rows.get(model, [])

    def open_rights(self) -> dict:
        return {r["benefit"]: r for r in self.of(Right) if r["status"] == Right.Status.OPEN}

    def letters(self) -> set:
        return {letter["subject"] for letter in self.of(Letter)}


def _separation(s: Story) -> bool:
    """The spouse left in the window: ASF from the month after; RSA or prime d'activité paid before and
    after, recomputed without his income; the departure acknowledged by letter."""
    spouse = [m for m in s.of(FamilyMember) if m["relationship"] == FamilyMember.Relationship.SPOUSE]
    if not spouse or not spouse[0].get("left_on"):
        return False
    left = spouse[0].get("left_on")
    asf = s.open_rights().get(Benefit.ASF)
    paid = [p for p in s.of(Payment) if p["benefit"] in (Benefit.RSA, Benefit.PPA)]
    months = sorted({p["month"] for p in s.of(Payment)})
    return (bool(asf) and asf["start_date"] == month_after(left) and len(months) > 2 and months[2] <= left
            and any(p["month"] <= left for p in paid) and any(p["month"] > left for p in paid)
            and {CHANGE_LETTER, NOTICES[Benefit.ASF]} <= s.letters())


def _rsa_and_debt(s: Story) -> bool:
    """RSA open (RSA tab) and a créance repaid by deductions on later payments, with its notice."""
    debts = [d for d in s.of(Debt) if d["mode"] == Debt.Mode.DEDUCTION and d["status"] == Debt.Status.ONGOING]
    return (Benefit.RSA in s.open_rights() and bool(s.of(RsaInfo)) and any(
        any(p["benefit"] == d["benefit"] and p.get("deduction", 0) > 0 for p in s.of(Payment))
        and notice_subject(d["benefit"]) in s.letters() for d in debts))


def _apl_landlord(s: Story) -> bool:
    apl = s.open_rights().get(Benefit.APL)
    return bool(apl) and apl["payee"] == Payee.BAILLEUR


def _large_family(s: Story) -> bool:
    children = [m for m in s.of(FamilyMember)
                if m["relationship"] == FamilyMember.Relationship.CHILD and m.get("dependent")]
    return len(children) >= 3 and {Benefit.AF, Benefit.CF} <= set(s.open_rights())


def _job_lost(s: Story) -> bool:
    """An adult lost his job in the window: job seeker since that day, registered at France Travail, and
    the RSA or prime d'activité follows (its amount changes)."""
    lost = [m for m in s.of(FamilyMember)
            if m.get("activity_since") and m["activity"] == FamilyMember.Activity.JOBSEEKER]
    if not lost:
        return False
    amounts = {}
    for p in s.of(Payment):
        if p["benefit"] in (Benefit.RSA, Benefit.PPA):
            amounts.setdefault(p["benefit"], set()).add(p["gross_amount"])
    return bool(lost[0].get("france_travail_since")) and any(len(a) > 1 for a in amounts.values())


def _prime_activite(s: Story) -> bool:
    return Benefit.PPA in s.open_rights() and Benefit.RSA not in s.open_rights()


@dataclass(frozen=True)
class Showcase:
    key: str
    numbers: dict  # Caf code -> numéro allocataire
    label: str  # what the README says the file shows
    holds: Callable[[Story], bool]


SHOWCASE = (
    Showcase("rsa_debt", {"751": "2604511", "330": "2604521"},
             "RSA (onglet RSA) et une créance retenue sur les paiements suivants (brut, retenue, net), avec sa "
             "notification dans les courriers", _rsa_and_debt),
    Showcase("separation", {"751": "2604512", "330": "2604522"},
             "un couple qui se sépare : le conjoint quitte le foyer (famille), l'allocation de soutien familial "
             "s'ouvre le mois suivant (droits, paiements, courriers), le RSA ou la prime d'activité sont recalculés "
             "sans ses revenus (ressources, paiements)", _separation),
    Showcase("apl_landlord", {"751": "2604513", "330": "2604523"}, "APL versée au bailleur", _apl_landlord),
    Showcase("large_family", {"751": "2604514", "330": "2604524"},
             "famille nombreuse (allocations familiales, complément familial)", _large_family),
    Showcase("job_lost", {"751": "2604515", "330": "2604525"},
             "un emploi perdu : demandeur d'emploi depuis cette date (famille), le RSA ou la prime d'activité "
             "suivent (ressources, paiements)", _job_lost),
    Showcase("prime_activite", {"751": "2604516", "330": "2604526"}, "prime d'activité", _prime_activite),
)


def showcase_built(caf: Caf, *, ref: date, pools: Pools) -> list:
    """The showcase files of a Caf for the day `ref`, each the first attempt of its own seed whose story holds."""
    out = []
    for showcase in SHOWCASE:
        number = showcase.numbers.get(caf.code)
        if number is None:
            continue
        for attempt in range(MAX_ATTEMPTS):
            built = build_dossier(caf=caf, number=number, pools=pools, ref=ref,
                                  r=random.Random(f"{DEMO_SEED}:showcase:{showcase.key}:{attempt}"))
            if showcase.holds(Story.of_built(built)):
                out.append(built)
                break
        else:  # pragma: no cover - the stories are common enough; a failure here is a generator change
            raise RuntimeError(f"no demo file tells the story « {showcase.key} » after {MAX_ATTEMPTS} attempts")
    return out


def load_showcase(cafs: list[Caf], *, ref: date | None = None, pools: Pools | None = None) -> int:
    """The showcase files not present yet, through the loader. Returns how many were created."""
    ref = ref or clock.today()
    created = 0
    for caf in cafs:
        numbers = [s.numbers[caf.code] for s in SHOWCASE if caf.code in s.numbers]
        if Dossier.objects.filter(caf=caf, number__in=numbers).count() == len(numbers):
            continue
        pools = pools or Pools.build(DEMO_SEED)
        existing = set(Dossier.objects.filter(caf=caf, number__in=numbers).values_list("number", flat=True))
        built = [b for b in showcase_built(caf, ref=ref, pools=pools) if b.dossier.number not in existing]
        report = load_lines([header_line(producer="démonstration du portail"), *file_lines(built, caf.code)],
                            source=f"demo showcase caf={caf.code}")
        if report.error_count:
            raise RuntimeError("showcase files refused by the loader: " + " | ".join(report.errors[:5]))
        created += report.created
    return created


def load_demo_dossiers(cafs: list[Caf]) -> int:
    """Idempotent: numbers already present are skipped. Returns how many files were created.

    The files go through the loader as a Caf's extract would (format portail-dossiers/2, validation,
    bulk load, a journal entry per Caf loaded): the demo exercises the production path."""
    pools = None
    created = 0
    ref = clock.today()
    for caf in cafs:
        numbers = demo_numbers_of(caf)
        assert not {n for s in SHOWCASE for n in s.numbers.values()} & set(numbers), "showcase number taken"
        if Dossier.objects.filter(caf=caf, number__in=numbers).count() == len(numbers):
            continue
        pools = pools or Pools.build(DEMO_SEED)
        created += generate_dossiers(caf=caf, count=DEMO_PER_CAF, seed=DEMO_SEED, pools=pools, batch_size=200,
                                     reference=ref).created
    return created + load_showcase(cafs, ref=ref, pools=pools)


def demo_dossier_numbers(caf_codes=("751", "330")) -> list[tuple[str, str, str, str]]:
    """The showcase files: (Caf code, Caf name, number, what the file shows), as the README lists them."""
    picks = []
    for caf in Caf.objects.filter(code__in=caf_codes).order_by("-code"):
        present = set(Dossier.objects.filter(caf=caf, number__in=[s.numbers.get(caf.code) for s in SHOWCASE])
                      .values_list("number", flat=True))
        for showcase in SHOWCASE:
            number = showcase.numbers.get(caf.code)
            if number in present:
                picks.append((caf.code, caf.name, number, showcase.label))
    return picks
