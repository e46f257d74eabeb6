from django.core.management.base import BaseCommand, CommandError

from portail.journal.anchor import anchor_path
from portail.journal.verify import journal_verify


class Command(BaseCommand):
    help = ("Vérifie le journal : chaînage par HMAC, tête du journal et fichier d'ancrage ; "
            "reprend après la dernière ancre (--full : depuis la première entrée).")

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="vérifier toutes les entrées depuis la première")
        parser.add_argument("--no-anchor", action="store_true", help="ne pas écrire la tête dans le fichier d'ancrage")

    def handle(self, *args, full=False, no_anchor=False, **options):
        result = journal_verify(full=full, anchor=not no_anchor)
        for problem in result.problems:
            self.stderr.write(problem)
        if not result.ok:
            raise CommandError(f"Journal altéré : {len(result.problems)} anomalie(s) sur {result.count} entrée(s).")
        since = f" depuis l'{result.resumed_from.describe()}" if result.resumed_from else ""
        self.stdout.write(f"Journal intègre : {result.count} entrée(s), {result.checked} vérifiée(s){since}.")
        if result.anchored:
            last = result.anchored.last_id
            self.stdout.write(f"Tête ancrée dans {anchor_path()} "
                              f"({f'dernière entrée n° {last}' if last else 'journal vide'}).")
