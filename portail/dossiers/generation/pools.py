"""Names and places drawn once from Faker for a seed, and the numbering of files."""
import random
from dataclasses import dataclass

from faker import Faker

NUMBER_SPACE = 10**7
NUMBER_STEP = 7_654_321  # coprime with 10**7: i -> start + i*step is a permutation of the 7-digit numbers


@dataclass
class Pools:
    last_names: list[str]
    female_names: list[str]
    male_names: list[str]
    streets: list[str]
    cities: list[str]
    people: list[str]

    @classmethod
    def build(cls, seed: int) -> "Pools":
        fake = Faker("fr_FR")
        fake.seed_instance(seed)
        return cls(
            last_names=[fake.last_name() for _ in range(1500)],
            female_names=[fake.first_name_female() for _ in range(400)],
            male_names=[fake.first_name_male() for _ in range(400)],
            streets=[fake.street_address() for _ in range(3000)],
            cities=[fake.city() for _ in range(300)],
            people=[fake.name() for _ in range(500)],
        )


def dossier_number(seed: int, caf_code: str, index: int) -> str:
    start = random.Random(f"start:{seed}:{caf_code}").randrange(NUMBER_SPACE)
    return f"{(start + index * NUMBER_STEP) % NUMBER_SPACE:07d}"
