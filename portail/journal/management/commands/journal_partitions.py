from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections, transaction

from portail.journal import partitions


class Command(BaseCommand):
    help = ("PostgreSQL : partitionne le journal par mois (created_at, mois UTC) et crée les partitions des mois "
            "à venir. La première fois, --convert recopie le journal dans la table partitionnée (fenêtre de "
            "maintenance) ; ensuite, à lancer chaque mois. Relancer journal_db_roles --apply après la conversion.")

    def add_arguments(self, parser):
        parser.add_argument("--months-ahead", type=int, default=3, help="mois à venir à préparer (3 par défaut)")
        parser.add_argument("--convert", action="store_true",
                            help="convertir la table non partitionnée (verrou exclusif le temps de la copie)")
        parser.add_argument("--database", default="default",
                            help="connexion du rôle propriétaire (« owner » quand MIGRATE_DATABASE_URL est défini)")

    def handle(self, *args, months_ahead=3, convert=False, database="default", **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("Le partitionnement du journal ne concerne que PostgreSQL.")
        if months_ahead < 0:
            raise CommandError("--months-ahead : un nombre de mois positif ou nul.")
        try:
            with transaction.atomic(using=database), connection.cursor() as cursor:
                if not partitions.is_partitioned(cursor) and not convert:
                    raise CommandError("Le journal n'est pas encore partitionné : relancer avec --convert "
                                       "(la table est recopiée sous verrou exclusif).")
                report = partitions.convert(cursor, months_ahead=months_ahead)
                existing = partitions.partitions(cursor)
        except DatabaseError as error:
            raise CommandError(f"Partitionnement impossible : {error}") from error
        if report.converted:
            self.stdout.write(f"Journal converti en table partitionnée par mois : {report.copied} entrée(s) recopiée(s).")
        created = ", ".join(report.created) or "aucune"
        self.stdout.write(f"Partitions créées : {created}. Partitions existantes : {len(existing)}.")
