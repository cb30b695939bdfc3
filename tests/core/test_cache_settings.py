"""CACHE_URL chooses where cached pages and the throttle counters live (README, Configuration)."""

import pytest

from tests.core.test_settings import PRODUCTION_ENV, _manage

SHOW = (
    "from django.conf import settings as s; d = s.CACHES['default']; print(d['BACKEND'], d['LOCATION'], s.PAGE_CACHE)"
)


@pytest.mark.parametrize(
    "url, expected",
    [
        ("", "django.core.cache.backends.db.DatabaseCache core_cache True"),
        (
            "redis://cache.internal:6379/0",
            "django.core.cache.backends.redis.RedisCache redis://cache.internal:6379/0 True",
        ),
        ("memcached://10.0.0.5:11211", "django.core.cache.backends.memcached.PyMemcacheCache 10.0.0.5:11211 True"),
    ],
)
def test_cache_url_picks_the_backend(url, expected):
    result = _manage("shell", "--no-imports", "-c", SHOW, env={**PRODUCTION_ENV, "CACHE_URL": url})
    assert result.stdout.strip() == expected, result.stderr


def test_page_caching_can_be_turned_off():
    result = _manage("shell", "--no-imports", "-c", SHOW, env={**PRODUCTION_ENV, "PAGE_CACHE": "false"})
    assert result.stdout.strip().endswith(" False"), result.stderr


def test_an_unknown_cache_url_is_refused_clearly():
    result = _manage("check", env={**PRODUCTION_ENV, "CACHE_URL": "mongodb://x"})
    assert result.returncode != 0
    assert "CACHE_URL must start redis://, rediss://, unix:// or memcached://, not 'mongodb://x'" in result.stderr
