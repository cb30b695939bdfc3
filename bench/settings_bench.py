"""Settings for the benchmarks: the app's own settings, with the floor page added to its URLs.

BENCH_CACHE=off replaces every cache with Django's dummy cache, which stores nothing: each request
does all its work, as the query-count tests count it. Unset or "on", the caches are the app's own.
"""

import os

from config.settings import *  # noqa: F403

ROOT_URLCONF = "urls_bench"

if os.environ.get("BENCH_CACHE", "on") == "off":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    PAGE_CACHE = False  # and the pages do not even read the data version
