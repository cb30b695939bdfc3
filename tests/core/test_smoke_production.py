"""The production smoke test's own rules (scripts/smoke_production.py, run by `make test`)."""

import importlib.util
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "smoke_production.py"
spec = importlib.util.spec_from_file_location("smoke_production", SCRIPT)
smoke = importlib.util.module_from_spec(spec)
spec.loader.exec_module(smoke)


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/meetings/12/pack/", "/meetings/N/pack/"),
        ("/plan/?theme=3&plan=2", "/plan/?plan&theme"),
        ("/plan/?plan=7&theme=1", "/plan/?plan&theme"),
        ("/indicators/4/values/?period=2026-10-31", "/indicators/N/values/?period"),
        ("/admin/meetings/meeting/?o=1.2&status__exact=held", "/admin/meetings/meeting/"),
    ],
)
def test_one_page_is_checked_per_url_shape(path, expected):
    assert smoke.shape(path) == expected


@pytest.mark.parametrize(
    "href, expected",
    [
        ("/plan/actions/3/", "/plan/actions/3/"),
        ("update/", "/plan/actions/3/update/"),
        ("?theme=2", "/plan/actions/3/?theme=2"),
        ("http://127.0.0.1:8123/meetings/", "/meetings/"),
        ("https://www.gov.uk/", None),
        ("mailto:digital@example.gov.uk", None),
    ],
)
def test_only_links_to_our_own_server_are_followed(href, expected):
    assert smoke.same_host_path("http://127.0.0.1:8123", "/plan/actions/3/", href) == expected


def test_5xx_pages_and_missing_static_files_fail_but_refusals_do_not(capsys):
    results = {
        "/": {"admin": (200, "/"), "board": (200, "/")},
        "/meetings/N/pack/download/": {"admin": (500, "/meetings/4/pack/download/")},
        "/import/": {"board": (403, "/import/")},
        "/progress/": {"clerk": (smoke.NO_ANSWER, "/progress/")},
    }
    static = {"/static/css/app.css": 200, "/static/assets/images/govuk-crest.svg": 404}
    failures = smoke.report(results, static)
    assert failures == [
        "500 /meetings/4/pack/download/ (admin)",
        "no answer /progress/ (clerk)",
        "404 /static/assets/images/govuk-crest.svg (static file)",
    ]
    table = capsys.readouterr().out
    assert "/import/" in table and "403" in table


class _Site(BaseHTTPRequestHandler):
    files = {
        "/static/css/app.css": ("text/css", b'a{background:url("/static/img/ok.svg")}b{mask:url(../img/gone.svg)}'),
        "/static/img/ok.svg": ("image/svg+xml", b"<svg/>"),
    }

    def do_GET(self):
        content_type, body = self.files.get(self.path, ("text/plain", b"not found"))
        self.send_response(200 if self.path in self.files else 404)
        self.send_header("Content-Type", content_type)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_static_files_a_served_stylesheet_refers_to_are_fetched_too():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        browser = smoke.Browser(f"http://127.0.0.1:{server.server_address[1]}")
        statuses = smoke.check_static(browser, {"/static/css/app.css"})
    finally:
        server.shutdown()
        server.server_close()  # the listening socket too, or it is left to the garbage collector
    assert statuses == {"/static/css/app.css": 200, "/static/img/ok.svg": 200, "/static/img/gone.svg": 404}


def test_the_readme_deploys_with_the_commands_the_smoke_test_runs():
    readme = (SCRIPT.parents[1] / "README.md").read_text(encoding="utf-8")
    production = readme.split("## Production deployment", 1)[1].split("\n## ", 1)[0]
    script = SCRIPT.read_text(encoding="utf-8")
    for readme_command, script_args in [
        ("manage.py migrate", '"migrate", "--noinput"'),
        ("manage.py collectstatic --noinput", '"collectstatic", "--noinput"'),
        ("manage.py check --deploy --fail-level WARNING", '"check", "--deploy", "--fail-level", "WARNING"'),
        ("gunicorn config.wsgi --bind 127.0.0.1:8000 --workers 3", '"--workers", "3"'),
    ]:
        assert readme_command in production
        assert script_args in script
    # Gunicorn reachable from anywhere would let anyone forge X-Forwarded-Proto and -For.
    assert "--bind 0.0.0.0" not in readme
