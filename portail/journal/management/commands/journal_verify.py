from django.core.management.base import BaseCommand, CommandError

from portail.journal.services import journal_verify


class Command(BaseCommand):
    help = "Vérifie le chaînage du journal (chaque entrée liée à la précédente par son empreinte)."

    def handle(self, *args, **options):
        count, problems = journal_verify()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"Journal altéré : {len(problems)} anomalie(s) sur {count} entrée(s).")
        self.stdout.write(f"Journal intègre : {count} entrée(s) vérifiée(s).")
