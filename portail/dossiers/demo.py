"""Demo allocataire files: a few hundred per demo Caf, always the same numbers (fixed seed)."""
from django.db.models import Count, Q

from portail.conventions.models import Caf

from .generation import Pools, dossier_number, generate_dossiers
from .models import Benefit, Dossier, FamilyMember, Payee

DEMO_SEED = 2026
DEMO_PER_CAF = 200


def demo_numbers_of(caf: Caf) -> list[str]:
    return [dossier_number(DEMO_SEED, caf.code, i) for i in range(DEMO_PER_CAF)]


def load_demo_dossiers(cafs: list[Caf]) -> int:
    """Idempotent: numbers already present are skipped. Returns how many files were created.

    The files go through the loader as a Caf's extract would (format portail-dossiers/1, validation,
    bulk load, a journal entry per Caf loaded): the demo exercises the production path."""
    pools = None
    created = 0
    for caf in cafs:
        numbers = demo_numbers_of(caf)
        if Dossier.objects.filter(caf=caf, number__in=numbers).count() == len(numbers):
            continue
        pools = pools or Pools.build(DEMO_SEED)
        created += generate_dossiers(caf=caf, count=DEMO_PER_CAF, seed=DEMO_SEED, pools=pools, batch_size=200).created
    return created


def demo_dossier_numbers(caf_codes=("751", "330")) -> list[tuple[str, str, str, str]]:
    """Some demo numbers worth trying: (Caf code, Caf name, number, what the file shows)."""
    picks = []
    for caf in Caf.objects.filter(code__in=caf_codes).order_by("-code"):
        demo = Dossier.objects.filter(caf=caf, number__in=demo_numbers_of(caf)).order_by("number")
        children = Count("members", filter=Q(members__relationship=FamilyMember.Relationship.CHILD), distinct=True)
        candidates = [
            ("RSA, orientation et créance en cours", demo.filter(rsa__isnull=False, debts__status="en_cours")),
            ("aide au logement versée au bailleur", demo.filter(rights__benefit=Benefit.APL, rights__payee=Payee.BAILLEUR)),
            ("famille nombreuse (allocations familiales, complément familial)",
             demo.annotate(n=children).filter(n__gte=3, rights__benefit=Benefit.CF)),
            ("prime d'activité", demo.filter(rights__benefit=Benefit.PPA)),
        ]
        for label, queryset in candidates:
            dossier = queryset.distinct().first()
            if dossier:
                picks.append((caf.code, caf.name, dossier.number, f"{dossier.first_name} {dossier.last_name} — {label}"))
    return picks
