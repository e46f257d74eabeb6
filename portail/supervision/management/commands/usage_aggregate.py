"""manage.py usage_aggregate: add the journal's new entries to the usage counters (run it periodically)."""
from django.core.management.base import BaseCommand

from portail.supervision.aggregates import BATCH_SIZE, usage_aggregate


class Command(BaseCommand):
    help = "Ajoute aux compteurs des statistiques d'usage les entrées du journal qui n'y sont pas encore."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--max-batches", type=int, default=None)

    def handle(self, *args, batch_size, max_batches, **options):
        result = usage_aggregate(batch_size=batch_size, max_batches=max_batches)
        state = "à jour" if result.caught_up else "entrées restantes : relancez la commande"
        self.stdout.write(f"{result.entries} entrées comptées, curseur à {result.last_id} ({state}).")
