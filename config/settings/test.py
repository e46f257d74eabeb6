from .base import *  # noqa: F401,F403
from .base import BASE_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing in tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Mails are delivered as soon as their transaction commits (portail/outbox tests use the real backend too).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
AXES_ENABLED = True
# The read replica is a test mirror of default (same database, its own connection): the supervision, statistics
# and journal-search pages run through the router (portail/core/db_router.py) in every test.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
# The database cache in tests whatever the environment: its rows roll back with each test, like the data
# the cached rights come from (the Redis backend is tested on its own, portail/access/tests).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "portail_cache",
                      "OPTIONS": {"MAX_ENTRIES": 10**9}}}
MEDIA_ROOT = BASE_DIR / ".test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None  # assets come from the apps through the finders; no collectstatic here
# Each test run anchors the journal in its own directory, never in the developer's var/.
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

JOURNAL_ANCHOR_FILE = str(Path(tempfile.mkdtemp(prefix="portail-journal-")) / "anchors.jsonl")
