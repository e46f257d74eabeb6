"""The home: kind, rent, moving-in date and which housing aid it can open."""
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ..models import Benefit, Housing
from .calendar import add_years
from .scales import money

SOCIAL_LANDLORDS = (
    "Paris Habitat", "Gironde Habitat", "Aquitanis", "Domofrance", "CDC Habitat", "Logement Francilien",
    "Mésolia", "ICF Habitat", "Immobilière 3F", "Clairsienne",
)
HOSTELS = ("Résidence sociale Adoma", "Foyer de jeunes travailleurs Habitat Jeunes", "Résidence Coallia")
BANKS = ("Crédit Agricole", "Banque Populaire", "Caisse d'Épargne", "LCL")
# Housing aid for home buyers (accession) is closed to loans signed from 1 January 2020.
ACCESSION_AID_UNTIL = date(2020, 1, 1)


@dataclass
class Home:
    kind: str
    rent: Decimal
    rooms: int
    surface: int
    landlord: str
    third_party: bool
    moved_in: date
    street: str
    postcode: str
    city: str


def draw_home(r: random.Random, household, caf, pools) -> Home:
    children = len(household.births)
    kind = r.choices(
        (Housing.Kind.SOCIAL_RENT, Housing.Kind.PRIVATE_RENT, Housing.Kind.OWNER, Housing.Kind.HOSTEL, Housing.Kind.HOSTED),
        weights=(40, 35, 9, 6 if not children else 1, 10),
    )[0]
    people = 1 + household.couple + children
    rooms = max(1, min(6, people - household.couple + r.randint(0, 1)))
    surface = 12 + rooms * r.randint(14, 22)
    rent = {
        Housing.Kind.SOCIAL_RENT: 180 + 6.5 * surface,
        Housing.Kind.PRIVATE_RENT: 250 + 12 * surface,
        Housing.Kind.OWNER: 300 + 9 * surface,
        Housing.Kind.HOSTEL: r.uniform(380, 520),
        Housing.Kind.HOSTED: 0.0,
    }[kind]
    rent = money(rent * r.uniform(0.85, 1.2)) if rent else Decimal("0.00")
    landlord = {
        Housing.Kind.SOCIAL_RENT: lambda: r.choice(SOCIAL_LANDLORDS),
        Housing.Kind.HOSTEL: lambda: r.choice(HOSTELS),
        Housing.Kind.PRIVATE_RENT: lambda: r.choice(pools.people),
        Housing.Kind.OWNER: lambda: r.choice(BANKS),
        Housing.Kind.HOSTED: lambda: "",
    }[kind]()
    third_party = kind in (Housing.Kind.SOCIAL_RENT, Housing.Kind.HOSTEL) or (
        kind == Housing.Kind.PRIVATE_RENT and r.random() < 0.3
    )
    ref = household.ref
    if r.random() < 0.08:  # moved during the last year
        moved_in = ref - timedelta(days=r.randint(15, 360))
    else:
        moved_in = ref - timedelta(days=int(r.uniform(1, 12) * 365.25))
    moved_in = max(moved_in, add_years(household.born, 18))
    dept = caf.code[:2]
    if dept == "75":
        postcode, city = f"750{r.randint(1, 20):02d}", "Paris"
    else:
        postcode, city = f"{dept}{r.randrange(0, 99):02d}0", r.choice(pools.cities)
    return Home(kind, rent, rooms, surface, landlord, third_party, moved_in, r.choice(pools.streets), postcode, city)


def housing_benefit(home: Home, *, couple: bool, children: int) -> str | None:
    """APL for a conventionné home (social rent, hostel, purchase with a loan before 2020); otherwise
    ALF for a family (children), ALS for anyone else, a childless couple included."""
    if home.kind == Housing.Kind.HOSTED or not home.rent:
        return None
    if home.kind == Housing.Kind.OWNER:
        return Benefit.APL if home.moved_in < ACCESSION_AID_UNTIL else None
    if home.kind in (Housing.Kind.SOCIAL_RENT, Housing.Kind.HOSTEL):
        return Benefit.APL
    return Benefit.ALF if children else Benefit.ALS
