from django.core.management.base import BaseCommand, CommandError

from portail.journal.anchor import anchor_path
from portail.journal.verify import journal_verify


class Command(BaseCommand):
    help = ("Scelle les entrées récentes puis vérifie le journal : HMAC de chaque entrée, lots chaînés (racines de "
            "Merkle), tête du journal et fichier d'ancrage ; reprend après la dernière ancre (--full : depuis "
            "la première entrée).")

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="vérifier toutes les entrées depuis la première")
        parser.add_argument("--no-anchor", action="store_true", help="ne pas écrire la tête dans le fichier d'ancrage")
        parser.add_argument("--no-seal", action="store_true", help="ne pas sceller les entrées récentes avant")

    def handle(self, *args, full=False, no_anchor=False, no_seal=False, **options):
        result = journal_verify(full=full, anchor=not no_anchor, seal=not no_seal)
        for problem in result.problems:
            self.stderr.write(problem)
        if not result.ok:
            raise CommandError(f"Journal altéré : {len(result.problems)} anomalie(s) sur {result.count} entrée(s).")
        since = f" depuis l'{result.resumed_from.describe()}" if result.resumed_from else ""
        rate = f"{result.rate:,.0f}".replace(",", "\u202f")
        self.stdout.write(f"Journal intègre : {result.count} entrée(s), {result.checked} vérifiée(s){since} "
                          f"en {result.seconds:.2f} s ({rate} entrées/s).")
        if result.unsealed:
            self.stdout.write(f"{result.unsealed} entrée(s) récente(s) pas encore scellée(s) (transactions en cours).")
        if result.anchored:
            last = result.anchored.last_id
            self.stdout.write(f"Tête ancrée dans {anchor_path()} "
                              f"({f'dernière entrée n° {last}' if last else 'journal vide'}).")
