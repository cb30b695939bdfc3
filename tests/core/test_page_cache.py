"""Cached pages (core/cache.py): faster when nothing changed, never a stale figure when something did."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import cache as page_cache
from improvement.models import Action, ActionStatus, Inspection, Progress
from indicators.models import Indicator
from tests.dates import LONDON, TODAY
from tests.factories.improvement import ActionFactory, ActionUpdateFactory, InspectionFactory, PlanFactory, ThemeFactory
from tests.factories.indicators import IndicatorFactory, MeasurementFactory, TargetFactory
from tests.meetings.test_pack import _update, board_case  # noqa: F401 (board_case is a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("caching_on")]


@pytest.fixture
def caching_on(settings):
    settings.PAGE_CACHE = True
    cache.clear()


def _text(response) -> str:
    assert response.status_code == 200
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _counts_card(html: str) -> str:
    return html.split('aria-label="Number of actions by RAG rating">')[1].split("</ul>")[0]


def _card(html: str, label: str) -> int:
    """The number on the dashboard's count card for a RAG label ("Amber - at risk")."""
    for item in _counts_card(html).split("<li>")[1:]:
        if label in item:
            return int(item.split('class="app-count">')[1].split("<")[0])
    raise AssertionError(f"no {label} card")


@pytest.fixture
def one_action(officer_user):
    theme = ThemeFactory(plan=PlanFactory(), reference="1", title="Front door")
    action = ActionFactory(
        theme=theme, reference="1.1", title="Redesign the MASH", original_target_date=TODAY, lead_officer=officer_user
    )
    ActionUpdateFactory(
        action=action, date=datetime.date(2026, 11, 1), status=ActionStatus.IN_PROGRESS, progress=Progress.ON_TRACK
    )
    return action


def test_a_new_update_shows_on_the_next_dashboard(board_client, one_action):
    before = _text(board_client.get(reverse("home")))
    assert (_card(before, "Green - on track"), _card(before, "Red - off track")) == (1, 0)
    assert _text(board_client.get(reverse("home"))) == before  # served from the cache

    ActionUpdateFactory(action=one_action, date=TODAY, status=ActionStatus.IN_PROGRESS, progress=Progress.OFF_TRACK)

    after = _text(board_client.get(reverse("home")))
    assert (_card(after, "Green - on track"), _card(after, "Red - off track")) == (0, 1)


@pytest.mark.time_machine(datetime.datetime.combine(TODAY, datetime.time(23, 40), tzinfo=LONDON), tick=False)
def test_at_midnight_an_action_turns_amber_with_no_write(board_client, one_action, time_machine):
    # Due today and on track: green. After midnight it is a day late, within the grace period: amber.
    # (Twenty minutes either side of midnight, so the session is still alive.)
    assert _card(_text(board_client.get(reverse("home"))), "Green - on track") == 1
    time_machine.move_to(
        datetime.datetime.combine(TODAY, datetime.time(23, 40), tzinfo=LONDON) + datetime.timedelta(minutes=40)
    )
    html = _text(board_client.get(reverse("home")))
    assert (_card(html, "Green - on track"), _card(html, "Amber - at risk")) == (0, 1)


def test_the_readers_own_count_is_not_shared(board_client, officer_client, one_action):
    assert "You lead 1 open action" not in _text(board_client.get(reverse("home")))
    assert "You lead 1 open action" in _text(officer_client.get(reverse("home")))


@pytest.mark.parametrize("url_name", ["home", "indicators:scorecard", "improvement:plan"])
def test_a_cached_page_runs_fewer_queries_than_an_uncached_one(url_name, board_client, one_action, settings):
    IndicatorFactory()
    InspectionFactory(kind=Inspection.Kind.MONITORING_VISIT, start_date=datetime.date(2026, 7, 1))
    InspectionFactory(kind=Inspection.Kind.MONITORING_VISIT, start_date=datetime.date(2026, 10, 1))
    url = reverse(url_name)
    board_client.get(url)  # session, permissions and the cache warmed
    cached = _count(board_client, url)
    settings.PAGE_CACHE = False
    uncached = _count(board_client, url)
    assert cached < uncached, (cached, uncached)


