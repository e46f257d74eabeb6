import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
application = get_wsgi_application()
# What is loaded now lives as long as the process: out of the collector's way, so its full passes stay short
# (with gunicorn --preload, the workers also keep sharing those pages).
gc.freeze()
