"""The plan page stays small: themes collapsed to their RAG counts, one theme opened on request, filters
listing matching actions across themes 100 to a page; the print view and the exports never paged."""

import csv
import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
from django.urls import reverse

from improvement.models import Action, ActionStatus, ActionUpdate, Plan, Progress, Rag, TargetDateRevision
from improvement.services import refresh_action_state
from improvement.views import PLAN_PAGE_SIZE
from tests.dates import TODAY
from tests.factories.improvement import ActionFactory, ActionUpdateFactory, PlanFactory, ThemeFactory
from tests.improvement.test_pages import text_of

pytestmark = pytest.mark.django_db

LATE = TODAY - timedelta(days=90)  # past the amber grace: red
LATER = TODAY + timedelta(days=90)  # not due: grey until started


@pytest.fixture
def plan():
    return PlanFactory(start_date=date(2025, 4, 1))


def bulk_actions(theme, count, *, target, title="Bulk action", lead=None, start=1):
    """Many actions in one insert, then their state history (what "as at" reads) in one refresh."""
    actions = Action.objects.bulk_create(
        [
            Action(
                theme=theme,
                reference=f"{theme.reference}.{start + n}",
                order=start + n,
                title=f"{title} {start + n}",
                lead_officer=lead,
                start_date=date(2025, 4, 1),
                original_target_date=target,
                target_date=target,
                added_on=date(2025, 4, 1),
            )
            for n in range(count)
        ]
    )
    refresh_action_state(actions)
    return actions


def rows_of(response):
    """The action rows shown, as their reference cells."""
    return re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>', response.content.decode())


@pytest.fixture
def two_themes(plan):
    """Theme 1 has a red and a green action, theme 2 one not yet started (grey)."""
    front = ThemeFactory(plan=plan, reference="1", title="Front door", lead="Head of Service, Front Door", order=1)
    care = ThemeFactory(plan=plan, reference="2", title="Children in care", order=2)
    late = ActionFactory(theme=front, reference="1.1", order=1, title="Late MASH redesign", original_target_date=LATE)
    fine = ActionFactory(theme=front, reference="1.2", order=2, title="Fine audit", original_target_date=LATER)
    ActionUpdateFactory(action=late, date=TODAY - timedelta(days=3))
    ActionUpdateFactory(action=fine, date=TODAY - timedelta(days=3))
    ActionFactory(theme=care, reference="2.1", order=1, title="Placement sufficiency", original_target_date=LATER)
    return front, care


def test_default_view_collapses_each_theme_to_its_rag_counts_in_words_and_colour(board_client, two_themes):
    front, care = two_themes
    response = board_client.get(reverse("improvement:plan"))
    page = text_of(response)
    html = response.content.decode()
    assert "3 actions as at 22 November 2026" in page
    assert "1. Front door Lead: Head of Service, Front Door. 2 actions 1 Red - off track 1 Green - on track" in page
    assert "2. Children in care 1 action 1 Grey - not started" in page
    assert '<strong class="govuk-tag app-rag govuk-tag--red">1 Red - off track</strong>' in html
    # Collapsed: no action is listed, each theme has a link that opens it (no JavaScript needed).
    assert rows_of(response) == []
    assert "Late MASH redesign" not in page and "Placement sufficiency" not in page
    assert f'href="?theme={front.pk}#theme-{front.pk}"' in html
    assert "Show the 2 actions in 1. Front door" in page and "Show the 1 action in 2. Children in care" in page
    assert 'class="govuk-pagination"' not in html


def test_opening_a_theme_lists_its_actions_and_keeps_the_others_collapsed(board_client, two_themes):
    front, care = two_themes
    response = board_client.get(reverse("improvement:plan"), {"theme": front.pk})
    page = text_of(response)
    assert rows_of(response) == ["1.1", "1.2"]
    assert "Late MASH redesign" in page and "Red - off track" in page and "Fine audit" in page
    assert "Placement sufficiency" not in page
    assert "Show the 1 action in 2. Children in care" in page
    assert "Close the theme 1. Front door" in page
    assert "3 actions as at 22 November 2026" in page  # the headline counts stay the whole plan's
    assert response.context["body"]["opened_theme"] == front


def test_a_filter_lists_matching_actions_across_themes(board_client, plan, two_themes):
    front, care = two_themes
    other_red = ActionFactory(theme=care, reference="2.2", order=2, title="Late placements", original_target_date=LATE)
    ActionUpdateFactory(action=other_red, date=TODAY - timedelta(days=3))
    response = board_client.get(reverse("improvement:plan"), {"rag": "red"})
    page = text_of(response)
    assert "2 matching actions as at 22 November 2026" in page
    assert rows_of(response) == ["1.1", "2.2"]
    assert [theme for theme, _ in response.context["body"]["groups"]] == [front, care]
    assert "Fine audit" not in page and "Placement sufficiency" not in page
    assert "Show the" not in page  # the collapsed theme list gives way to the matching actions
    assert "Print all 2 matching actions" in page


