from .base import *  # noqa: F401,F403
from .env import env_bool

DEBUG = env_bool("DEBUG", False)

WHITENOISE_USE_FINDERS = True  # serve the DSFR assets without collectstatic on the embedded setup
from .env import env_str  # noqa: E402

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
