"""Test settings: the real settings with a few values that make tests fast and self-contained."""

import os

os.environ.setdefault("DEBUG", "false")  # tests never read DEBUG from a developer's .env
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-any-real-use-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_COOKIES", "false")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tasks run at once in tests, so an import's result is visible in the same test.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Pages are computed afresh, so query counts are the uncached ones; tests about caching turn it on.
PAGE_CACHE = False
# Every cached or memoised computation that declares the tables it reads is checked against the
# statements it runs, cache on or off (core/cache.py).
PAGE_CACHE_CHECK_READS = True