def test_a_corrected_value_shows_on_the_next_scorecard_and_indicator_page(board_client, officer_user):
    indicator = IndicatorFactory(owner=officer_user, code="CIN-ASSESS-45", title="Assessments within 45 days")
    TargetFactory(indicator=indicator, effective_from=datetime.date(2025, 1, 1), value=Decimal("90"))
    measurement = MeasurementFactory(indicator=indicator, period=datetime.date(2026, 9, 1), value=Decimal("61.0"))
    pages = [reverse("indicators:scorecard"), reverse("indicators:indicator_detail", args=[indicator.pk])]
    for url in pages:
        assert "61.0%" in _text(board_client.get(url))

    from indicators.services import record_measurement

    record_measurement(indicator=indicator, period=measurement.period, value=Decimal("93.4"), entered_by=officer_user)

    for url in pages:
        html = _text(board_client.get(url))
        assert "93.4%" in html, url


def test_the_pack_changes_when_the_data_does_and_keeps_the_publish_form_to_those_who_publish(
    board_case,  # noqa: F811
    board_client,
    clerk_client,
):
    url = reverse("meetings:pack", args=[board_case["meeting"].pk])
    clerk_page = _text(clerk_client.get(url))
    board_page = _text(board_client.get(url))
    assert "Publish this pack" in clerk_page and "Publish this pack" not in board_page
    assert "Now off track" not in board_page
    sections = board_page[board_page.index('<div class="app-pack">') :]
    assert clerk_page[clerk_page.index('<div class="app-pack">') :] == sections  # one cached fragment, alike

    _update(board_case["steady"], datetime.date(2026, 2, 5), progress=Progress.OFF_TRACK, narrative="Now off track")

    assert "Now off track" in _text(board_client.get(url))


def test_keys_name_the_version_and_the_date():
    key = page_cache.make_key("dashboard", version=41, as_at=TODAY, parts=(3, "x"))
    assert key.startswith("page:dashboard:41:2026-11-22:")
    assert key != page_cache.make_key("dashboard", version=42, as_at=TODAY, parts=(3, "x"))
    assert key != page_cache.make_key("dashboard", version=41, as_at=TODAY, parts=(4, "x"))
    assert len(key) < 250 and " " not in key  # Memcached's limits


def test_progress_between_visits_is_worked_out_once_until_the_data_changes(board_client, one_action, monkeypatch):
    # Its queries are mostly the form's (the visits to choose from); what the cache saves is the replay.
    from dashboard import views

    InspectionFactory(kind=Inspection.Kind.MONITORING_VISIT, start_date=datetime.date(2026, 7, 1))
    InspectionFactory(kind=Inspection.Kind.MONITORING_VISIT, start_date=datetime.date(2026, 10, 1))
    calls = []
    real = views.build_progress
    monkeypatch.setattr(views, "build_progress", lambda *args, **kwargs: calls.append(args) or real(*args, **kwargs))
    first = _text(board_client.get(reverse("progress")))
    assert _text(board_client.get(reverse("progress"))) == first
    assert len(calls) == 1
    ActionUpdateFactory(action=one_action, date=TODAY, status=ActionStatus.COMPLETE, progress="")
    board_client.get(reverse("progress"))
    assert len(calls) == 2


def test_the_progress_pages_sections_come_from_the_cache_without_reading_the_plan(board_client, one_action):
    InspectionFactory(kind=Inspection.Kind.MONITORING_VISIT, start_date=datetime.date(2026, 7, 1))
    first = _text(board_client.get(reverse("progress")))
    with CaptureQueriesContext(connection) as captured:
        again = _text(board_client.get(reverse("progress")))
    assert again == first
    read = " ".join(q["sql"] for q in captured.captured_queries)
    assert "improvement_actionstateperiod" not in read and "indicators_indicator" not in read
    ActionUpdateFactory(action=one_action, date=TODAY, status=ActionStatus.COMPLETE, progress="")
    assert _text(board_client.get(reverse("progress"))) != first  # a write moves the key on


def test_the_indicator_page_and_the_pack_run_fewer_queries_when_cached(
    board_case,  # noqa: F811
    board_client,
    settings,
):
    for url in [
        reverse("indicators:indicator_detail", args=[board_case["indicator"].pk]),
        reverse("meetings:pack", args=[board_case["meeting"].pk]),
    ]:
        settings.PAGE_CACHE = True
        board_client.get(url)
        cached = _count(board_client, url)
        settings.PAGE_CACHE = False
        uncached = _count(board_client, url)
        assert cached < uncached, (url, cached, uncached)


