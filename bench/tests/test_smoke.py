"""`make bench` at the tiny scale, as a smoke test: it must build its database, measure every part and print its
table. Figures only, no timing assertion (the machine is shared). PostgreSQL only (COPY, gunicorn on the same
database); the benchmark database is made from the test database as a template and dropped at the end."""
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, connections

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the benchmark runs on PostgreSQL only")


def _url(settings: dict, name: str) -> str:
    auth = quote(settings.get("USER") or "postgres")
    if settings.get("PASSWORD"):
        auth += ":" + quote(settings["PASSWORD"])
    return f"postgres://{auth}@{settings.get('HOST') or '127.0.0.1'}:{settings.get('PORT') or 5432}/{name}"


@pytest.mark.django_db(transaction=True)
def test_bench_tiny_builds_measures_and_prints_its_table(tmp_path):
    test_db = connection.settings_dict["NAME"]
    url = _url(connection.settings_dict, f"{test_db}_bench_tiny")
    connections.close_all()  # the test database serves as the template: nobody may be connected to it
    env = {**os.environ, "JOURNAL_ANCHOR_FILE": str(tmp_path / "anchors.jsonl"), "BENCH_WORKERS": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    try:
        done = subprocess.run(
            [sys.executable, "bench/run.py", "--scale", "tiny", "--rebuild", "--database-url", url, "--template",
             test_db, "--results-dir", str(tmp_path)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    finally:
        subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, 'bench'); import run; "
                        f"run.drop_database({url!r})"], cwd=ROOT, env=env, capture_output=True)
    print(done.stdout[-12000:])
    assert done.returncode == 0, done.stderr[-4000:]
    table = done.stdout[done.stdout.index("make bench — scale tiny"):]
    for part in ("[rights]", "[load]", "[pages]", "[journal]", "[memory]", "[generator]"):
        assert part in table
    assert "✗ MISMATCH" not in table  # every consultation and tab answered was journaled
    results = list(tmp_path.glob("*-tiny.json"))
    assert results
    # The load process really read pages: every consultation and tab answered 200 or 302, the minimal view 200.
    load = json.loads(results[0].read_text())["details"]["load"]
    phases = load["phases"]
    consultations = [p for name, p in phases.items() if name.startswith("consultation_")]
    assert consultations and all(p["requests"] > 0 and p["answered"] == p["requests"] == p["journaled"]
                                 for p in consultations), consultations
    minimal = [p for name, p in phases.items() if name.startswith("minimal_")]
    assert minimal and all(set(p["statuses"]) == {"200"} for p in minimal), minimal
    # The ceiling's rungs were served (a refused rung raises) and each entry of the journaled one was counted.
    assert set(load["ladder_8"]) == {"signed_in", "journaled"}
    assert all(r["rung"] > 0 for rounds in load["ladder_8"].values() for r in rounds)
    assert "✗ JOURNAL MISMATCH" not in table