def test_a_sort_on_its_own_lists_every_action_in_that_order(board_client, two_themes):
    response = board_client.get(reverse("improvement:plan"), {"sort": "target_date"})
    assert rows_of(response) == ["1.1", "1.2", "2.1"]
    assert "Actions by target date (soonest first)" in text_of(response)


def test_a_filter_pages_100_at_a_time_and_the_page_links_keep_the_filters(board_client, plan):
    first, second = ThemeFactory(plan=plan, reference="1", order=1), ThemeFactory(plan=plan, reference="2", order=2)
    bulk_actions(first, 80, target=LATE)
    bulk_actions(second, 70, target=LATE)
    bulk_actions(second, 5, target=LATER, start=71, title="Not due")
    response = board_client.get(reverse("improvement:plan"), {"rag": "red", "plan": plan.pk})
    html, page = response.content.decode(), text_of(response)
    assert PLAN_PAGE_SIZE == 100
    assert len(rows_of(response)) == 100
    assert "150 matching actions" in page and "Showing actions 1 to 100 of 150." in page
    assert dict(response.context["body"]["counts"])["red"] == 150  # the counts are of every match, not the page
    assert f'href="?rag=red&amp;plan={plan.pk}&amp;page=2" aria-label="Page 2"' in html
    assert f'href="?rag=red&amp;plan={plan.pk}&amp;page=2" rel="next"' in html
    assert 'aria-label="Page 1" aria-current="page"' in html

    response = board_client.get(reverse("improvement:plan"), {"rag": "red", "plan": plan.pk, "page": 2})
    assert rows_of(response) == [f"2.{n}" for n in range(21, 71)]
    assert "Showing actions 101 to 150 of 150." in text_of(response)
    assert f'href="?rag=red&amp;plan={plan.pk}&amp;page=1" rel="prev"' in response.content.decode()
    assert "Not due" not in text_of(response)


def test_an_opened_theme_with_more_than_100_actions_is_paged_too(board_client, plan):
    theme = ThemeFactory(plan=plan, reference="1", title="Front door")
    bulk_actions(theme, 120, target=LATER)
    response = board_client.get(reverse("improvement:plan"), {"theme": theme.pk})
    assert len(rows_of(response)) == 100
    assert "Actions 1 to 100 of 120 in 1. Front door" in text_of(response)
    assert f'href="?theme={theme.pk}&amp;page=2#theme-{theme.pk}" rel="next"' in response.content.decode()
    response = board_client.get(reverse("improvement:plan"), {"theme": theme.pk, "page": 2})
    assert rows_of(response) == [f"1.{n}" for n in range(101, 121)]


@pytest.fixture
def big_plan(plan):
    """150 red actions over two themes and 5 not yet due: more than one page of matches."""
    first, second = ThemeFactory(plan=plan, reference="1", order=1), ThemeFactory(plan=plan, reference="2", order=2)
    bulk_actions(first, 80, target=LATE)
    bulk_actions(second, 70, target=LATE)
    bulk_actions(second, 5, target=LATER, start=71, title="Not due")
    return plan


def test_the_print_view_is_never_paged(board_client, big_plan):
    response = board_client.get(reverse("improvement:plan_print"), {"rag": "red", "page": 2})
    page = text_of(response)
    assert len(rows_of(response)) == 150
    assert "150 matching actions as at 22 November 2026" in page and "Not due" not in page
    assert 'class="govuk-pagination"' not in response.content.decode()
    whole = board_client.get(reverse("improvement:plan_print"))
    assert len(rows_of(whole)) == 155 and "155 actions as at 22 November 2026" in text_of(whole)


def test_the_plan_page_links_to_the_print_view_with_its_filters(board_client, big_plan):
    html = board_client.get(reverse("improvement:plan"), {"rag": "red", "page": 2}).content.decode()
    assert f'href="{reverse("improvement:plan_print")}?rag=red">Print all 150 matching actions</a>' in html
    html = board_client.get(reverse("improvement:plan")).content.decode()
    assert f'href="{reverse("improvement:plan_print")}">Print the whole plan</a>' in html


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_is_never_paged(admin_client_, big_plan, fmt):
    url = reverse("imports:export_plan", args=[fmt])
    response = admin_client_.get(url, {"rag": "red", "page": 2, "plan": big_plan.pk})
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    else:
        rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 150
    whole = admin_client_.get(url, {"plan": big_plan.pk, "page": 3})
    content = b"".join(whole.streaming_content) if whole.streaming else whole.content
    if fmt == "csv":
        assert len(list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))) == 156


# ---- who sees what


def _plan_urls(plan, theme):
    return {
        "default": (reverse("improvement:plan"), {}),
        "theme": (reverse("improvement:plan"), {"theme": theme.pk}),
        "filter": (reverse("improvement:plan"), {"rag": "red"}),
        "print": (reverse("improvement:plan_print"), {}),
    }


