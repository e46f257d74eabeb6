from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction

from portail.journal.db_roles import app_role_grants


class Command(BaseCommand):
    help = ("Affiche (ou applique avec --apply) les droits PostgreSQL du rôle applicatif : "
            "sur le journal, INSERT et SELECT seulement. À lancer avec le rôle propriétaire après chaque migrate.")

    def add_arguments(self, parser):
        parser.add_argument("--app-role", required=True, help="rôle PostgreSQL sous lequel tourne le portail")
        parser.add_argument("--apply", action="store_true", help="exécuter les instructions au lieu de les afficher")
        parser.add_argument("--database", default="default",
                            help="connexion du rôle propriétaire (« owner » quand MIGRATE_DATABASE_URL est défini)")

    def handle(self, *args, app_role, apply=False, database="default", **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("Les rôles de base de données ne concernent que PostgreSQL.")
        try:
            statements = app_role_grants(connection, app_role)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if not apply:
            self.stdout.write(";\n".join(statements) + ";")
            return
        with transaction.atomic(using=database), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(f"Droits du rôle {app_role} appliqués ({len(statements)} instructions).")
