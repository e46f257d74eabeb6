"""Idempotent demo data: run it as often as you like, it converges to the same portal."""

from django.core.management.base import BaseCommand
from django.db import transaction

from portail.demo.data import DEMO_PASSWORD, demo_dossier_numbers, load_demo


class Command(BaseCommand):
    help = "Charge les données de démonstration (Cafs, conventions, groupes, rôles, utilisateurs)."

    def handle(self, *args, **options):
        with transaction.atomic():
            logins = load_demo(self.stdout)
        self.stdout.write("")
        self.stdout.write("Comptes de démonstration (mot de passe commun : %s)" % DEMO_PASSWORD)
        for username, who in logins:
            self.stdout.write(f"  {username}  {who}")
        self.stdout.write("Les administrateurs, responsables et agents Caf saisissent ensuite un code de vérification :")
        self.stdout.write("  .venv/bin/python manage.py demo_totp DEMO0001   (affiche le code du moment)")
        self.stdout.write("")
        self.stdout.write("Numéros allocataires à essayer (« Consulter Dossiers ») :")
        for caf_code, caf_name, number, what in demo_dossier_numbers():
            self.stdout.write(f"  {caf_name} ({caf_code})  {number}  {what}")
