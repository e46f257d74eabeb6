from .base import *  # noqa: F401,F403
from .env import env_bool

DEBUG = env_bool("DEBUG", False)

WHITENOISE_USE_FINDERS = True  # serve the DSFR assets without collectstatic on the embedded setup
STATIC_ROOT = None  # assets come from the apps through the finders; no collectstatic here
from .env import env_str  # noqa: E402

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
