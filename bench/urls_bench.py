"""The app's URLs plus the floor page: the cheapest page Django can serve with the same middleware,
session and signed-in user, so load_pages.py can report each page as a share of what the machine
manages at that moment (a noisy, shared machine moves both alike)."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from config.urls import handler500  # noqa: F401
from config.urls import urlpatterns as app_urlpatterns

FLOOR_TEMPLATE = engines["django"].from_string(
    """<!DOCTYPE html><html lang="en"><head><title>Floor</title></head><body>
<p>Signed in as {{ user.get_username }}</p>
<table><thead><tr><th>Number</th><th>Name</th><th>Value</th></tr></thead><tbody>
{% for row in rows %}<tr><td>{{ row.number }}</td><td>{{ row.name }}</td><td>{{ row.value|floatformat:1 }}</td></tr>
{% endfor %}</tbody></table></body></html>"""
)


def floor(request):
    rows = [{"number": n, "name": f"Row {n}", "value": n * 1.5} for n in range(100)]
    return HttpResponse(FLOOR_TEMPLATE.render({"rows": rows, "user": request.user}, request))


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *app_urlpatterns]
