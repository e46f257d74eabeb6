"""Load a Caf's extract of allocataire files: `manage.py dossiers_load PATH [--batch-size N]` (docs/dossiers-format.md)."""
import sys
import time
from contextlib import nullcontext
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portail.dossiers.loading import ExtractRefused, load_lines

ERRORS_SHOWN = 200


class Command(BaseCommand):
    help = ("Charge un extrait de dossiers allocataires au format portail-dossiers/2 (JSON Lines) : chaque ligne "
            "est validée, chaque lot écrit en une transaction ou refusé en entier ; un dossier inchangé est ignoré.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="fichier JSON Lines (« - » : l'entrée standard)")
        parser.add_argument("--batch-size", type=int, default=1000, help="lignes par lot et par transaction (défaut 1000)")

    def handle(self, *args, path, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size doit être au moins 1.")
        verbosity = options.get("verbosity", 1)
        started = time.perf_counter()

        def progress(report):
            if verbosity >= 2 or (verbosity >= 1 and report.batches % 20 == 0):
                self.stderr.write(f"  lot {report.batches} : {report.created} créés, {report.replaced} remplacés, "
                                  f"{report.unchanged} inchangés ({time.perf_counter() - started:.0f} s)")

        try:
            stream = nullcontext(sys.stdin) if path == "-" else Path(path).open(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Fichier illisible : {path} ({exc.strerror}).") from None
        source = "entrée standard" if path == "-" else str(Path(path).resolve())
        try:
            with stream as lines:
                report = load_lines(lines, batch_size=batch_size, source=source, progress=progress)
        except ExtractRefused as exc:
            raise CommandError(f"Extrait refusé, rien n'est chargé : {exc}") from None
        except UnicodeDecodeError:
            raise CommandError("Le fichier n'est pas encodé en UTF-8 : rien n'est chargé.") from None
        elapsed = time.perf_counter() - started
        for error in report.errors[:ERRORS_SHOWN]:
            self.stderr.write(error)
        if report.error_count > ERRORS_SHOWN:
            self.stderr.write(f"… et {report.error_count - ERRORS_SHOWN} autres erreurs.")
        self.stdout.write(
            f"Extrait {report.extract} : {report.files} dossiers lus dans les lots acceptés — {report.created} créés, "
            f"{report.replaced} remplacés, {report.unchanged} inchangés, {report.closed} radiés ; {report.rows} lignes "
            f"écrites ; {report.batches} lots dont {report.refused_batches} refusés ({report.refused_lines} lignes) ; "
            f"{elapsed:.1f} s."
        )
        if report.refused_batches:
            raise CommandError(f"{report.refused_batches} lot(s) refusé(s) : corrigez les lignes signalées et "
                               f"rechargez l'extrait (les dossiers déjà chargés seront ignorés).")
