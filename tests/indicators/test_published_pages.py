"""Published statistics on the indicator page and the scorecard: benchmarks across the years, rank and quartile."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from imports.published import Mapping, apply_changes, read_release, release_changes
from indicators import charts
from tests.factories.indicators import IndicatorFactory
from tests.imports import published_data as data

pytestmark = pytest.mark.django_db
TODAY = datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def fixed_day():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def no_marker_providers(monkeypatch):
    monkeypatch.setattr(charts, "_marker_providers", [])


def text_of(response) -> str:
    html = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def loaded(*codes, value=data.default_value, polarity="higher"):
    """Annual indicators loaded from a generated release (as the command or admin page would)."""
    indicators = [
        IndicatorFactory(code=code, title=f"Placement stability {code}", frequency="annual", polarity=polarity)
        for code in codes
    ]
    release = read_release(data.release_csv(data.rows(value=value)), "cla_2024.csv")
    changes = release_changes(
        release,
        [Mapping(code, "percentage", {"age": "Total"}) for code in codes],
        la_code=data.OWN[0],
        neighbours=data.NEIGHBOUR_CODES,
    )
    apply_changes(changes, job=None, user=None, file_name="cla_2024.csv")
    return indicators


def suppressed_neighbour(year, code, age):
    if year == 2024 and code == data.NEIGHBOURS[0][0]:
        return "c"
    if year == 2023 and code == data.OWN[0]:
        return "c"
    return data.default_value(year, code, age)


@pytest.mark.parametrize("role", ["admin", "officer", "board", "clerk"])
def test_every_role_sees_the_rank_quartile_and_benchmarks_each_year(role, make_user, client):
    (indicator,) = loaded("CLA-1", value=suppressed_neighbour)
    client.force_login(make_user(role))
    text = text_of(client.get(indicator.get_absolute_url()))

    assert "Compared with all councils" in text
    # One council's figure was suppressed that year: 7 had a number.
    assert "1st quartile (best): 1st of 7 councils in 2023/24" in text
    assert "2023/24 72.0% 62.0% 64.0% (London) 59.5% (mean of 2 of 3 neighbours) 1 of 7 1st quartile (best)" in text
    # The council's own figure was suppressed in 2022/23: said in words, no rank that year.
    assert "2022/23 No value (suppressed) 61.0% 63.0% (London) 61.0% No rank No quartile" in text
    assert "the column percentage where age = Total, last loaded from cla_2024.csv" in text


def test_an_outsider_cannot_see_the_indicator_page(outsider_client):
    (indicator,) = loaded("CLA-1")
    assert outsider_client.get(indicator.get_absolute_url()).status_code == 403


def test_the_chart_draws_england_region_and_neighbours_as_lines_across_the_years(board_client):
    (indicator,) = loaded("CLA-1")
    chart = board_client.get(indicator.get_absolute_url()).context["chart"]
    traces = {trace["name"]: trace for trace in chart["data"]}
    ours = traces["Our value"]
    for name in ("England", "Region", "Statistical neighbours"):
        assert traces[name]["mode"] == "lines+markers"
        # The same three years, at the same places as the council's own series.
        assert traces[name]["x"] == ours["x"]
    assert traces["England"]["y"] == [60.0, 61.0, 62.0]


def test_a_close_to_target_indicator_says_why_it_has_no_rank(board_client):
    (indicator,) = loaded("CLA-1", polarity="close")
    text = text_of(board_client.get(indicator.get_absolute_url()))
    assert "No rank for 2023/24" in text
    assert "no council's figure is better than another's" in text


def test_an_indicator_without_published_figures_has_no_block(board_client):
    indicator = IndicatorFactory(frequency="annual")
    assert "Compared with all councils" not in text_of(board_client.get(indicator.get_absolute_url()))


def test_the_scorecard_shows_the_quartile_in_words(board_client):
    loaded("CLA-1")
    (lower,) = loaded("CLA-2", polarity="lower")
    IndicatorFactory(code="LOCAL-1", title="Local only", frequency="monthly")
    response = board_client.get(reverse("indicators:scorecard"))
    text = text_of(response)
    assert "Quartile among councils" in text
    assert "1st quartile (best): 1st of 8 councils in 2023/24" in text
    assert "4th quartile (worst): 8th of 8 councils in 2023/24" in text
    assert "No published rank" in text


@pytest.mark.parametrize("count", [1, 4])
def test_scorecard_query_count_is_fixed_with_published_ranks(count, board_client, django_assert_num_queries):
    loaded(*[f"CLA-{i}" for i in range(count)])
    # session, user, permissions (one query), filter: themes, owners; scorecard: indicators,
    # targets, benchmarks, values (known_values), SPC re-bases; published ranks; session save (savepoint,
    # update, release)
    with django_assert_num_queries(14):
        response = board_client.get(reverse("indicators:scorecard"))
    assert len(response.context["rows"]) == count


@pytest.mark.parametrize("values", [data.default_value, suppressed_neighbour])
def test_indicator_page_query_count_is_fixed_with_published_figures(
    values, board_client, no_marker_providers, django_assert_num_queries
):
    (indicator,) = loaded("CLA-1", value=values)
    # session, user, permissions x2; indicator (with owner and published source), value versions (with
    # their measurements and history), targets, benchmarks, themes, actions; published ranks (it has a
    # published source); chart markers (inspections and meetings in one); no SPC re-bases (annual);
    # session save (savepoint, update, release)
    with django_assert_num_queries(15):
        response = board_client.get(indicator.get_absolute_url())
    assert response.status_code == 200


def test_indicator_page_query_count_does_not_grow_with_years(
    board_client, no_marker_providers, django_assert_num_queries
):
    indicator = IndicatorFactory(code="CLA-9", frequency="annual", polarity="higher")
    release = read_release(data.release_csv(data.rows(years=range(2010, 2025))), "long.csv")
    changes = release_changes(
        release,
        [Mapping("CLA-9", "percentage", {"age": "Total"})],
        la_code=data.OWN[0],
        neighbours=data.NEIGHBOUR_CODES,
    )
    apply_changes(changes, job=None, user=None, file_name="long.csv")
    with django_assert_num_queries(15):
        response = board_client.get(indicator.get_absolute_url())
    assert len(response.context["published"]["rows"]) == 15
