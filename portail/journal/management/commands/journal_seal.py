from django.core.management.base import BaseCommand, CommandError

from portail.core.scheduling import schedule_once
from portail.journal.seal import BATCH_SIZE, WAIT_SECONDS, journal_seal
from portail.journal.tasks import seal_interval, seal_journal


class Command(BaseCommand):
    help = ("Scelle les entrées du journal qui ne peuvent plus changer en lots chaînés (racine de Merkle par lot). "
            "--schedule : lance la tâche périodique (toutes les JOURNAL_SEAL_SECONDS secondes, par db_worker).")

    def add_arguments(self, parser):
        parser.add_argument("--schedule", action="store_true", help="mettre en file la tâche périodique de scellement")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="entrées par lot au plus")
        parser.add_argument("--wait", type=float, default=WAIT_SECONDS,
                            help="secondes d'attente au plus des transactions en cours")

    def handle(self, *args, schedule=False, batch_size=BATCH_SIZE, wait=WAIT_SECONDS, **options):
        if schedule:
            self.stdout.write(f"Scellement périodique du journal lancé (toutes les {seal_interval()} s)."
                              if schedule_once(seal_journal) else "Scellement périodique du journal déjà programmé.")
            return
        result = journal_seal(batch_size=batch_size, wait=wait)
        if result.refused:
            raise CommandError(f"Journal non scellé : {result.refused}. Lancer journal_verify.")
        if result.deferred:
            self.stdout.write(f"Transactions en cours après {result.waited:.1f} s : rien de nouveau scellé.")
            return
        self.stdout.write(f"{result.entries} entrée(s) scellée(s) en {result.batches} lot(s) "
                          f"(dernière entrée scellée : {result.last_id or 'aucune'}).")
