"""Daily: close accounts past their closing date, warn and suspend unused ones (portail/accounts/lifecycle.py)."""
from django.core.management.base import BaseCommand

from portail.accounts.lifecycle import DORMANCY_MONTHS, run_lifecycle


class Command(BaseCommand):
    help = ("Clôt les comptes arrivés à leur date de clôture et suspend ceux inutilisés depuis "
            f"{DORMANCY_MONTHS} mois, après un avertissement par mail un mois avant (à lancer chaque jour).")

    def handle(self, *args, **options):
        figures = run_lifecycle()
        self.stdout.write("\n".join([
            f"Comptes clos à leur date de clôture : {figures.closed}",
            f"Comptes suspendus après {DORMANCY_MONTHS} mois sans connexion : {figures.suspended}",
            f"Avertissements de clôture prochaine envoyés : {figures.closing_warned}",
            f"Avertissements de suspension prochaine envoyés : {figures.dormancy_warned}",
            f"Mails aux administrateurs des conventions : {figures.administrators_told}",
        ]))
