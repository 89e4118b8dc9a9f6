"""Paragraf settings, read from environment variables only.

With nothing set, Paragraf runs embedded: an SQLite file under .local/, Celery
tasks executed in-process, e-mail printed to the console. See .env.example.

Over 400 lines because every setting is here, each with the comment that says what it does;
splitting them would hide one setting from the next.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_DIR = Path(os.environ.get("PARAGRAF_LOCAL_DIR", BASE_DIR / ".local"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("PARAGRAF_PRODUCTION"):
        raise RuntimeError("DJANGO_SECRET_KEY must be set in production.")
    SECRET_KEY = "insecure-demo-key-only-for-local-use-never-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "django_prose_editor",
    "config.apps.AxesConfig",  # axes, named in Swedish (config/apps.py)
    "csp",
    "django_otp",
    "config.apps.OtpTotpConfig",  # django_otp.plugins.otp_totp, named in Swedish
    "simple_history",
    "committees",
    "cases",
    "meetings",
    "attendance",
    "portal",
    "oparl",
    "workspace",
    "archive",
    "reading",  # the members' reading view and their private annotations
    "alerts",  # bevakning: the public's e-mail subscriptions (after the portal: its signals first)
    "audit",
    "operations",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "config.middleware.PrivateResponseMiddleware",  # above the session and CSRF: sees their cookies
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.LanguageMiddleware",
    "config.middleware.RequestLimitsMiddleware",  # no TRACE, not too many query parameters
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "audit.middleware.ProtokollLockedMiddleware",
    "config.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the lockout page
]

ROOT_URLCONF = "config.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# Database: DATABASE_URL (PostgreSQL) or the embedded SQLite file.
if os.environ.get("DATABASE_URL"):
    # Persistent connections are checked before each request reuses them, so a database
    # restart costs the next request a reconnect, not an error.
    DATABASES = {
        "default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True)
    }
else:
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": LOCAL_DIR / "paragraf.sqlite3",
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: broker and cache when REDIS_URL is set; otherwise tasks run in-process.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL or None)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not bool(REDIS_URL))
CELERY_TASK_EAGER_PROPAGATES = True
# Faults (docs/security.md): a task is acknowledged only when it has finished, and given back
# to the queue when its worker dies, so a killed worker's task runs again (tasks are
# idempotent for this); each worker process takes one task at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# No task may run for ever: the soft limit raises inside the task, the hard limit kills the
# worker process (prefork pool). Rendering and conversion take seconds; LibreOffice has its
# own, shorter limit (PARAGRAF_CONVERSION_TIMEOUT).
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("PARAGRAF_TASK_SOFT_TIME_LIMIT", "300"))
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
CELERY_TIMEZONE = "Europe/Stockholm"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker (or result store) that is down must fail a web request in a second or two, not
# after minutes of retries: callers catch the error and leave the work to the beat sweeps.
# The worker itself keeps retrying its connection (broker_connection_max_retries).
_FAST_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = _FAST_RETRY
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **_FAST_RETRY,
    "socket_connect_timeout": 2,
    # Redis: an unacknowledged task is handed out again after this many seconds (longer
    # than any task runs, see the time limit above). Tests of a killed worker lower it
    # through CELERY_BROKER_TRANSPORT_OPTIONS (JSON), e.g. {"visibility_timeout": 3}.
    "visibility_timeout": 3600,
    **json.loads(os.environ.get("CELERY_BROKER_TRANSPORT_OPTIONS") or "{}"),
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": _FAST_RETRY}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Public pages for anonymous visitors are served from the cache for this long (portal/caching.py).
PARAGRAF_PUBLIC_CACHE_SECONDS = int(os.environ.get("PARAGRAF_PUBLIC_CACHE_SECONDS", "60"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Members sign in on Paragraf's own login page; the admin keeps its own.
LOGIN_URL = "meetings:login"
LOGIN_REDIRECT_URL = "meetings:home"
LOGOUT_REDIRECT_URL = "meetings:login"

# --- Access (docs/security.md, "Access") ---
# django-axes checks every login (members' and admin's) before Django's own backend: five wrong
# passwords for one username from one address lock that pair out for 15 minutes; a correct
# login clears the count. Re-entering the password to sign a protokoll counts the same way.
AUTHENTICATION_BACKENDS = [
    "committees.access.LoginThrottlingBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Password reset by e-mail (committees/password_views.py): requests per address and per client
# address within the window (seconds).
PARAGRAF_PASSWORD_RESET_PER_ADDRESS = int(os.environ.get("PARAGRAF_PASSWORD_RESET_PER_ADDRESS", "3"))
PARAGRAF_PASSWORD_RESET_PER_IP = int(os.environ.get("PARAGRAF_PASSWORD_RESET_PER_IP", "10"))
PARAGRAF_PASSWORD_RESET_WINDOW = int(os.environ.get("PARAGRAF_PASSWORD_RESET_WINDOW", "3600"))
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link is valid for one day (and used once)
AXES_FAILURE_LIMIT = int(os.environ.get("PARAGRAF_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("PARAGRAF_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "committees.access.lockout_response"
AXES_CLIENT_IP_CALLABLE = "committees.access.client_ip_address"
# Behind reverse proxies (production), the client's address is the one the outermost of them
# appended to X-Forwarded-For: say how many proxies append to it (0: use REMOTE_ADDR).
PARAGRAF_TRUSTED_PROXY_COUNT = int(os.environ.get("PARAGRAF_TRUSTED_PROXY_COUNT", "0"))

# Sessions last a working day (an evening fullmäktige included); no script reads either cookie
# (the admin and the prose editor send the CSRF token from the form), so both are HttpOnly.
SESSION_COOKIE_AGE = int(os.environ.get("PARAGRAF_SESSION_HOURS", "12")) * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# --- Identity providers (OpenID Connect; docs/signing.md, "Identity providers") ---
# Off while PARAGRAF_OIDC_ISSUER is unset: then only local accounts (the demo's default).
# Sign-in and justering through one provider: authorization code flow with PKCE (Authlib,
# committees/oidc.py). A person is found by a verified claim of the ID token
# (PARAGRAF_OIDC_MATCH_CLAIM) equal to the Person field the identity administrator registered
# (PARAGRAF_OIDC_MATCH_FIELD, one of Person.IDENTITY_FIELDS); an "email" claim counts only with
# email_verified true. Justering asks for a fresh login (prompt=login, max_age=0) at the level
# PARAGRAF_OIDC_SIGNING_ACR: the token's acr must be that level or one after it in
# PARAGRAF_OIDC_ACR_ORDER (lowest first), and its auth_time at most PARAGRAF_OIDC_MAX_AUTH_AGE
# seconds old.
PARAGRAF_OIDC_ISSUER = os.environ.get("PARAGRAF_OIDC_ISSUER", "").rstrip("/")
PARAGRAF_OIDC_CLIENT_ID = os.environ.get("PARAGRAF_OIDC_CLIENT_ID", "")
PARAGRAF_OIDC_CLIENT_SECRET = os.environ.get("PARAGRAF_OIDC_CLIENT_SECRET", "")
PARAGRAF_OIDC_SCOPES = os.environ.get("PARAGRAF_OIDC_SCOPES", "openid email profile")
PARAGRAF_OIDC_MATCH_CLAIM = os.environ.get("PARAGRAF_OIDC_MATCH_CLAIM", "email")
PARAGRAF_OIDC_MATCH_FIELD = os.environ.get("PARAGRAF_OIDC_MATCH_FIELD", "email")
PARAGRAF_OIDC_SIGNING_ACR = os.environ.get(
    "PARAGRAF_OIDC_SIGNING_ACR", "http://id.elegnamnden.se/loa/1.0/loa3"
)
PARAGRAF_OIDC_ACR_ORDER = env_list(
    "PARAGRAF_OIDC_ACR_ORDER",
    "http://id.elegnamnden.se/loa/1.0/loa2,http://id.elegnamnden.se/loa/1.0/loa3,"
    "http://id.elegnamnden.se/loa/1.0/loa4",
)
PARAGRAF_OIDC_MAX_AUTH_AGE = int(os.environ.get("PARAGRAF_OIDC_MAX_AUTH_AGE", "300"))
# The name on the buttons ("Log in with …"), e.g. "BankID" or "SITHS".
PARAGRAF_OIDC_PROVIDER_NAME = os.environ.get("PARAGRAF_OIDC_PROVIDER_NAME", "e-legitimation")
# How long the invitation link of an external justerare (no Paragraf account) stays valid.
PARAGRAF_SIGNING_INVITATION_DAYS = int(os.environ.get("PARAGRAF_SIGNING_INVITATION_DAYS", "14"))

# Two-step verification (django-otp, TOTP): optional for everyone; once a user has a confirmed
# device every login asks for a code, the admin's too. This forces secretaries to enrol.
PARAGRAF_REQUIRE_OTP_FOR_SECRETARIES = env_bool("PARAGRAF_REQUIRE_OTP_FOR_SECRETARIES", default=False)
OTP_TOTP_ISSUER = os.environ.get("PARAGRAF_OTP_ISSUER", "Paragraf")

# Content Security Policy (django-csp): no inline script anywhere outside the admin, which gets
# inline styles and the prose editor's import map (by its hash): config.middleware.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF],  # the members' service worker (/sw.js) and PDF.js's worker
        "manifest-src": [SELF],  # /manifest.webmanifest
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", LOCAL_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing directory
STATICFILES_DIRS = [BASE_DIR / "static"]
# Static files are served by WhiteNoise (compressed, cache-busting names) outside DEBUG. Media
# files are never served directly: they may be confidential; views check permission per file.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("PARAGRAF_PRODUCTION")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", LOCAL_DIR / "media"))

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# For django.core.mail.backends.filebased.EmailBackend (one file per e-mail; used by tests of
# the worker, which runs in another process).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(LOCAL_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "paragraf@localhost")

# Production hardening, switched on with PARAGRAF_PRODUCTION=1.
if env_bool("PARAGRAF_PRODUCTION"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

# Paragraf's own settings (the reglemente's configurable rules, with the common defaults).
PARAGRAF_JUSTERING_DAYS = int(os.environ.get("PARAGRAF_JUSTERING_DAYS", "14"))
PARAGRAF_UPLOAD_MAX_BYTES = int(os.environ.get("PARAGRAF_UPLOAD_MAX_BYTES", str(50 * 1024 * 1024)))
# DOCX/ODT handlingar are converted to PDF by LibreOffice; without it, only PDFs are accepted.
PARAGRAF_SOFFICE = os.environ.get("PARAGRAF_SOFFICE", "soffice")
# Start-up checks to leave out, e.g. "cases.W001" where LibreOffice is left out on purpose
# (docs/operations.md, "Start-up checks").
SILENCED_SYSTEM_CHECKS = env_list("DJANGO_SILENCED_SYSTEM_CHECKS")
PARAGRAF_CONVERSION_TIMEOUT = int(os.environ.get("PARAGRAF_CONVERSION_TIMEOUT", "180"))
# Bad input (docs/security.md): the most pages a handling may have, what a DOCX/ODT may unpack
# to (a zip bomb is refused), and the memory LibreOffice may take while converting.
PARAGRAF_UPLOAD_MAX_PAGES = int(os.environ.get("PARAGRAF_UPLOAD_MAX_PAGES", "2000"))
PARAGRAF_UPLOAD_MAX_UNPACKED_BYTES = int(
    os.environ.get("PARAGRAF_UPLOAD_MAX_UNPACKED_BYTES", str(250 * 1024 * 1024))
)
PARAGRAF_CONVERSION_MAX_MEMORY_MB = int(os.environ.get("PARAGRAF_CONVERSION_MAX_MEMORY_MB", "2048"))
# Digital signatures: where the signing CA and the signers' keys live (keep it out of the web
# root and back it up), the passphrase of those keys, extra trusted roots, and the backend.
PARAGRAF_SIGNING_DIR = Path(os.environ.get("PARAGRAF_SIGNING_DIR", LOCAL_DIR / "signing"))
PARAGRAF_SIGNING_PASSPHRASE = os.environ.get("PARAGRAF_SIGNING_PASSPHRASE", "") or SECRET_KEY
PARAGRAF_SIGNING_TRUST_ROOTS = env_list("PARAGRAF_SIGNING_TRUST_ROOTS")
PARAGRAF_SIGNER_BACKEND = os.environ.get(
    "PARAGRAF_SIGNER_BACKEND", "meetings.signing.pdf_signatures.LocalCertificateBackend"
)
# The RFC 3161 timestamp authority of every signature (docs/signing.md, "Timestamps and
# long-term validation"). Unset: signatures are PAdES B-B and /verifiera/ says so. With it each
# signature is timestamped and its validation data embedded (B-LT), and a document whose last
# signer is done gets a document timestamp (B-LTA). The TSA's root certificates (PEM files) are
# PARAGRAF_TSA_TRUST_ROOTS, trusted for timestamps only.
PARAGRAF_TSA_URL = os.environ.get("PARAGRAF_TSA_URL", "")
PARAGRAF_TSA_TIMEOUT = int(os.environ.get("PARAGRAF_TSA_TIMEOUT", "10"))
PARAGRAF_TSA_TRUST_ROOTS = env_list("PARAGRAF_TSA_TRUST_ROOTS")
# The address the site is served at, for every link in an e-mail (kallelse, justering, absence,
# password reset, login invitation): env SITE_URL (`make demo` sets it from HOST and PORT), or the
# older PARAGRAF_BASE_URL.
PARAGRAF_BASE_URL = (
    os.environ.get("SITE_URL") or os.environ.get("PARAGRAF_BASE_URL") or "http://127.0.0.1:8000"
).rstrip("/")
# How long a login invitation (a signer without a login creates one) can be used.
PARAGRAF_LOGIN_INVITATION_DAYS = int(os.environ.get("PARAGRAF_LOGIN_INVITATION_DAYS", "7"))
# Periodic tasks (celery beat). Kallelse e-mails that could not be queued (broker down) or
# failed are sent by this sweep; it never sends one twice.
CELERY_BEAT_SCHEDULE = {
    "meetings.send_pending_kallelse": {"task": "meetings.tasks.send_pending_kallelse", "schedule": 300.0},
    "cases.convert_pending_documents": {"task": "cases.tasks.convert_pending_documents", "schedule": 600.0},
    # OParl created/modified/tombstones for changes that sent no signal (oparl/signals.py).
    "oparl.refresh_records": {"task": "oparl.tasks.refresh_records", "schedule": 300.0},
    "cases.remind_remiss_deadlines": {"task": "cases.tasks.remind_remiss_deadlines", "schedule": 3600.0},
    "meetings.send_pending_justering_requests": {
        "task": "meetings.tasks.send_pending_justering_requests",
        "schedule": 600.0,
    },
    # The anslagstavla: take down what is due (its appeal period over), alert about unposted protokoll.
    # The tasks live in meetings/anslag/tasks.py under the names they were first registered with.
    "portal.take_down_due_anslag": {"task": "portal.anslag_tasks.take_down_due_anslag", "schedule": 3600.0},
    "portal.alert_unposted_protokoll": {
        "task": "portal.anslag_tasks.alert_unposted_protokoll",
        "schedule": 3600.0,
    },
    # Laga kraft: remind the secretary once when a protokoll's appeal time ends.
    "meetings.remind_appeal_periods_ended": {
        "task": "meetings.lagakraft.remind_appeal_periods_ended",
        "schedule": 3600.0,
    },
    # The archive delivery of each committee's previous year (idempotent: an unchanged package is
    # left as it is).
    "archive.export_previous_year": {"task": "archive.tasks.export_previous_year", "schedule": 86400.0},
}
# The archive deliveries (E-ARK SIP per committee and period, archive/): where they are written.
PARAGRAF_ARCHIVE_DIR = Path(os.environ.get("PARAGRAF_ARCHIVE_DIR", LOCAL_DIR / "archive"))
# The reference of the leveransöverenskommelse with the archive, written into each package (SIP5).
PARAGRAF_ARCHIVE_SUBMISSION_AGREEMENT = os.environ.get("PARAGRAF_ARCHIVE_SUBMISSION_AGREEMENT", "")
# Bevakning (alerts/): the immediate digests' sweep for what an on-commit enqueue missed, and
# the daily digests in the morning.
CELERY_BEAT_SCHEDULE["alerts.send_immediate_digests"] = {
    "task": "alerts.tasks.send_immediate_digests",
    "schedule": 600.0,
}
CELERY_BEAT_SCHEDULE["alerts.send_daily_digests"] = {
    "task": "alerts.tasks.send_daily_digests",
    "schedule": crontab(hour=7, minute=0),
}
# How long a confirmation link works, and the requests for a bevakning allowed an hour to one
# address and from one client (docs/bevakning.md).
PARAGRAF_ALERTS_CONFIRM_HOURS = int(os.environ.get("PARAGRAF_ALERTS_CONFIRM_HOURS", "48"))
PARAGRAF_ALERTS_PER_ADDRESS = int(os.environ.get("PARAGRAF_ALERTS_PER_ADDRESS", "3"))
PARAGRAF_ALERTS_PER_CLIENT = int(os.environ.get("PARAGRAF_ALERTS_PER_CLIENT", "10"))
# The public verification page (/verifiera/) checks uploaded PDFs up to this size.
PARAGRAF_VERIFY_MAX_BYTES = int(os.environ.get("PARAGRAF_VERIFY_MAX_BYTES", str(25 * 1024 * 1024)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint logs every rendering step ("Step 2 - Fetching and parsing CSS"), pikepdf and
    # fontTools their work at INFO: noise in the worker's log and in management commands.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "pikepdf": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # failures and lockouts; successful logins are in the admin
    },
}
