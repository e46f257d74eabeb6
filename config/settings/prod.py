from .base import *  # noqa: F401,F403
from .env import env_list, env_str

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY doit être défini en production")
JOURNAL_HMAC_KEY = env_str("JOURNAL_HMAC_KEY")
if len(JOURNAL_HMAC_KEY) < 32:
    raise RuntimeError("JOURNAL_HMAC_KEY (32 caractères au moins) doit être défini en production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# "__Host-" cookies are refused by browsers unless Secure, host-only and for "/": no subdomain can set them.
SESSION_COOKIE_NAME = "__Host-portail-session"
CSRF_COOKIE_NAME = "__Host-portail-csrf"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Strict"
# The public https origin(s) of the portal, e.g. "https://partenaires.caf.fr" (forms posted through the proxy).
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [f"https://{host}" for host in ALLOWED_HOSTS if host != "*"])
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
