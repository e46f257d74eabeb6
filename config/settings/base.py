from pathlib import Path

import dj_database_url

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me")
# Key of the journal's HMAC chain; never stored in the database (production requires it, see prod.py).
JOURNAL_HMAC_KEY = env_str("JOURNAL_HMAC_KEY", "dev-only-journal-key-not-secret")
# Append-only file, outside the database, where each `journal_verify` writes the head it checked.
JOURNAL_ANCHOR_FILE = env_str("JOURNAL_ANCHOR_FILE", str(BASE_DIR / "var" / "journal-anchors.jsonl"))
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "widget_tweaks",
    "dsfr",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "portail.core",
    "portail.accounts",
    "portail.conventions",
    "portail.habilitations",
    "portail.journal",
    "portail.dossiers",
    "portail.dialogue",
    "portail.supervision",
    "portail.aide",
    "portail.pages",
    "portail.home",
    "portail.demo",
    "django_tasks",
    "django_tasks_db",
    "portail.outbox",
    "portail.proconnect",
    "rest_framework",
    "drf_spectacular",
    "portail.api",
    "portail.scim",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portail.core.uploads.RequestBodyLimitMiddleware",  # before anything reads the body (CSRF, forms)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portail.core.middleware.NoStoreMiddleware",  # wraps every later layer, error pages included
    "django.contrib.messages.middleware.MessageMiddleware",
    "portail.accounts.sessions.SessionLimitsMiddleware",  # idle/absolute limits, closed or suspended users
    "portail.accounts.second_factor.SecondFactorMiddleware",  # a session whose owner now needs a code is ended
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "portail.journal.middleware.JournalUnavailableMiddleware",
    "portail.accounts.middleware.PasswordChangeRequiredMiddleware",
    "portail.proconnect.middleware.ProConnectMiddleware",  # inside CSP: adds the provider to form-action
    "portail.core.db_router.ReplicaReadsMiddleware",  # last: session and user already read from the primary
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portail.home.context_processors.portal",
                "portail.accounts.sessions.session_timer",
            ],
        },
    },
]
FORM_RENDERER = "dsfr.forms.DsfrDjangoTemplates"
# django-dsfr marks alert/message contents safe by default; ours may carry user text (names, codes).
DSFR_CONTENT_IS_SAFE = False

# DATABASE_URL selects PostgreSQL (postgres://…); absent, the embedded SQLite file is used.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
# MIGRATE_DATABASE_URL: the owner role that runs `migrate --database owner` (the app role only INSERTs and
# SELECTs on the journal: `manage.py journal_db_roles`). Same database, so tests mirror it on default.
if env_str("MIGRATE_DATABASE_URL"):
    DATABASES["owner"] = {**dj_database_url.parse(env_str("MIGRATE_DATABASE_URL")), "TEST": {"MIRROR": "default"}}
# DATABASE_REPLICA_URL: a read replica of default (PostgreSQL streaming replication). The supervision, statistics
# and journal-search pages read from it (portail/core/db_router.py); everything else, and every write, uses default.
if env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = {**dj_database_url.parse(env_str("DATABASE_REPLICA_URL"),
                                                    conn_max_age=env_int("DB_CONN_MAX_AGE", 60)),
                            "TEST": {"MIRROR": "default"}}
# PostgreSQL: parameters bound by the server, and a statement run for the fifth time on a connection prepared there
# (psycopg's prepare_threshold): the server parses and plans a page's usual queries once per connection, not on every
# request (a consultation: a third less of the database's CPU). The replica serves only the supervision, statistics
# and journal-search pages, whose filters (any period, a scope of any size) want a plan made for the values at hand:
# nothing is prepared there, nor on the primary while it serves those pages (`db_router.ReplicaReadsMiddleware`).
# DB_SERVER_SIDE_BINDING=0 goes back to parameters bound by psycopg (nothing prepared but the rights' statement).
if DATABASES["default"]["ENGINE"].endswith("postgresql") and env_bool("DB_SERVER_SIDE_BINDING", True):
    for alias in DATABASES:
        DATABASES[alias]["OPTIONS"] = {**DATABASES[alias].get("OPTIONS", {}), "server_side_binding": True,
                                       "prepare_threshold": None if alias == "replica" else 5}
