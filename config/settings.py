"""Settings for the children's services improvement tracker.

Everything that differs between a developer's laptop and a council's server comes from
environment variables (see README, "Configuration"). Development defaults are safe to run
locally; production must set DEBUG=false, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_secret, env_str, load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")

## CORE

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "development-only-insecure-key-do-not-use-in-production"
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see README, Configuration)")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

COUNCIL_NAME = env_str("COUNCIL_NAME", "Riverford Borough Council")
# The council's DfE code (new form E08000025 or old form 330) and its statistical neighbours' codes,
# for loading published statistics. Only the first use reads these: admins then edit them in the app.
COUNCIL_LA_CODE = env_str("COUNCIL_LA_CODE", "")
STATISTICAL_NEIGHBOURS = env_list("STATISTICAL_NEIGHBOURS", [])
SERVICE_NAME = env_str("SERVICE_NAME", "Children's services improvement")
# The service's public address, for links in emails sent by scheduled commands (no request to read it from).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The address people should write to about accessibility problems (shown on the statement).
ACCESSIBILITY_CONTACT_EMAIL = env_str("ACCESSIBILITY_CONTACT_EMAIL", "digital@example.gov.uk")

INSTALLED_APPS = [
    "config.apps.CouncilAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "import_export",
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
    # Our apps, lowest first: a lower app never imports a higher one.
    "core",
    "improvement",
    "indicators",
    "meetings",
    "imports",
    "dashboard",
    "demo",
    # Last, so that our own widget templates win over Django's.
    "django.forms",
]

MIDDLEWARE = [
    # First: refuses a body too large, chunked, or from someone who may not upload, before CSRF
    # (or anything else) reads it.
    "core.middleware.RequestBodyGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's, but polling requests do not push the idle timeout on (core/middleware.py).
    "core.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.NoStoreForSignedInMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages, so the sign-in page can say why the session ended.
    "core.middleware.AbsoluteSessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must come last so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.service",
            ],
        },
    },
]
FORM_RENDERER = "core.forms.GovukFormRenderer"

## DATABASE

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        # Checked before each request reuses a connection, so the app survives a database restart.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default has two writers (the web process and the import worker): wait for a lock
    # instead of failing at once, take write locks when a transaction starts, and let readers read
    # while a long import writes.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

## AUTHENTICATION AND SESSIONS

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "core.auth_backends.PermissionsInOneQueryBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after this much inactivity: a person's requests push the expiry forward, saving the
# session at most once a minute (core.middleware.SessionMiddleware), not on every page view.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 60) * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_IDLE_TOUCH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
# ...and this long after signing in, however active, so a stolen or forgotten session does not last
# for ever (core.middleware.AbsoluteSessionLifetimeMiddleware).
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env_int("SESSION_ABSOLUTE_TIMEOUT_HOURS", 12))

# A TLS-terminating proxy in front: trust its X-Forwarded-Proto, and take the client's address from
# X-Forwarded-For, the TRUSTED_PROXY_COUNT-th entry from the right (core/network.py says why).
# Without a proxy both headers are ignored: anyone could write them.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1)

# Zero would sign everyone out at once, or count nothing: a typo, not a choice.
# The password-reset limits too: a limit of 0 would refuse every reset after the first, and a
# window of 0 would tell people to "wait 0 minutes".
for _name in [
    "SESSION_IDLE_TIMEOUT_MINUTES",
    "SESSION_ABSOLUTE_TIMEOUT_HOURS",
    "TRUSTED_PROXY_COUNT",
    "PASSWORD_RESET_LIMIT_PER_EMAIL",
    "PASSWORD_RESET_LIMIT_PER_ADDRESS",
    "PASSWORD_RESET_WINDOW_MINUTES",
]:
    if env_int(_name, 1) < 1:
        raise ImproperlyConfigured(f"{_name} must be 1 or more, not {env_int(_name, 1)}")

# Failed sign-ins are throttled per user name and address (the client's, not the proxy's).
AXES_CLIENT_IP_CALLABLE = "core.network.client_ip"
AXES_FAILURE_LIMIT = env_int("SIGN_IN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SIGN_IN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Password-reset requests are throttled per email address and per client address, whether or not
# the account exists, so the limit says nothing about which addresses have accounts.
PASSWORD_RESET_LIMIT_PER_EMAIL = env_int("PASSWORD_RESET_LIMIT_PER_EMAIL", 3)
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", 10)
PASSWORD_RESET_WINDOW = timedelta(minutes=env_int("PASSWORD_RESET_WINDOW_MINUTES", 60))

## CACHE (throttle counters and cached pages)

# In the database by default, so every web process on every machine counts the same requests and
# reads the same cached pages; the table is created by a core migration (create_cache_table), so
# `migrate` is all a deployment runs. CACHE_URL points it at Redis (redis://...; the operator installs
# the `redis` package) or Memcached (memcached://host:port, through pymemcache) instead.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL.startswith("memcached://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": CACHE_URL.removeprefix("memcached://"),
        }
    }
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL must start redis://, rediss://, unix:// or memcached://, not {CACHE_URL!r}")
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "core_cache",
            # Pages cached under old data versions are never read again; culling clears them out.
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 3000)},
        }
    }
# Cached page computations and fragments, keyed by the data version and today (core/cache.py).
PAGE_CACHE = env_bool("PAGE_CACHE", True)
PAGE_CACHE_TIMEOUT = env_int("PAGE_CACHE_TIMEOUT_SECONDS", 86_400)
# The longest a request waits for another process working out the same cached value (core/cache.py).
PAGE_CACHE_WAIT_SECONDS = env_int("PAGE_CACHE_WAIT_SECONDS", 5)
# Check that a cached computation reads only the tables it declares (core/cache.py): on in the tests,
# off in production, where it would cost a regex per statement.
PAGE_CACHE_CHECK_READS = env_bool("PAGE_CACHE_CHECK_READS", False)

## SECURITY (check --deploy clean when DEBUG is off)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# /healthz is probed over plain HTTP by load balancers inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Everything is served from our own origin. Styles allow inline attributes because plotly sets
# the size and colours of chart elements with them; scripts never run inline.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'",
)
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

## EMAIL

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "improvement-tracker@example.gov.uk")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

## STATIC FILES

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# static/ is ours; build/static/ is compiled from npm packages by `npm run build` and never committed.
STATICFILES_DIRS = [BASE_DIR / "static", BASE_DIR / "build" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

## BACKGROUND TASKS (imports that take more than a moment)

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# The worker (`manage.py run_worker`) writes a heartbeat every few seconds; past this it counts as
# gone (/healthz says how long ago it was seen; its running imports are marked failed).
WORKER_STALE_SECONDS = env_int("WORKER_STALE_SECONDS", 60)
# A queued import's status page says "waiting for the background worker" after this long.
IMPORT_QUEUE_WARNING_SECONDS = env_int("IMPORT_QUEUE_WARNING_SECONDS", 30)
# An import still reading or applying after this long is marked failed by the reaper.
IMPORT_JOB_TIME_LIMIT_MINUTES = env_int("IMPORT_JOB_TIME_LIMIT_MINUTES", 60)
# An import no worker has started after this long is marked failed (the admin can retry it).
IMPORT_QUEUE_LIMIT_HOURS = env_int("IMPORT_QUEUE_LIMIT_HOURS", 24)

## APP SETTINGS

# Action RAG: labels and the grace period are configuration, because councils define RAG differently.
ACTION_RAG_AMBER_DAYS_LATE = env_int("ACTION_RAG_AMBER_DAYS_LATE", 30)
ACTION_RAG_LABELS = {
    "blue": env_str("RAG_LABEL_BLUE", "Blue - complete"),
    "green": env_str("RAG_LABEL_GREEN", "Green - on track"),
    "amber": env_str("RAG_LABEL_AMBER", "Amber - at risk"),
    "red": env_str("RAG_LABEL_RED", "Red - off track"),
    "grey": env_str("RAG_LABEL_GREY", "Grey - not started"),
}
# An action "needs an update" when its last update is older than this, or it is due within it.
ACTION_UPDATE_DUE_DAYS = env_int("ACTION_UPDATE_DUE_DAYS", 30)
# Reminders about actions and indicators start this many days before a board that reviews them meets.
MEETING_REMINDER_DAYS_AHEAD = env_int("MEETING_REMINDER_DAYS_AHEAD", 14)
# Set the proxy's body limit (nginx client_max_body_size) to the same figure (see README).
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_MB", 10) * 1024 * 1024
# Cells (rows count as one each) an import reads from one file, all sheets together; a file with more
# is refused as soon as it passes the cap, so a crafted file cannot exhaust the worker (imports.parsing.limits).
IMPORT_MAX_CELLS = env_int("IMPORT_MAX_CELLS", 2_000_000)
# Form fields other than files; a larger body to a page that takes no file is refused with 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The import reads an upload whole into memory (and the database) anyway, so an accepted file
# never needs a temporary file on disk.
FILE_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_UPLOAD_BYTES
# The import forms take one file, the published statistics form a release and its metadata file;
# nothing else takes any.
DATA_UPLOAD_MAX_NUMBER_FILES = 2

## LOCALE

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, g:i a"
SHORT_DATE_FORMAT = "j M Y"
USE_THOUSAND_SEPARATOR = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

## RETENTION (`manage.py purge`, daily from cron; README "Personal data and retention")

# Days each kind of personal data is kept before the daily purge removes it.
PURGE_IMPORT_FILES_DAYS = env_int("PURGE_IMPORT_FILES_DAYS", 90)
PURGE_SIGN_IN_LOG_DAYS = env_int("PURGE_SIGN_IN_LOG_DAYS", 90)
PURGE_TASK_RESULTS_DAYS = env_int("PURGE_TASK_RESULTS_DAYS", 30)
# At least a day: today's rows are what stop a second reminder email today.
PURGE_REMINDER_LOG_DAYS = env_int("PURGE_REMINDER_LOG_DAYS", 365)
for _name, _least in [
    ("PURGE_IMPORT_FILES_DAYS", 0),
    ("PURGE_SIGN_IN_LOG_DAYS", 0),
    ("PURGE_TASK_RESULTS_DAYS", 0),
    ("PURGE_REMINDER_LOG_DAYS", 1),
]:
    if globals()[_name] < _least:
        raise ImproperlyConfigured(f"{_name} must be {_least} or more days, not {globals()[_name]}")
