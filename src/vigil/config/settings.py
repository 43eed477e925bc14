"""Vigil's one settings module. Every deployment differs only by environment variables.

Each variable is documented, with its default, in docs/configuration.md.
"""

import secrets
from pathlib import Path
from urllib.parse import urlsplit

import environ
import leaflet

from vigil.config.languages import LANGUAGES  # noqa: F401 - Django reads it from here

BASE_DIR = Path(__file__).resolve().parents[3]
SRC_DIR = Path(__file__).resolve().parents[1]

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env("VIGIL_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _development_secret_key() -> str:
    """A key kept in var/ so that sessions survive a restart; never used when SECRET_KEY is set."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env("SECRET_KEY", default=None) or _development_secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "vigil.core",
    "vigil.places",
    "vigil.people",
    "vigil.risk",
    "vigil.travel",
    "vigil.incidents",
    "vigil.crisis",
    "vigil.hq",
    "vigil.training",
    "vigil.wellbeing",
    "vigil.coordination",
    "vigil.performance",
    "vigil.aviation",
    "vigil.costshare",
    "vigil.evidence",
]

MIDDLEWARE = [
    "vigil.core.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "vigil.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "vigil.core.mfa.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "vigil.core.middleware.RequestSizeMiddleware",
    "vigil.core.middleware.SessionActivityMiddleware",
    "vigil.core.middleware_errors.DomainErrorMiddleware",
]

# The largest file or pasted text Vigil takes (a CAP message, an import): one limit, and a
# request a little larger for the form's other fields. A larger request is answered 400 with
# a message in the user's language. (Attachments have their own, larger limit: files do not
# count here.)
VIGIL_MAX_UPLOAD_BYTES = env.int("VIGIL_MAX_UPLOAD_BYTES", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = VIGIL_MAX_UPLOAD_BYTES + 256 * 1024
# CAP feeds are fetched and webhooks posted only to public addresses: a host that resolves to a
# loopback, private, link-local, multicast or reserved address is refused (vigil.core.netguard).
# True allows them, for a gateway or feed on the organization's own network.
VIGIL_ALLOW_PRIVATE_FETCH = env.bool("VIGIL_ALLOW_PRIVATE_FETCH", default=False)

ROOT_URLCONF = "vigil.config.urls"
WSGI_APPLICATION = "vigil.config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "vigil.core.context_processors.vigil",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'vigil.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at BEGIN,
    # so two concurrent transactions queue instead of failing half-way with "database locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": env("VIGIL_SQLITE_TEST_NAME", default=None)}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"
AXES_FAILURE_LIMIT = env.int("VIGIL_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
# Failures are counted per username and address, and per username across all addresses (a
# guess spread over many machines); either count reaching the limit locks that username for
# the cool-off time. The lock names no account and ends by itself.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"

# Production is DEBUG off (the default). There the cookies are __Host- cookies (sent only over
# HTTPS, to this host, for every path) and HSTS tells browsers to come back only over HTTPS.
# VIGIL_SECURE_COOKIES=false is for a plain-HTTP test machine only.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("VIGIL_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_NAME = "__Host-sessionid" if SESSION_COOKIE_SECURE else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if SESSION_COOKIE_SECURE else "csrftoken"
# The absolute limit of a session, from sign-in, and the idle limit: a session unused for
# VIGIL_SESSION_IDLE_MINUTES ends (vigil.core.middleware.SessionActivityMiddleware).
SESSION_COOKIE_AGE = env.int("VIGIL_SESSION_MAX_HOURS", default=12) * 60 * 60
VIGIL_SESSION_IDLE_MINUTES = env.int("VIGIL_SESSION_IDLE_MINUTES", default=30)
# API tokens: how long a new one lasts unless its issuer says otherwise.
VIGIL_API_TOKEN_DAYS = env.int("VIGIL_API_TOKEN_DAYS", default=90)
# A password reset link lasts one hour; requests are limited per address and per IP.
PASSWORD_RESET_TIMEOUT = 60 * 60
VIGIL_PASSWORD_RESET_RATE = env("VIGIL_PASSWORD_RESET_RATE", default="3/hour")
VIGIL_PASSWORD_RESET_RATE_IP = env("VIGIL_PASSWORD_RESET_RATE_IP", default="10/hour")
SECURE_HSTS_SECONDS = env.int("VIGIL_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("VIGIL_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("VIGIL_HSTS_PRELOAD", default=False)
# Plain HTTP answered with a redirect to HTTPS, except the health checks a load balancer
# probes over HTTP.
SECURE_SSL_REDIRECT = env.bool("VIGIL_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind a reverse proxy that ends TLS, trust its X-Forwarded-Proto so that links built from
# the request (password reset mails) start with https.
if env.bool("VIGIL_TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma
# separated; none by default): the client's address, for the sign-in lockout, the reset
# limits and the audit log, is then the last one they did not add (core.middleware).
VIGIL_TRUSTED_PROXIES = env.list("VIGIL_TRUSTED_PROXIES", default=[])
X_FRAME_OPTIONS = "DENY"

# --- Internationalization -------------------------------------------------------------------
LANGUAGE_CODE = "en"
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
LOCALE_PATHS = [SRC_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "vigil_language"

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Leaflet's files come from the django-leaflet package. Its Django app is not installed: its
# admin integration needs GDAL, which Vigil does not use (geometry work is done with shapely).
STATICFILES_DIRS = [Path(leaflet.__file__).resolve().parent / "static"]
MEDIA_ROOT = VAR_DIR / "media"

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that a bad token is answered 401 with a WWW-Authenticate header.
        "vigil.core.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "vigil.core.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "vigil.core.api.exception_handler",
    # Every API endpoint needs a signed-in user, so only users are throttled.
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env("VIGIL_API_RATE_USER", default="5000/hour")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Vigil API",
    "DESCRIPTION": "Security management information system of the UN Security Management System.",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name ("kind", "status", "category") get names of their
    # own, rather than names with a hash in them that change from one schema to the next.
    "ENUM_NAME_OVERRIDES": {
        "DutyStationKindEnum": "vigil.places.models.DutyStation.Kind",
        "OrganizationKindEnum": "vigil.people.models.Organization.Kind",
        "PersonCategoryEnum": "vigil.people.models.Person.Category",
        "PersonStatusEnum": "vigil.people.models.Person.Status",
        "DependantStatusEnum": "vigil.people.models.Dependant.Status",
        "TravelKindEnum": "vigil.travel.models.TravelRequest.Kind",
        "AccountStatusEnum": "vigil.crisis.rules.AccountStatus",
    },
}

# --- Background jobs ------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A task whose pool process dies goes back on the queue at once (acks_late).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One task at a time per process: the chunks of a broadcast are shared by every worker, not
# hoarded by the first.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 600
# Redis: a task taken by a worker that died whole is handed out again after this. Longer than
# any task's time limit (600 s), so that a task still running is never handed to a second
# worker; a dead chunk's rows do not wait for it (their lease, 20 s, and the sweep, 30 s).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900)}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "review-reminders": {"task": "vigil.risk.tasks.send_review_reminders",
                         "schedule": 24 * 60 * 60},
    # Data protection: whereabouts and closed counselling cases past their keeping period
    # (VIGIL_WHEREABOUTS_RETENTION_DAYS, VIGIL_COUNSELLING_RETENTION_DAYS).
    "core-retention": {"task": "vigil.core.tasks.apply_retention", "schedule": 24 * 60 * 60},
    # Crisis management (vigil.crisis.tasks.PERIODIC; `vigil crisis_clock` runs the same
    # without a broker).
    # The sweep that resumes a fan-out whose worker died: every 30 s, so that sending resumes
    # within a minute (docs/reliability.md).
    "crisis-deliver-due": {"task": "vigil.crisis.tasks.deliver_due", "schedule": 30},
    "crisis-reminders": {"task": "vigil.crisis.tasks.send_reminders", "schedule": 60},
    "crisis-checkins": {"task": "vigil.crisis.tasks.schedule_checkins", "schedule": 300},
    "crisis-escalations": {"task": "vigil.crisis.tasks.escalate_checkins", "schedule": 120},
    "crisis-cap-feeds": {"task": "vigil.crisis.cap_tasks.poll_cap_feeds", "schedule": 300},
    # Critical-incident stress: a case proposed for each person an incident affected.
    "wellbeing-propose-cases": {"task": "vigil.wellbeing.tasks.propose_cases", "schedule": 300},
    # Aviation: an assessment past its valid-until date leaves its operator not assessed.
    "aviation-expire": {"task": "vigil.aviation.tasks.expire_assessments", "schedule": 3600},
    # Travel: the open trips re-cleared when a level, an advisory, an area's controls or the
    # travel settings changed (vigil.travel.tasks; a level approval also asks at once).
    "travel-reclear-changed": {"task": "vigil.travel.tasks.reclear_changed", "schedule": 300},
    # The whole system's indicator figures kept warm for the global dashboard and home panel
    # (performance.figures: recomputed when older than 10 minutes).
    "performance-figures": {"task": "vigil.performance.tasks.refresh_current",
                            "schedule": 5 * 60},
}

# --- Cache ----------------------------------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://vigil")}

# --- E-mail ---------------------------------------------------------------------------------
MAIL_DIR = VAR_DIR / "mail"
_email_url = env("EMAIL_URL", default="")
if _email_url:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "vigil.core.mail_files.EmailBackend"  # one file per message
    EMAIL_FILE_PATH = MAIL_DIR
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="vigil@localhost")
# Where people reach Vigil: the links in e-mails, check-ins and feeds start with it. Unset, it
# is this machine at PORT (which `make run` serves on), so a link never names another port.
VIGIL_BASE_URL = env("VIGIL_BASE_URL",
                     default=f"http://127.0.0.1:{env.int('PORT', default=8000)}").rstrip("/")
# The <sender> of the CAP messages Vigil publishes; empty: "vigil@" and VIGIL_BASE_URL's host.
VIGIL_CAP_SENDER = env("VIGIL_CAP_SENDER", default="")

# --- Maps -----------------------------------------------------------------------------------
# Empty: the offline Natural Earth basemap only. Set an XYZ URL to draw tiles beneath it.
VIGIL_MAP_TILE_URL = env("VIGIL_MAP_TILE_URL", default="")
VIGIL_MAP_TILE_ATTRIBUTION = env("VIGIL_MAP_TILE_ATTRIBUTION", default="")
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (15.0, 10.0),
    "DEFAULT_ZOOM": 2,
    "MIN_ZOOM": 1,
    "MAX_ZOOM": 12,
    "TILES": [],
    "RESET_VIEW": False,
    "NO_GLOBALS": False,
    "ATTRIBUTION_PREFIX": "Natural Earth",
}

def tile_sources(url: str) -> list[str]:
    """The CSP source for an XYZ tile URL; a {s} subdomain placeholder becomes a wildcard."""
    if not url:
        return []
    parts = urlsplit(url.replace("{s}.", "*."))
    return [f"{parts.scheme}://{parts.netloc}"]


# --- Content Security Policy: nothing comes from another origin. -----------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", *tile_sources(VIGIL_MAP_TILE_URL)],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# The published demo password (README); demo data is refused on a database with users.
VIGIL_DEMO_PASSWORD = "vigil-demo-2026"  # noqa: S105  # nosec B105 - the published demo password

# --- Data protection (docs/privacy.md) ---
VIGIL_WHEREABOUTS_RETENTION_DAYS = env.int("VIGIL_WHEREABOUTS_RETENTION_DAYS", default=730)
VIGIL_COUNSELLING_RETENTION_DAYS = env.int("VIGIL_COUNSELLING_RETENTION_DAYS", default=3650)
