"""Settings of the test project: an RMM's Django project that uses the installed app
maintmode_django, on one PostgreSQL database reached with the standard libpq
environment (PGHOST, PGPORT, PGUSER, PGPASSWORD)."""
import os

SECRET_KEY = "maintmode-example-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "maintmode_django",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "maintmode_django.middleware.ActorMiddleware",
]

ROOT_URLCONF = "maintsite.urls"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("MAINTMODE_APP_DB", "maintmode_app"),
        # Empty values let libpq fall back to its own environment and defaults.
        "HOST": os.environ.get("PGHOST", ""),
        "PORT": os.environ.get("PGPORT", ""),
        "USER": os.environ.get("PGUSER", ""),
        "PASSWORD": os.environ.get("PGPASSWORD", ""),
        "ATOMIC_REQUESTS": True,
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

# One line per test ("PASS name" / "FAIL name" / ...) for test/run_all.sh to count.
TEST_RUNNER = "fleet.runner.OneLinePerTestRunner"
