"""Send the pending mails that are due, now; or (--schedule) start the worker's periodic sweep."""
from django.core.management.base import BaseCommand

from portail.core.scheduling import schedule_once
from portail.outbox.delivery import mail_deliver_due
from portail.outbox.models import Mail
from portail.outbox.tasks import sweep_outbox


class Command(BaseCommand):
    help = "Envoie les mails en attente dont l'heure est venue (ou, avec --schedule, lance le balayage périodique du worker)."

    def add_arguments(self, parser):
        parser.add_argument("--schedule", action="store_true",
                            help="met en file le balayage périodique (repris par manage.py db_worker)")

    def handle(self, *args, schedule=False, **options):
        if schedule:
            self.stdout.write("Balayage des mails programmé." if schedule_once(sweep_outbox)
                              else "Balayage des mails déjà programmé.")
            return
        figures = mail_deliver_due()
        pending = Mail.objects.filter(status=Mail.Status.PENDING).count()
        self.stdout.write(
            f"Mails envoyés : {figures['sent']} ; à réessayer plus tard : {figures['retry']} ; "
            f"abandonnés : {figures['failed']} ; encore en attente : {pending}."
        )
