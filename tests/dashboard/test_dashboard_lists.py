"""The first screen's lists show their first ten and say how many there are in all (the database counts
them and reads only the rows shown: improvement.queries.plan_summary_as_at)."""

import datetime

import pytest
from django.urls import reverse

from improvement.models import ActionStatus, Progress
from tests.dates import TODAY
from tests.factories.improvement import ActionFactory, ActionUpdateFactory, PlanFactory, ThemeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def twelve_of_each(officer_user):
    """Twelve overdue reds the officer leads (1.1 the least overdue, 1.12 the most, none updated for two
    months) and twelve complete actions with no evidence of impact (2.1 to 2.12)."""
    plan = PlanFactory(start_date=datetime.date(2025, 4, 1))
    late, done = ThemeFactory(plan=plan, reference="1", order=1), ThemeFactory(plan=plan, reference="2", order=2)
    for n in range(1, 13):
        target = TODAY - datetime.timedelta(days=40 + n)
        action = ActionFactory(
            theme=late, reference=f"1.{n}", order=n, title=f"Late {n}", lead_officer=officer_user,
            target_date=target, original_target_date=target,
        )  # fmt: skip
        ActionUpdateFactory(action=action, date=TODAY - datetime.timedelta(days=60), progress=Progress.ON_TRACK)
        finished = ActionFactory(theme=done, reference=f"2.{n}", order=n, title=f"Done {n}")
        ActionUpdateFactory(
            action=finished, date=TODAY - datetime.timedelta(days=5), status=ActionStatus.COMPLETE, progress=""
        )
    return plan


def _section(html, marker, end="</ul>"):
    return html.split(marker)[1].split(end)[0]


def test_the_ten_most_overdue_reds_are_listed_most_overdue_first(board_client, twelve_of_each):
    html = board_client.get(reverse("home")).content.decode()
    reds = _section(html, '<h2 class="govuk-heading-m">Red actions</h2>')
    listed = [f"1.{n} Late {n}" for n in range(12, 2, -1)]
    assert [name for name in listed if name in reds] == listed
    assert reds.index("1.12 Late 12") < reds.index("1.3 Late 3")
    assert "1.2 Late 2<" not in reds and "1.1 Late 1<" not in reds


def test_complete_without_evidence_counts_all_and_lists_the_first_ten(board_client, twelve_of_each):
    html = board_client.get(reverse("home")).content.decode()
    assert "Complete, no evidence of impact (12)" in html
    section = _section(html, 'id="no-evidence"')
    assert all(f"2.{n} Done {n}<" in section for n in range(1, 11))
    assert "2.11 Done 11" not in section and "2.12 Done 12" not in section


def test_an_officer_sees_how_many_need_an_update_and_the_first_ten(officer_client, twelve_of_each):
    html = officer_client.get(reverse("home")).content.decode()
    assert "Your actions needing an update (12)" in html
    section = _section(html, 'id="my-updates"')
    assert all(f"1.{n} Late {n}<" in section for n in range(1, 11))
    assert "1.11 Late 11" not in section and "1.12 Late 12" not in section