def test_a_new_update_shows_on_the_next_plan_page(board_client, one_action, monkeypatch):
    from improvement import views

    url = reverse("improvement:plan")
    calls = []
    real = views._plan_body
    monkeypatch.setattr(views, "_plan_body", lambda *args: calls.append(args) or real(*args))
    before = _text(board_client.get(url))
    assert (_plan_card(before, "Green - on track"), _plan_card(before, "Red - off track")) == (1, 0)
    assert _text(board_client.get(url)) == before and len(calls) == 1  # the second from the cache
    ActionUpdateFactory(action=one_action, date=TODAY, status=ActionStatus.IN_PROGRESS, progress=Progress.OFF_TRACK)
    after = _text(board_client.get(url))
    assert (_plan_card(after, "Green - on track"), _plan_card(after, "Red - off track")) == (0, 1)


@pytest.mark.time_machine(datetime.datetime.combine(TODAY, datetime.time(23, 40), tzinfo=LONDON), tick=False)
@pytest.mark.parametrize("query", [{}, {"theme": "opened"}, {"sort": "rag"}])
def test_at_midnight_an_action_on_the_plan_page_turns_amber_with_no_write(
    query, board_client, one_action, time_machine
):
    # Due today and on track: green; after midnight a day late, within the grace period: amber. The same
    # for the collapsed themes, an opened theme and a list of actions (each a cached fragment of its own).
    query = {"theme": one_action.theme.pk} if query == {"theme": "opened"} else query
    url = reverse("improvement:plan")
    html = _text(board_client.get(url, query))
    assert (_plan_card(html, "Green - on track"), _plan_card(html, "Amber - at risk")) == (1, 0)
    assert _text(board_client.get(url, query)) == html  # served from the cache
    time_machine.move_to(
        datetime.datetime.combine(TODAY, datetime.time(23, 40), tzinfo=LONDON) + datetime.timedelta(minutes=40)
    )
    html = _text(board_client.get(url, query))
    assert (_plan_card(html, "Green - on track"), _plan_card(html, "Amber - at risk")) == (0, 1)
    if query:  # the action's own row says so too
        assert "1 day overdue" in html and "Amber - at risk" in html.split("<tbody")[1]


def test_each_plan_querystring_is_cached_apart_and_the_admins_link_stays_outside(
    board_client, admin_client_, one_action
):
    # A draft never made active, so an admin may delete it (Plan.save keeps activated_on once set).
    type(one_action.theme.plan).objects.filter(pk=one_action.theme.plan_id).update(status="draft", activated_on=None)
    url = reverse("improvement:plan")
    assert "Redesign the MASH" in _text(board_client.get(url, {"rag": "green"}))
    assert "No actions match these filters" in _text(board_client.get(url, {"rag": "red"}))
    assert "Redesign the MASH" not in _text(board_client.get(url))  # collapsed: no rows
    # The board member, served the same cached body as the admin, never sees the admin's link.
    admin_page, board_page = _text(admin_client_.get(url)), _text(board_client.get(url))
    assert "Delete this plan" in admin_page and "Delete this plan" not in board_page
    body = board_page.index('<h2 class="govuk-heading-m">')
    assert admin_page[admin_page.index('<h2 class="govuk-heading-m">') :] == board_page[body:]


def _plan_card(html: str, label: str) -> int:
    return int(re.search(rf'class="app-count">(\d+)</span><strong[^>]*>{label}<', html).group(1))


def test_a_fragment_that_differs_by_role_is_keyed_by_the_readers_roles(board_user, clerk_user):
    from django.template import engines
    from django.test import RequestFactory

    template = engines["django"].from_string(
        '{% load core_tags %}{% cachedfragment "greeting" role %}{{ words }}{% endcachedfragment %}'
    )

    def render(user, words):
        request = RequestFactory().get("/")
        request.user = user
        return template.render({"role": page_cache.roles_part(user), "words": words}, request)

    assert render(board_user, "for board members") == "for board members"
    assert render(board_user, "changed words, same data version") == "for board members"  # from the cache
    assert render(clerk_user, "for clerks") == "for clerks"
    assert page_cache.roles_part(clerk_user) == "Clerk"


def test_the_indicator_page_is_cached_per_kind_of_reader_so_entry_links_go_only_to_those_who_may_enter(
    role_clients, make_user
):
    owner, owner_client = role_clients["officer"]
    indicator = IndicatorFactory(owner=owner, code="CIN-ASSESS-45", frequency="monthly")
    MeasurementFactory(indicator=indicator, period=datetime.date(2026, 9, 1), value=Decimal("61.0"))
    url = reverse("indicators:indicator_detail", args=[indicator.pk])
    other_officer_client = Client()
    other_officer_client.force_login(make_user("officer"))

    pages = {}
    # The owner first, so a shared entry would carry the button to everyone after.
    for name, client in [
        ("officer", owner_client),
        ("board", role_clients["board"][1]),
        ("other officer", other_officer_client),
        ("clerk", role_clients["clerk"][1]),
        ("admin", role_clients["admin"][1]),
    ]:
        pages[name] = _text(client.get(url))
    has_button = {name: ">Enter a value</a>" in page for name, page in pages.items()}
    assert has_button == {"officer": True, "board": False, "other officer": False, "clerk": False, "admin": True}
    # The readers who may not enter share one rendered page, their own name aside.
    assert pages["board"] == pages["clerk"]