DATABASE_ROUTERS = ["portail.core.db_router.ReplicaRouter"]
REPLICA_READ_NAMESPACES = ["supervision", "statistiques", "journal_caf"]
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # IMMEDIATE: a transaction takes the write lock when it begins, so services that read a rule's input
    # then write are serialised (SQLite has no row locks) instead of failing with « database is locked ».
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The shared cache (effective rights of users: portail/access/rights_cache.py): every worker sees the same
# entries and invalidations. Redis when REDIS_URL is given (redis://127.0.0.1:6379/0); otherwise a table of
# the database (created by `migrate`), so the embedded default needs nothing more.
if env_str("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "portail.core.redis_cache.RedisCache", "LOCATION": env_str("REDIS_URL"),
                          "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "portail")}}
    # Sessions read from Redis, written through to the database (which stays the reference): one query less
    # on every page. Without Redis they stay in the database alone.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # No culling: the rights' version stamps must stay (entries expire at midnight by themselves).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "portail_cache",
                          "OPTIONS": {"MAX_ENTRIES": 10**9}}}
RIGHTS_CACHE = "default"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "portail.accounts.backends.PortalBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "portail.accounts.password_validation.SinglePatternValidator"},
    {"NAME": "portail.accounts.password_validation.PersonalDataValidator"},
    {"NAME": "portail.accounts.password_validation.PasswordHistoryValidator", "OPTIONS": {"count": 5}},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home:index"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 72  # activation and reset links live three days

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 10  # no session outlives the absolute limit below
# portail/accounts/sessions.py: a session idle for SESSION_IDLE_SECONDS, or older than SESSION_ABSOLUTE_SECONDS
# since the login, ends; the page warns SESSION_WARNING_SECONDS before (core/js/session-timeout.js).
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 15 * 60)
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 10 * 60 * 60)
SESSION_WARNING_SECONDS = 60
# A request records activity in the session only when the last record is this old (one write a minute, not
# one per page); the idle limit and the page's timer both count from the record.
SESSION_ACTIVITY_RESOLUTION_SECONDS = env_int("SESSION_ACTIVITY_RESOLUTION_SECONDS", 60)
# Only the browser tests speed the page's timer up (one browser second = this many seconds of session).
SESSION_TIMER_SPEED = 1
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True

# Request bodies: refused with a 413 from their Content-Length before being read
# (portail/core/uploads.py): 1 Mo for any form, 6 Mo for the Dialogue form (a 5 Mo PDF and the text).
REQUEST_BODY_MAX_BYTES = 1024 * 1024
REQUEST_BODY_LIMITS = {"dialogue:new": 6 * 1024 * 1024, "documents:upload": 11 * 1024 * 1024,
                       "habilitations:users_import": 5 * 1024 * 1024}  # a file of 10,000 users: 4 Mo
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # text fields of any form, files excluded
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # a larger attachment is spooled to disk, not held in memory
DATA_UPLOAD_MAX_NUMBER_FILES = 5

# Lockout per identifier whatever the address (5 failures, a cool-off that doubles with each recent
# lockout), and per address over all identifiers (AXES_ADDRESS_FAILURE_LIMIT): see accounts/lockout.py.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 20)
AXES_HANDLER = "portail.accounts.lockout.PortalAxesHandler"
AXES_COOLOFF_TIME = "portail.accounts.lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_CLIENT_IP_CALLABLE = "portail.core.requests.client_ip"
# Addresses or networks of our own reverse proxies / load balancers: only they may set X-Forwarded-For.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
# axes.W006 asks for "ip_address" among the lockout parameters; the address limit is enforced by
# PortalAxesHandler instead, with its own (higher) threshold, so an office behind one address is
# not locked out by five typing mistakes.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_LOCKOUT_CALLABLE = "portail.accounts.lockout.lockout_response"
AXES_ENABLED = env_bool("AXES_ENABLED", True)

