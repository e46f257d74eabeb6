"""Settings of `make bench`: the production settings, on the benchmark database, served over plain HTTP
on the loopback by gunicorn (the load process says `X-Forwarded-Proto: https`, as the proxy would).

Differences from production, and only these: default keys when none are given (the benchmark database holds
no real data), assets served from the apps (no collectstatic), the minimal comparison view mounted
(`bench/urls.py`), and the test client's host accepted for the in-process page timings.
"""
import os

os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("JOURNAL_HMAC_KEY", "bench-only-journal-key-not-for-production-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

from .prod import *  # noqa: E402,F401,F403
from .base import BASE_DIR  # noqa: E402

ROOT_URLCONF = "bench.urls"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None
JOURNAL_ANCHOR_FILE = os.environ.get("JOURNAL_ANCHOR_FILE", str(BASE_DIR / "var" / "bench-journal-anchors.jsonl"))
