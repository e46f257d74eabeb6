"""The WSGI application of `make bench`: config.wsgi, with the URLconf and its views imported before gunicorn
forks its workers (`--preload`), so that no worker pays the imports on its first request."""
import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

from django.urls import get_resolver  # noqa: E402

from config.wsgi import application  # noqa: E402,F401

get_resolver().url_patterns  # noqa: B018 (imports every view module)
gc.freeze()  # the views too (config.wsgi froze what was loaded before them)