def test_a_cached_indicator_page_costs_the_same_few_queries_however_long_its_history(board_client, officer_user):
    counts = []
    for months in (3, 30):
        indicator = IndicatorFactory(owner=officer_user, frequency="monthly")
        for i in range(months):
            MeasurementFactory(
                indicator=indicator, period=datetime.date(2024 + i // 12, 1 + i % 12, 1), value=Decimal(60 + i % 7)
            )
        url = reverse("indicators:indicator_detail", args=[indicator.pk])
        board_client.get(url)
        counts.append(_count(board_client, url))
    assert counts[0] == counts[1] <= 10, counts


def test_the_cached_scorecard_keeps_each_filter_and_the_entry_link_to_those_who_enter(
    board_client, officer_client, officer_user
):
    IndicatorFactory(owner=officer_user, code="MONTHLY-1", title="A monthly one", frequency="monthly")
    IndicatorFactory(owner=officer_user, code="QUARTERLY-1", title="A quarterly one", frequency="quarterly")
    url = reverse("indicators:scorecard")

    officer_page = _text(officer_client.get(url))
    board_page = _text(board_client.get(url))
    assert "Enter values for the indicators you own" in officer_page
    assert "Enter values for the indicators you own" not in board_page
    assert "A monthly one" in board_page and "A quarterly one" in board_page

    filtered = _text(board_client.get(url, {"frequency": "quarterly"}))
    assert "A quarterly one" in filtered and "A monthly one" not in filtered
    assert '<option value="quarterly" selected>' in filtered
    # And the unfiltered page is still the whole list.
    assert "A monthly one" in _text(board_client.get(url))


def test_a_large_value_is_stored_compressed_and_read_back_as_it_was(rf):
    from django.utils.safestring import SafeString, mark_safe

    from core import clock
    from core.cache import COMPRESS_ABOVE, make_key

    request = rf.get("/")
    html = mark_safe("".join(f"<tr><td>Action {i}</td><td>On track</td></tr>" for i in range(COMPRESS_ABOVE // 20)))
    calls = []
    first = page_cache.cached(request, "big", lambda: calls.append(1) or html)
    again = page_cache.cached(request, "big", lambda: calls.append(1) or html)
    assert first == again == html and isinstance(again, SafeString)  # still safe: a fragment is not escaped
    assert len(calls) == 1
    stored = cache.get(make_key("big", version=page_cache.data_version(request), as_at=clock.today()))
    assert isinstance(stored, page_cache._Compressed) and len(stored.data) < len(html) / 5

    small = {"rows": [1, 2, 3]}
    assert page_cache.cached(request, "small", lambda: small) == small
    assert cache.get(make_key("small", version=page_cache.data_version(request), as_at=clock.today())) == small


# Keyed by the tables read -------------------------------------------------------------------------


def _counted(calls, value):
    def compute():
        calls.append(1)
        return value()

    return compute


def test_a_value_keyed_by_its_tables_outlives_writes_to_other_tables_only(rf, officer_user):
    indicator = IndicatorFactory(owner=officer_user, title="Assessments within 45 days")
    calls = []
    titles = _counted(calls, lambda: list(Indicator.objects.values_list("title", flat=True)))

    def read():  # a request each time, as pages read the versions once per request
        return page_cache.cached(rf.get("/"), "titles", titles, reads=[Indicator])

    assert read() == ["Assessments within 45 days"]
    ActionFactory(theme=ThemeFactory(plan=PlanFactory()), reference="1.1")  # another table: still cached
    assert read() == ["Assessments within 45 days"] and len(calls) == 1
    Indicator.objects.filter(pk=indicator.pk).update(title="Renamed")
    assert read() == ["Renamed"] and len(calls) == 2


def test_a_memo_needs_no_request_and_moves_on_only_at_its_tables_writes(officer_user):
    indicator = IndicatorFactory(owner=officer_user, title="Assessments within 45 days")
    calls = []
    titles = _counted(calls, lambda: list(Indicator.objects.filter(pk=indicator.pk).values_list("title", flat=True)))
    assert page_cache.memo("titles", titles, reads=[Indicator], parts=(indicator.pk,)) == ["Assessments within 45 days"]
    assert page_cache.memo("titles", titles, reads=[Indicator], parts=(indicator.pk,)) == ["Assessments within 45 days"]
    InspectionFactory()
    assert page_cache.memo("titles", titles, reads=[Indicator], parts=(indicator.pk,)) == ["Assessments within 45 days"]
    assert len(calls) == 1
    Indicator.objects.filter(pk=indicator.pk).update(title="Renamed")
    assert page_cache.memo("titles", titles, reads=[Indicator], parts=(indicator.pk,)) == ["Renamed"]
    assert page_cache.memo("titles", titles, reads=[Indicator], parts=("another",)) == ["Renamed"]
    assert len(calls) == 3  # other parts, another entry


@pytest.mark.parametrize("caching", [True, False])
def test_reading_a_table_that_is_not_declared_fails(rf, settings, caching):
    settings.PAGE_CACHE = caching
    IndicatorFactory()
    with pytest.raises(page_cache.UndeclaredRead, match="improvement_action"):
        page_cache.cached(rf.get("/"), "sneaky", lambda: list(Action.objects.all()), reads=[Indicator])
    with pytest.raises(page_cache.UndeclaredRead, match="indicators_indicator_actions"):  # a join counts
        page_cache.memo("sneaky", lambda: Indicator.objects.filter(actions__isnull=False).count(), reads=[Indicator])
    # Declared, the same reads pass; a table name does as well as its model.
    # (An action's default ordering reads its theme.)
    assert page_cache.memo("honest", lambda: list(Action.objects.all()), reads=[Action, "improvement_theme"]) == []
    # A memo inside a cached computation must be covered by the outer declaration too: its tables are the outer's.
    with pytest.raises(page_cache.UndeclaredRead, match="improvement_action"):
        page_cache.cached(
            rf.get("/"),
            "outer",
            lambda: page_cache.memo("inner", lambda: list(Action.objects.order_by()), reads=[Action]),
            reads=[Indicator],
        )


def test_without_the_check_an_undeclared_read_is_not_looked_for(rf, settings):
    settings.PAGE_CACHE_CHECK_READS = False
    assert page_cache.cached(rf.get("/"), "unchecked", lambda: list(Action.objects.all()), reads=[Indicator]) == []


@pytest.mark.parametrize("caching", [True, False])
def test_a_fragment_keyed_by_its_tables_is_checked_and_outlives_other_writes(rf, settings, caching, officer_user):
    from django.template import Context, Template

    settings.PAGE_CACHE = caching
    indicator = IndicatorFactory(owner=officer_user, title="Assessments within 45 days")
    template = Template(
        '{% load core_tags %}{% cachedfragment "titles" reads=reads %}'
        "{% for title in titles %}{{ title }}{% endfor %}{% endcachedfragment %}"
    )

    def render(reads):
        titles = Indicator.objects.values_list("title", flat=True)
        return template.render(Context({"request": rf.get("/"), "reads": reads, "titles": titles}))

    assert render([Indicator]) == "Assessments within 45 days"
    ActionFactory(theme=ThemeFactory(plan=PlanFactory()), reference="1.1")
    Indicator.objects.filter(pk=indicator.pk).update(title="Renamed")
    assert render([Indicator]) == "Renamed"
    with pytest.raises(page_cache.UndeclaredRead, match="indicators_indicator"):
        render(["improvement_action"])


def test_my_actions_are_cached_per_reader_and_a_new_update_moves_them_on(
    officer_client, officer_user, make_user, one_action, monkeypatch
):
    from improvement import views

    url = reverse("improvement:my_actions")
    calls = []
    real = views._my_actions
    monkeypatch.setattr(views, "_my_actions", lambda *args: calls.append(args) or real(*args))
    before = _text(officer_client.get(url))
    assert "Needing an update" in before and "1.1 Redesign the MASH" in before
    assert _text(officer_client.get(url)) == before and len(calls) == 1  # the second from the cache

    # Another officer's lists are their own, not this reader's cached ones.
    other = Client()
    other.force_login(make_user("officer", username="otto.other"))
    assert "You do not lead any actions" in _text(other.get(url)) and len(calls) == 2

    ActionUpdateFactory(action=one_action, date=TODAY, status=ActionStatus.IN_PROGRESS, progress=Progress.OFF_TRACK)
    after = _text(officer_client.get(url))
    assert len(calls) == 3 and "Red - off track" in after and "Red - off track" not in before
