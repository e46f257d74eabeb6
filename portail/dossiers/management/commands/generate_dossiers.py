"""Generate realistic allocataire files: `manage.py generate_dossiers --dossiers 100000 --seed 1 [--caf 751]`.

They are loaded through the loader (`dossiers_load`'s path), or with `--output extract.jsonl` written as
an extract of the interchange format (docs/dossiers-format.md) to load later with `dossiers_load`."""
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from portail.core.clock import today

from portail.conventions.models import Caf
from portail.dossiers.generation import Pools, extract_lines, generate_dossiers
from portail.dossiers.generation.writer import PRODUCER
from portail.dossiers.loading import header_line


class Command(BaseCommand):
    help = "Génère des dossiers allocataires réalistes et cohérents (déterministe pour une graine donnée)."

    def add_arguments(self, parser):
        parser.add_argument("--dossiers", type=int, required=True, help="nombre de dossiers (répartis entre les Caf)")
        parser.add_argument("--seed", type=int, default=1, help="graine : mêmes dossiers pour la même graine")
        parser.add_argument("--caf", action="append", dest="cafs", metavar="CODE", help="code de la Caf (répétable)")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--reference-date", type=date.fromisoformat, default=None, help="AAAA-MM-JJ (défaut : aujourd'hui)")
        parser.add_argument("--output", metavar="FICHIER", help="écrire l'extrait (JSON Lines) au lieu de le charger")

    def handle(self, *args, dossiers, seed, cafs, batch_size, reference_date, output=None, **options):
        self.verbosity = options.get("verbosity", 1)
        if dossiers < 0 or batch_size < 1:
            raise CommandError("--dossiers doit être positif et --batch-size au moins 1.")
        targets = list(Caf.objects.filter(code__in=cafs)) if cafs else list(Caf.objects.order_by("code"))
        missing = set(cafs or ()) - {c.code for c in targets}
        if missing:
            raise CommandError(f"Caf inconnue : {', '.join(sorted(missing))}")
        if not targets:
            raise CommandError("Aucune Caf en base : chargez d'abord les données (manage.py demo_data).")
        pools = Pools.build(seed)
        if output:
            return self._write(output, targets, dossiers, seed, reference_date or today(), pools)
        started = time.perf_counter()
        total_created = total_rows = total_skipped = 0
        share, extra = divmod(dossiers, len(targets))
        for rank, caf in enumerate(targets):
            count = share + (1 if rank < extra else 0)
            report = generate_dossiers(
                caf=caf, count=count, seed=seed, reference=reference_date, batch_size=batch_size, pools=pools,
                progress=self._progress(caf, count, started),
            )
            total_created += report.created
            total_rows += report.rows
            total_skipped += report.skipped
        elapsed = time.perf_counter() - started
        rate = total_created / elapsed if elapsed else 0
        self.stdout.write(
            f"{total_created} dossiers créés ({total_skipped} déjà présents), {total_rows} lignes, "
            f"{elapsed:.1f} s, {rate:.0f} dossiers/s"
        )

    def _write(self, output, targets, dossiers, seed, ref, pools):
        started = time.perf_counter()
        share, extra = divmod(dossiers, len(targets))
        with open(output, "w", encoding="utf-8") as out:
            out.write(header_line(extract="complete", producer=PRODUCER) + "\n")
            for rank, caf in enumerate(targets):
                for line in extract_lines(caf=caf, count=share + (1 if rank < extra else 0), seed=seed, ref=ref,
                                          pools=pools):
                    out.write(line + "\n")
        self.stdout.write(f"{dossiers} dossiers écrits dans {output} ({time.perf_counter() - started:.1f} s) ; "
                          f"chargez-les avec : manage.py dossiers_load {output}")

    def _progress(self, caf, count, started):
        def report(progress):
            done = progress.created + progress.skipped
            if self.verbosity >= 2 or (done % 10000 == 0 or done == count) and count >= 10000:
                elapsed = time.perf_counter() - started
                self.stderr.write(f"  Caf {caf.code} : {done}/{count} ({elapsed:.0f} s)")
        return report
