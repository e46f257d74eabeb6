"""manage.py usage_aggregate: add the journal's new entries to the usage counters (run it periodically)."""
from django.core.management.base import BaseCommand

from portail.core.scheduling import schedule_once
from portail.supervision.aggregates import BATCH_SIZE, usage_aggregate
from portail.supervision.tasks import aggregate_interval, count_usage


class Command(BaseCommand):
    help = ("Ajoute aux compteurs des statistiques d'usage les entrées du journal qui n'y sont pas encore. "
            "--schedule : lance la tâche périodique (toutes les USAGE_AGGREGATE_SECONDS secondes, par db_worker).")

    def add_arguments(self, parser):
        parser.add_argument("--schedule", action="store_true", help="mettre en file la tâche périodique de comptage")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--max-batches", type=int, default=None)

    def handle(self, *args, batch_size, max_batches, schedule=False, **options):
        if schedule:
            self.stdout.write(f"Comptage périodique des statistiques d'usage lancé (toutes les "
                              f"{aggregate_interval()} s)." if schedule_once(count_usage)
                              else "Comptage périodique des statistiques d'usage déjà programmé.")
            return
        result = usage_aggregate(batch_size=batch_size, max_batches=max_batches)
        state = "à jour" if result.caught_up else "entrées restantes : relancez la commande"
        self.stdout.write(f"{result.entries} entrées comptées, curseur à {result.last_id} ({state}).")