# Second factor (portail/accounts/second_factor.py): TOTP in an authenticator app, recovery codes as
# static tokens. A wrong code also counts as a failed sign-in for the lockout above.
OTP_TOTP_ISSUER = "Portail Partenaires"
# Password and second factor typed again within this delay before a sensitive action (reauth.py).
REAUTH_MAX_AGE_SECONDS = 5 * 60

# ProConnect (portail/proconnect, README « ProConnect »): OpenID Connect sign-in, off while the discovery URL
# or the client id is empty. Integration: https://fca.integ01.dev-agentconnect.fr/api/v2/.well-known/openid-configuration
PROCONNECT_DISCOVERY_URL = env_str("PROCONNECT_DISCOVERY_URL")
PROCONNECT_CLIENT_ID = env_str("PROCONNECT_CLIENT_ID")
PROCONNECT_CLIENT_SECRET = env_str("PROCONNECT_CLIENT_SECRET")
PROCONNECT_SCOPES = env_list("PROCONNECT_SCOPES", ["openid", "email", "given_name", "usual_name", "uid", "siret",
                                                   "idp_id"])
# Empty: PORTAL_BASE_URL + /proconnect/retour/ and /proconnect/deconnexion/ (declare both to ProConnect).
PROCONNECT_REDIRECT_URI = env_str("PROCONNECT_REDIRECT_URI")
PROCONNECT_POST_LOGOUT_REDIRECT_URI = env_str("PROCONNECT_POST_LOGOUT_REDIRECT_URI")
# acr values asked of the provider (empty: none asked); the portal's own code step follows when none of
# PROCONNECT_MFA_ACR_VALUES / PROCONNECT_MFA_AMR_VALUES is asserted in the ID token.
PROCONNECT_ACR_VALUES = env_list("PROCONNECT_ACR_VALUES", [])
PROCONNECT_MFA_ACR_VALUES = env_list("PROCONNECT_MFA_ACR_VALUES", [
    "eidas2", "eidas3", "https://proconnect.gouv.fr/assurance/self-asserted-2fa",
    "https://proconnect.gouv.fr/assurance/consistency-checked-2fa"])
PROCONNECT_MFA_AMR_VALUES = env_list("PROCONNECT_MFA_AMR_VALUES", ["mfa"])
PROCONNECT_TIMEOUT_SECONDS = env_int("PROCONNECT_TIMEOUT_SECONDS", 10)

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Portail Partenaires <ne-pas-repondre@portail-partenaires.caf.fr>")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "sent_emails"))
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)

# Mail outbox (portail/outbox): mails are rows sent by the worker (`manage.py db_worker`), through
# Django's tasks API with the database backend. Retries: 1 min, 2, 4… at most 6 h apart, 15 attempts.
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"), "QUEUES": ["default"]}}
OUTBOX_RETRY_SECONDS = env_int("OUTBOX_RETRY_SECONDS", 60)
OUTBOX_RETRY_MAX_SECONDS = env_int("OUTBOX_RETRY_MAX_SECONDS", 6 * 60 * 60)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 15)
OUTBOX_SWEEP_SECONDS = env_int("OUTBOX_SWEEP_SECONDS", 60)

# Public address of the portal, the start of every link in e-mails (activation, password reset, e-mail change,
# Dialogue, administrator naming). `make run` sets it from HOST and PORT; set it in production.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'self'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# REST API under /api/v1/ (portail/api): tokens only (no session, hence no CSRF), problem+json errors,
# throttling in the default cache: API_THROTTLE_RATE calls per token, API_ADDRESS_FAILURE_RATE refused tokens
# per address (beyond it, 429 before the token is checked).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["portail.api.tokens.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["portail.api.permissions.TokenRequired"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "portail.api.pagination.Pagination",
    "DEFAULT_THROTTLE_CLASSES": ["portail.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env_str("API_THROTTLE_RATE", "600/min"),
                               "address": env_str("API_ADDRESS_FAILURE_RATE", "60/hour")},
    "EXCEPTION_HANDLER": "portail.api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API du Portail Partenaires",
    "DESCRIPTION": "Conventions, groupes, utilisateurs, appartenances et journal d'une convention, "
                   "par un jeton créé par son administrateur (page « Jetons d'API »).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
}
