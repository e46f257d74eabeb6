"""Print the current second-factor code of a demo account (only those enrolled with the demo key)."""
from django.core.management.base import BaseCommand, CommandError

from portail.demo.second_factor import DEMO_TOTP_SECRET, demo_code


class Command(BaseCommand):
    help = "Affiche le code de vérification (double authentification) actuel d'un compte de démonstration."

    def add_arguments(self, parser):
        parser.add_argument("username", help="identifiant de démonstration, par exemple DEMO0001")

    def handle(self, *args, username, **options):
        code = demo_code(username.strip().upper())
        if code is None:
            raise CommandError(f"{username} n'est pas un compte de démonstration à double authentification.")
        self.stdout.write(code)
        self.stderr.write(f"(valable environ 30 secondes ; clé de démonstration à ajouter dans une application : "
                          f"{DEMO_TOTP_SECRET})")
