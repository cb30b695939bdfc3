"""Settings for load_pages.py's gunicorn: the app's own settings, with the floor page added to its URLs."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "urls_bench"
