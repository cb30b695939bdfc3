import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-like-secret-key-that-is-long-and-random-3f9a8b7c6d5e4f3a2b1c",
    "ALLOWED_HOSTS": "improvement.example.gov.uk",
    "CSRF_TRUSTED_ORIGINS": "https://improvement.example.gov.uk",
    "DATABASE_URL": "sqlite:////tmp/check-deploy.sqlite3",
}


def _manage(*args, env):
    # The test process relaxes SECURE_* for the test client; a deployment would not.
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_ENV
        and k != "DJANGO_SETTINGS_MODULE"
        and not k.startswith("SECURE_")
        and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_missing_secret_key_with_debug_off_is_refused():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_bad_boolean_is_refused_clearly():
    result = _manage("check", env={**PRODUCTION_ENV, "DEBUG": "perhaps"})
    assert result.returncode != 0
    assert "DEBUG must be true or false, not 'perhaps'" in result.stderr


@pytest.mark.django_db
def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo")


def _counts():
    from django.apps import apps

    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"auth", "improvement", "indicators", "meetings"}
    }


def test_seed_demo_twice_leaves_the_same_counts(demo_council, settings):
    # The first seed is the session's (tests/demo_snapshot.py), copied in.
    settings.DEBUG = True
    first = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first
    assert first["auth.User"] >= 8


@pytest.mark.parametrize(
    "name",
    [
        "TRUSTED_PROXY_COUNT",
        "SESSION_IDLE_TIMEOUT_MINUTES",
        "SESSION_ABSOLUTE_TIMEOUT_HOURS",
        "PASSWORD_RESET_LIMIT_PER_EMAIL",
        "PASSWORD_RESET_LIMIT_PER_ADDRESS",
        "PASSWORD_RESET_WINDOW_MINUTES",
    ],
)
def test_a_count_or_timeout_below_one_is_refused_clearly(name):
    result = _manage("check", env={**PRODUCTION_ENV, "BEHIND_TLS_PROXY": "true", name: "0"})
    assert result.returncode != 0
    assert f"{name} must be 1 or more, not 0" in result.stderr


def test_behind_a_proxy_the_settings_trust_its_headers_and_still_pass_check_deploy():
    env = {**PRODUCTION_ENV, "BEHIND_TLS_PROXY": "true", "TRUSTED_PROXY_COUNT": "2"}
    script = (
        "from django.conf import settings as s;"
        "print(s.SECURE_PROXY_SSL_HEADER, s.TRUSTED_PROXY_COUNT, s.AXES_CLIENT_IP_CALLABLE,"
        " s.SESSION_COOKIE_AGE, s.SESSION_ABSOLUTE_TIMEOUT)"
    )
    result = _manage("shell", "--no-imports", "-c", script, env=env)
    assert result.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https') 2 core.network.client_ip 3600 12:00:00"
    assert _manage("check", "--deploy", "--fail-level", "WARNING", env=env).returncode == 0


def test_every_asset_the_built_css_refers_to_is_in_the_build():
    build = ROOT / "build" / "static"
    css = (build / "css" / "app.css").read_text(encoding="utf-8")
    urls = set(re.findall(r"url\(\s*[\"']?(/static/[^\"')?#]+)", css))
    assert urls, "the compiled CSS refers to no assets: has the build changed?"
    missing = sorted(url for url in urls if not (build / url.removeprefix("/static/")).is_file())
    assert missing == []
    assert not list(build.rglob("*.woff*")), "the GDS Transport fonts are for GOV.UK only"


def test_collectstatic_under_production_settings_builds_the_manifest(tmp_path):
    env = {**PRODUCTION_ENV, "STATIC_ROOT": str(tmp_path / "static")}
    result = _manage("collectstatic", "--noinput", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    assert "css/app.css" in manifest["paths"]
    assert "assets/images/govuk-crest.svg" in manifest["paths"]