@pytest.mark.parametrize("view", ["default", "theme", "filter", "print"])
def test_plan_views_by_role(view, role_clients, client, two_themes):
    """Board members, clerks, officers and admins read every view with no way to write from it; an outsider
    is refused; an anonymous visitor is sent to sign in."""
    front, _ = two_themes
    url, params = _plan_urls(front.plan, front)[view]
    expected = {"default": "Show the 2 actions", "theme": "Late MASH redesign", "filter": "Late MASH redesign"}
    for role in ("board", "clerk", "officer", "admin"):
        response = role_clients[role][1].get(url, params)
        assert response.status_code == 200, role
        page = text_of(response)
        assert expected.get(view, "Late MASH redesign") in page
        assert "/update" not in response.content.decode()  # recording progress is from the action's page
        assert "Delete this plan" not in page  # an active plan is never deleted
    assert role_clients["outsider"][1].get(url, params).status_code == 403
    anonymous = client.get(url, params)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))


def test_only_an_admin_is_offered_to_delete_a_plan_never_made_active(role_clients):
    draft = PlanFactory(status=Plan.Status.DRAFT, start_date=date(2026, 10, 1))
    ThemeFactory(plan=draft)
    pages = {role: text_of(role_clients[role][1].get(reverse("improvement:plan"))) for role in role_clients}
    assert "This plan has never been active. Delete this plan" in pages["admin"]
    for role in ("board", "clerk", "officer"):
        assert "Delete this plan" not in pages[role] and "Themes" in pages[role]


def test_an_unknown_plan_is_not_found_on_the_print_view(board_client, plan):
    assert board_client.get(reverse("improvement:plan_print"), {"plan": 99999}).status_code == 404


def test_a_filter_error_lists_actions_with_the_error_shown(board_client, two_themes):
    response = board_client.get(reverse("improvement:plan"), {"theme": 99999})
    page = text_of(response)
    assert "There is a problem" in page and "Select a valid choice" in page
    assert rows_of(response) == ["1.1", "1.2", "2.1"]


# ---- a fixed number of queries whatever the size


def _plan_of_size(plan, officer, size):
    """size actions over two themes, each with an update (some red, some amber) and a date revision."""
    first, second = ThemeFactory(plan=plan, reference="1", order=1), ThemeFactory(plan=plan, reference="2", order=2)
    actions = bulk_actions(first, size - size // 2, target=LATE, lead=officer) + bulk_actions(
        second, size // 2, target=LATER, lead=officer
    )
    ActionUpdate.objects.bulk_create(
        [
            ActionUpdate(
                action=a,
                date=TODAY - timedelta(days=5),
                author=officer,
                status=ActionStatus.IN_PROGRESS,
                progress=Progress.AT_RISK if i % 2 else Progress.ON_TRACK,
                computed_rag=Rag.AMBER,
            )
            for i, a in enumerate(actions)
        ]
    )
    TargetDateRevision.objects.bulk_create(
        [
            TargetDateRevision(
                action=a,
                previous_date=a.target_date - timedelta(days=30),
                new_date=a.target_date,
                effective_on=TODAY - timedelta(days=10),
                reason="Recruitment delayed",
                agreed_by="Improvement board",
            )
            for a in actions
        ]
    )
    refresh_action_state(actions)  # bulk inserts bypass the writers: refresh as an import does
    return first


@pytest.mark.parametrize("size", [3, 230])
@pytest.mark.parametrize("view", ["default", "theme", "filter", "filter page 2", "print"])
def test_plan_views_query_count_does_not_grow(
    size, view, officer_client, officer_user, plan, django_assert_num_queries
):
    first = _plan_of_size(plan, officer_user, size)
    url, params = {
        "default": (reverse("improvement:plan"), {}),
        "theme": (reverse("improvement:plan"), {"theme": first.pk}),
        "filter": (reverse("improvement:plan"), {"status": "in_progress", "lead_officer": officer_user.pk}),
        "filter page 2": (reverse("improvement:plan"), {"status": "in_progress", "sort": "rag", "page": 2}),
        "print": (reverse("improvement:plan_print"), {"rag": "amber"}),
    }[view]
    officer_client.get(reverse("improvement:plan"))  # warm the session
    # 1 session, 2 user, 3-4 user and group permissions, 5 plans, 6-8 filter choices (themes, leads,
    # recommendations), 9 the RAG counts per theme (collapsed themes) or the matching actions as at
    # today with their updates, and for an opened theme 10 its actions too
    # (the session, touched within the minute, is not saved)
    with django_assert_num_queries(9 if view == "theme" else 8):
        response = officer_client.get(url, params)
    assert response.status_code == 200
    # Paged views show at most 100 rows; page 2 of 3 matches falls back to the last page (page 1).
    shown = {"default": 0, "theme": min(size - size // 2, 100), "filter": min(size, 100)}
    shown["filter page 2"] = min(size - 100, 100) if size > 100 else size
    if view in shown:
        assert len(rows_of(response)) == shown[view]
